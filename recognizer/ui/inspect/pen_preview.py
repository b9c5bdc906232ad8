"""The pen's width, shown two ways: a dot beside the pen slider that grows over the slider's whole
range, with the width in canvas pixels, and, while the slider is being moved, a ring in the
middle of the canvas exactly as wide as the pen draws there. (A true-size dot beside the slider
stopped growing at 28 px, the height of its row, a third of the widest pen.)"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from .. import theme
from .canvas import CANVAS_SIZE, MAX_PEN_WIDTH

RING_MS = 900  # how long the ring stays after the slider last moved


def screen_width(canvas) -> float:
    """The pen's width in screen pixels, as the canvas draws it at its current size."""
    return canvas.pen_width * canvas.paper_rect().width() / CANVAS_SIZE


class PenRing(QWidget):
    """Over the canvas, letting every click through: the pen's true width, for a moment."""

    def __init__(self, canvas):
        super().__init__(canvas)
        self._canvas = canvas
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self._timer = QTimer(self, singleShot=True, interval=RING_MS)
        self._timer.timeout.connect(self.hide)
        self.hide()

    @property
    def diameter(self) -> float:
        return screen_width(self._canvas)

    def flash(self) -> None:
        self.setGeometry(self._canvas.rect())
        self.show()
        self.raise_()
        self.update()
        self._timer.start()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(QPen(QColor(theme.ACCENT), 2))
        r = self.diameter / 2
        p.drawEllipse(QPointF(self.width() / 2, self.height() / 2), r, r)


class PenPreview(QWidget):
    def __init__(self, canvas, parent=None):
        super().__init__(parent)
        self._canvas = canvas
        self.ring = PenRing(canvas)
        self.setToolTip("The pen's width: the dot grows with it (the widest pen fills it); moving the slider\n"
                        "shows the true width on the canvas.")  # fmt: skip
        self.setFixedSize(self.sizeHint())
        canvas.installEventFilter(self)  # a bigger canvas draws a wider stroke

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Resize:
            self.update()
        return False

    def sizeHint(self) -> QSize:
        text = self.fontMetrics().horizontalAdvance(f"{MAX_PEN_WIDTH} px")
        return QSize(30 + 6 + text, 30)

    @property
    def diameter(self) -> float:
        """The dot's diameter: in proportion to the pen's width, the widest filling the preview."""
        return (self.height() - 2) * self._canvas.pen_width / MAX_PEN_WIDTH

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(theme.TEXT))
        r = self.diameter / 2
        p.drawEllipse(QPointF(15, self.height() / 2), r, r)
        p.setPen(QColor(theme.MUTED_TEXT))
        p.drawText(self.rect().adjusted(36, 0, 0, 0), Qt.AlignVCenter | Qt.AlignLeft, f"{round(self._canvas.pen_width)} px")
