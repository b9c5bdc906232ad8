"""Pages that share one place, switched by a row of checkable buttons the caller lays out where
there is room already (beside a plot's caption, say), so that switching costs no tab bar's height."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QStackedWidget, QWidget


class PageSwitch(QStackedWidget):
    """pages: (name, tooltip, widget); self.buttons holds one button per page, in order."""

    def __init__(self, pages: list[tuple[str, str, QWidget]], parent: QWidget | None = None):
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.buttons: list[QPushButton] = []
        for i, (name, tip, widget) in enumerate(pages):
            self.addWidget(widget)
            button = QPushButton(text=name, checkable=True, checked=i == 0, toolTip=tip)
            self.group.addButton(button, i)
            self.buttons.append(button)
        self.group.idClicked.connect(self.setCurrentIndex)
        self.currentChanged.connect(lambda i: self.buttons[i].setChecked(True))

    def button_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(2)
        for button in self.buttons:
            row.addWidget(button)
        return row
