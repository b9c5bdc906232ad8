"""A stroke on the canvas, and the stroke under way drawn so that a move costs the same at any
length: the curve up to the midpoint before the last sample never changes again, so each such
piece is painted once onto kept images (the network's raster and the screen's copy), and a move
redraws only the short tail to the last sample. (Each move used to paint the whole stroke: 19 ms a
move at 1,000 points; benchmarks/bench_strokes.py.) The stroke is painted whole once, when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

CANVAS_SIZE = 280  # logical pixels per side: MNIST's 28 times 10 (the canvas's, imported from here)


@dataclass
class Stroke:
    width: float
    points: list[QPointF] = field(default_factory=list)

    def path(self) -> QPainterPath:
        """Quadratic smoothing: a curve through the midpoints, the samples as control points."""
        pts = self.points
        path = QPainterPath(pts[0])
        if len(pts) == 2:
            path.lineTo(pts[1])
        for a, b in zip(pts[1:-1], pts[2:]):
            path.quadTo(a, (a + b) / 2)
        if len(pts) > 2:
            path.lineTo(pts[-1])
        return path

    # While drawing, path() is painted piece by piece: the curve up to the midpoint before the
    # last sample is settled (later samples do not change it), only the straight tail to the last
    # sample is redrawn with each move. So a move costs the same at the 10th point as at the 5,000th.

    def settled_piece(self) -> QPainterPath | None:
        """The curve piece the latest sample settled (None before the third sample)."""
        pts = self.points
        if len(pts) < 3:
            return None
        a, b = pts[-3], pts[-2]
        path = QPainterPath(pts[0] if len(pts) == 3 else (a + b) / 2)
        path.quadTo(b, (b + pts[-1]) / 2)
        return path

    def settled_path(self) -> QPainterPath | None:
        """Every settled piece as one path (after a resize mid-stroke); None before the third sample."""
        pts = self.points
        if len(pts) < 3:
            return None
        path = QPainterPath(pts[0])
        for a, b in zip(pts[1:-1], pts[2:]):
            path.quadTo(a, (a + b) / 2)
        return path

    def tail(self) -> QPainterPath:
        """The part of path() after the settled pieces: a line from the last midpoint."""
        pts = self.points
        path = QPainterPath(pts[0] if len(pts) <= 2 else (pts[-2] + pts[-1]) / 2)
        path.lineTo(pts[-1])
        return path


def paint_stroke(painter: QPainter, stroke: Stroke, colour: QColor, path: QPainterPath | None = None) -> None:
    """The whole stroke, or (path) a piece of it, as the pen draws it."""
    if len(stroke.points) == 1 or path is None and all(p == stroke.points[0] for p in stroke.points[1:]):
        r = stroke.width / 2
        painter.setPen(Qt.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(stroke.points[0], r, r)
        painter.setBrush(Qt.NoBrush)
        return
    painter.setPen(QPen(colour, stroke.width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
    painter.drawPath(stroke.path() if path is None else path)


def onto_paper(p: QPainter, paper: QRectF) -> None:
    """Paint in logical canvas units onto the paper's square in the widget, clipped to it."""
    p.setRenderHint(QPainter.Antialiasing)
    p.setClipRect(paper)
    p.translate(paper.topLeft())
    p.scale(paper.width() / CANVAS_SIZE, paper.height() / CANVAS_SIZE)


class LiveStroke:
    """The stroke under way and its kept images: raster (logical pixels, the finished drawing
    plus the settled pieces, in ink) and display (the screen's copy, made by paint())."""

    def __init__(self, stroke: Stroke, finished: QImage, ink: QColor, screen_ink: QColor):
        self.stroke = stroke
        self.raster = finished.copy()
        self.display: QImage | None = None
        self._paper: QRectF | None = None
        self.ink, self.screen_ink = ink, screen_ink

    def add(self, point: QPointF) -> None:
        """A new sample: the piece it settles goes onto the kept images, once."""
        self.stroke.points.append(point)
        piece = self.stroke.settled_piece()
        if piece is None:
            return
        p = QPainter(self.raster)
        p.setRenderHint(QPainter.Antialiasing)
        paint_stroke(p, self.stroke, self.ink, piece)
        p.end()
        if self.display is not None:
            p = QPainter(self.display)
            onto_paper(p, self._paper)
            paint_stroke(p, self.stroke, self.screen_ink, piece)
            p.end()

    def pixels(self) -> QImage:
        """The raster with the tail: the drawing as the network gets it, stroke included."""
        image = self.raster.copy()
        p = QPainter(image)
        p.setRenderHint(QPainter.Antialiasing)
        paint_stroke(p, self.stroke, self.ink, self.stroke.tail())
        p.end()
        return image

    def paint(self, p: QPainter, finished: QImage, paper: QRectF) -> None:
        """Onto the widget: finished (the screen's image of the finished drawing) with the settled
        pieces, kept from the last call while the widget keeps its size, then the tail."""
        if self.display is None or self.display.size() != finished.size() or self._paper != paper:
            self.display, self._paper = finished.copy(), QRectF(paper)
            settled = self.stroke.settled_path()
            if settled is not None:  # the first paint, or the first after a resize: once
                cache = QPainter(self.display)
                onto_paper(cache, paper)
                paint_stroke(cache, self.stroke, self.screen_ink, settled)
                cache.end()
        p.drawImage(0, 0, self.display)
        p.save()
        onto_paper(p, paper)
        paint_stroke(p, self.stroke, self.screen_ink, self.stroke.tail())
        p.restore()
