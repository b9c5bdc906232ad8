"""The first-run tour's callout: a small non-modal frame inside the window, placed next to the
widget each step points at, with Back, Next and Skip. Its steps and words are in tour_state.py;
the menus show it on the first launch (remembered in the settings) and from Help › Show the tour.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QPushButton, QVBoxLayout, QWidget

from . import theme
from .settings import app_settings, read_bool
from .tour_state import SEEN_KEY, TourState

WIDTH = 300
GAP = 10  # between the callout and the widget it points at


def target_of(window: QMainWindow, path: str) -> QWidget:
    """The widget at an attribute path from the window; a method on the way is called."""
    obj = window
    for name in path.split("."):
        obj = getattr(obj, name)
        obj = obj() if callable(obj) and not isinstance(obj, QWidget) else obj
    return obj


class TourCallout(QFrame):
    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window_ = window
        self.state = TourState()
        self.setObjectName("tour")
        self.setFixedWidth(WIDTH)
        self.setStyleSheet(f"#tour {{ background: {theme.PANEL}; border: 2px solid {theme.ACCENT}; border-radius: 6px; }}")
        self.title = QLabel(font=theme.big_font(13))
        self.arrow = QLabel(font=theme.big_font(13))
        self.arrow.setStyleSheet(f"color: {theme.ACCENT}")
        self.text = QLabel(wordWrap=True)
        self.counter = QLabel()
        self.counter.setProperty("role", "muted")
        self.back_button = QPushButton("Back", clicked=lambda: self._go(self.state.back))
        self.next_button = QPushButton("Next", clicked=lambda: self._go(self.state.next))
        self.skip_button = QPushButton("Skip", clicked=lambda: self._go(self.state.skip))
        self.next_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.counter, 1)
        for button in (self.skip_button, self.back_button, self.next_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        heading = QHBoxLayout()
        heading.addWidget(self.arrow)
        heading.addWidget(self.title, 1)
        layout.addLayout(heading)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.hide()
        window.installEventFilter(self)  # stays beside its widget as the window is resized
        window.tabs.currentChanged.connect(self._on_tab_changed)

    def _on_tab_changed(self, _index: int) -> None:
        """Every step is on Draw & Inspect: on another tab the callout waits, hidden."""
        if self.state.step is not None:
            self.setVisible(self.window_.tabs.currentWidget() is self.window_.inspect_tab)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window_ and event.type() in (QEvent.Resize, QEvent.Show) and self.state.step is not None:
            self.move(self._place(self.target))
        return super().eventFilter(watched, event)

    def show_if_first_launch(self) -> None:
        store = app_settings()
        if not read_bool(store, SEEN_KEY, False):
            store.setValue(SEEN_KEY, True)  # shown once: a window closed mid-tour does not bring it back
            self.start()

    def start(self) -> None:
        self.window_.tabs.setCurrentWidget(self.window_.inspect_tab)  # every step is on Draw & Inspect
        self._go(self.state.start)

    @property
    def target(self) -> QWidget | None:
        step = self.state.step
        return None if step is None else target_of(self.window_, step.target)

    def _go(self, move) -> None:
        move()
        step = self.state.step
        if step is None:
            self.hide()
            return
        self.title.setText(step.title)
        self.text.setText(step.text)
        self.counter.setText(self.state.counter())
        self.back_button.setEnabled(bool(self.state.index))
        self.next_button.setText("Done" if self.state.last else "Next")
        # adjustSize() guesses a word-wrapped label's height for another width: the words were cut.
        self.setFixedHeight(self.layout().totalHeightForWidth(WIDTH))
        self.move(self._place(self.target))
        self.show()
        self.raise_()

    def _place(self, target: QWidget) -> QPoint:
        """Beside the target: to its right where there is room, else to its left, else below it;
        always inside the window."""
        area = self.window_.rect()
        rect = QRect(target.mapTo(self.window_, QPoint(0, 0)), target.size())
        if rect.right() + GAP + self.width() <= area.right():
            x = rect.right() + GAP
        elif rect.left() - GAP - self.width() >= 0:
            x = rect.left() - GAP - self.width()
        else:
            x = rect.left()
        y = rect.top() if x != rect.left() else rect.bottom() + GAP
        self.arrow.setText("◀" if x > rect.left() else "▶" if x < rect.left() else "▲")  # towards the widget
        x = max(0, min(x, area.width() - self.width()))
        y = max(0, min(y, area.height() - self.height()))
        return QPoint(x, y)
