"""A dot beside the pen slider, as wide as the pen draws on the canvas at its current size, and
the width in canvas pixels: the slider alone said nothing about how thick a stroke would be."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from .. import theme
from .canvas import CANVAS_SIZE, MAX_PEN_WIDTH


class PenPreview(QWidget):
    def __init__(self, canvas, parent=None):
        super().__init__(parent)
        self._canvas = canvas
        self.setToolTip("The pen's width on the canvas.")
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
        """The dot's diameter in screen pixels: the pen width scaled as the canvas shows it,
        capped to the preview's own height."""
        scale = self._canvas.paper_rect().width() / CANVAS_SIZE
        return min(self._canvas.pen_width * scale, self.height() - 2)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(theme.TEXT))
        r = self.diameter / 2
        p.drawEllipse(QPointF(15, self.height() / 2), r, r)
        p.setPen(QColor(theme.MUTED_TEXT))
        p.drawText(self.rect().adjusted(36, 0, 0, 0), Qt.AlignVCenter | Qt.AlignLeft, f"{round(self._canvas.pen_width)} px")
