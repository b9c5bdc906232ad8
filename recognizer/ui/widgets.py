"""Small widgets for text that changes every animation frame.

A QLabel's setText calls updateGeometry(), and Qt then lays out every widget up to the window
(QLayout::activate always passes updateGeometry() on to the parent), which ends in the tab
widget repainting the whole window: ~10 ms a frame here instead of ~2. TextLine draws its text
itself and only asks for a repaint of its own rectangle; its size never depends on its text.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,  # fmt: skip
    QWidget,
)


class TextLine(QWidget):
    """Plain text in `lines` lines (word-wrapped, elided at the end if it does not fit), with a
    height fixed by the font and a width set by the layout. text() and setText() as QLabel."""

    def __init__(self, text: str = "", lines: int = 1, muted: bool = False, font: QFont | None = None, parent=None):
        super().__init__(parent)
        if font is not None:
            self.setFont(font)
        self._text = text
        self._lines = lines
        self._role = QPalette.PlaceholderText if muted else QPalette.WindowText
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + 4)
        self.setAttribute(Qt.WA_OpaquePaintEvent, False)

    def setFixedWidth(self, width: int) -> None:
        super().setFixedWidth(width)
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.update()  # never updateGeometry(): the size does not depend on the text

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self._text[:60]) + 8, self.height())

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setPen(self.palette().color(self._role))
        rect = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        metrics = self.fontMetrics()
        if self._lines == 1:
            p.drawText(rect, Qt.AlignLeft | Qt.AlignVCenter, metrics.elidedText(self._text, Qt.ElideRight, int(rect.width())))
        else:
            p.drawText(rect, Qt.AlignLeft | Qt.AlignTop | Qt.TextWordWrap, self._text)


def muted_label(text: str = "", tip: str = "", wrap: bool = False) -> QLabel:
    """Secondary text, styled by the theme's "muted" role."""
    label = QLabel(text)
    label.setProperty("role", "muted")
    label.setToolTip(tip)
    label.setWordWrap(wrap)
    return label


def group_box(title: str, tip: str) -> tuple[QGroupBox, QVBoxLayout]:
    """A titled panel with a tooltip, and the layout to fill it with."""
    box = QGroupBox(title)
    box.setToolTip(tip)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(8, 10, 8, 8)
    layout.setSpacing(6)
    return box, layout


def caption_label(text: str, lines: int = 3) -> TextLine:
    """A page's explanation, word-wrapped in a fixed number of lines: it takes the width the page
    has and never asks for more, nor for more height when the window narrows."""
    font = QFont()
    font.setPointSize(11)
    label = TextLine(text, lines=lines, font=font)
    label.setWhatsThis(text)  # a caption is its own explanation, whole where its lines cut it
    return label


def percent_bar(max_width: int) -> QProgressBar:
    """A background job's progress bar, 0 to 100 %, no wider than max_width."""
    bar = QProgressBar()
    bar.setRange(0, 100)
    bar.setMaximumWidth(max_width)
    return bar


class _WheelGuard(QObject):
    """Passes a wheel turn over an unfocused spin box or combo box on to its parent (the scroll
    area around a form scrolls) instead of letting it change the value unnoticed."""

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Wheel and not watched.hasFocus():
            event.ignore()  # ignored and filtered: Qt offers the wheel to the parent widgets
            return True
        return super().eventFilter(watched, event)


def guard_wheel(root: QWidget) -> None:
    """Every spin box and combo box under root takes the wheel only once clicked or tabbed into
    (Qt.StrongFocus: the wheel itself no longer focuses it). The window calls this once, when its
    tabs are built."""
    guard = _WheelGuard(root)
    for widget in root.findChildren(QAbstractSpinBox) + root.findChildren(QComboBox):
        widget.setFocusPolicy(Qt.StrongFocus)
        widget.installEventFilter(guard)
