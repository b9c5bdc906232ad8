"""The drawing canvas: a square of dark paper that takes mouse, pen-tablet, dropped and pasted
input, and hands out its pixels (grey, ink high, like MNIST) as a numpy array.

Drawings live in a fixed logical square of CANVAS_SIZE pixels, whatever the widget's size, so
the pen width and the emitted array mean the same thing at any window size. The history of
strokes, images and clears, which undo walks back, is canvas_history.py's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...inputs.strokes import MAX_STROKE_POINTS, MAX_STROKES, MIN_STEP
from .. import theme
from .canvas_history import Clear, History, ImageLayer
from .image_arrays import digit_layer, grey_to_qimage, qimage_to_grey
from .live_stroke import CANVAS_SIZE, LiveStroke, Stroke, onto_paper, paint_stroke
from .state import DEFAULT_PEN_WIDTH, MAX_PEN_WIDTH, MIN_PEN_WIDTH

LIVE_INTERVAL_MS = 16  # at most one pixels_changed(live=True) per frame while drawing


class DrawingCanvas(QWidget):
    """Draw with the mouse or a pen. Signals:

    pixels_changed(array, live): the (CANVAS_SIZE, CANVAS_SIZE) uint8 pixels, ink high; live is
        True while a stroke is under way (at most every LIVE_INTERVAL_MS) and False once the
        drawing has settled (stroke ended, undo, clear, image placed).
    dropped(object): a file was dropped (a Path) or image data was dropped (a QImage); the window
        decides what to do with it, so that it can report unreadable files.
    notice_changed(str): what the canvas tells the user (also written on the paper), "" when
        nothing: a stroke or a drawing at its bound (strokes.MAX_STROKE_POINTS, MAX_STROKES).
    """

    pixels_changed = Signal(object, bool)
    dropped = Signal(object)
    notice_changed = Signal(str)
    painted = Signal()  # after each paintEvent: what was drawn is on its way to the screen

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("canvas")
        self.setAttribute(Qt.WA_OpaquePaintEvent, False)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setCursor(Qt.CrossCursor)
        self.setMinimumSize(220, 220)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setToolTip(
            "Draw a digit here with the mouse or a pen.\n"
            "Ctrl+Z undoes the last stroke, Esc or Delete clears,\n"
            "and you can drop or paste (Ctrl+V) an image of a digit."
        )
        self._history = History()
        self._stroke: Stroke | None = None
        self._pen_width = float(DEFAULT_PEN_WIDTH)
        self._committed = self._blank()  # every finished item, rendered
        self._display: QImage | None = None  # the same at the widget's size, for paintEvent
        self._live: LiveStroke | None = None  # the stroke under way's kept images
        self.notice = ""
        self._ink = QColor(255, 255, 255)
        self._since_emit = QElapsedTimer()
        self._live_timer = QTimer(self, singleShot=True, timerType=Qt.PreciseTimer)  # coarse ones fire early
        self._live_timer.timeout.connect(self._emit_live)
        self.overlay = None  # paint(painter) over the drawing, in widget pixels: a number's boxes

    # --- public API -------------------------------------------------------------------------

    @property
    def pen_width(self) -> float:
        return self._pen_width

    def set_pen_width(self, width: float) -> None:
        self._pen_width = float(min(max(width, MIN_PEN_WIDTH), MAX_PEN_WIDTH))

    def is_empty(self) -> bool:
        return not self._history.visible() and self._stroke is None

    def stroke_count(self) -> int:
        return sum(isinstance(item, Stroke) for item in self._history.visible())

    def strokes(self) -> list[np.ndarray] | None:
        """The visible drawing as vector strokes, each an (N, 2) array of logical (x, y) points
        (the stroke under way too); None when a picture is on the canvas, which only has pixels."""
        items = self._history.visible()
        if any(isinstance(item, ImageLayer) for item in items):
            return None
        strokes = [item for item in items if isinstance(item, Stroke)]
        if self._stroke is not None:
            strokes.append(self._stroke)
        return [np.array([(p.x(), p.y()) for p in stroke.points], dtype=np.float32) for stroke in strokes]

    def can_undo(self) -> bool:
        return bool(self._history)

    def pixels(self) -> np.ndarray:
        """The drawing as (CANVAS_SIZE, CANVAS_SIZE) uint8, ink high (the stroke under way too)."""
        image = self._committed
        if self._live is not None:
            image = self._live.pixels()
        return qimage_to_grey(image)

    def clear(self) -> None:
        self._cancel_stroke()
        if self._history.visible():
            self._history.new_page(Clear())
            self._rerender()
        self._settled()

    def undo(self) -> None:
        self._cancel_stroke()
        if self._history:
            self._history.pop()
            self._rerender()
        self._settled()

    def set_image(self, image: QImage | np.ndarray) -> None:
        """Put a picture on the canvas (ink high, any size: scaled to fit), replacing the drawing."""
        if isinstance(image, np.ndarray):
            image = grey_to_qimage(image)
        image = image.convertToFormat(QImage.Format_Grayscale8)
        layer = QImage(CANVAS_SIZE, CANVAS_SIZE, QImage.Format_Grayscale8)
        layer.fill(0)
        scaled = image.scaled(CANVAS_SIZE, CANVAS_SIZE, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        p = QPainter(layer)
        p.drawImage((CANVAS_SIZE - scaled.width()) // 2, (CANVAS_SIZE - scaled.height()) // 2, scaled)
        p.end()
        self._cancel_stroke()
        self._history.new_page(ImageLayer(layer))
        self._rerender()

    def show_digit(self, image28: np.ndarray, notify: bool = False) -> None:
        """Show a 28x28 image (ink high, [0, 1]) blown up to fill the canvas. With notify False
        no pixels_changed is emitted: the caller traces the 28x28 image itself, exactly."""
        self._cancel_stroke()
        self._history.new_page(ImageLayer(digit_layer(image28)))
        self._rerender()
        if notify:
            self._settled()

    # --- geometry ---------------------------------------------------------------------------

    def paper_rect(self) -> QRectF:
        """Where the logical square sits in the widget (centred, with a small margin)."""
        side = max(1.0, min(self.width(), self.height()) - 2.0)
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_logical(self, pos: QPointF) -> QPointF:
        r = self.paper_rect()
        s = CANVAS_SIZE / r.width()
        return QPointF((pos.x() - r.x()) * s, (pos.y() - r.y()) * s)

    def to_widget(self, logical: QPointF) -> QPointF:
        r = self.paper_rect()
        s = r.width() / CANVAS_SIZE
        return QPointF(r.x() + logical.x() * s, r.y() + logical.y() * s)

    def sizeHint(self):
        from PySide6.QtCore import QSize

        return QSize(380, 380)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    # --- input ------------------------------------------------------------------------------

    def mousePressEvent(self, event):
        if event.button() == Qt.LeftButton:
            self._begin(event.position())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self._stroke is not None and event.buttons() & Qt.LeftButton:
            self._extend(event.position())
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.LeftButton and self._stroke is not None:
            self._extend(event.position())
            self._end()
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def tabletEvent(self, event):
        kind = event.type()
        if kind == event.Type.TabletPress:
            self._begin(event.position())
        elif kind == event.Type.TabletMove and self._stroke is not None:
            self._extend(event.position())
        elif kind == event.Type.TabletRelease and self._stroke is not None:
            self._extend(event.position())
            self._end()
        event.accept()  # no synthesized mouse events: the pen is handled here

    def dragEnterEvent(self, event):
        mime = event.mimeData()
        if mime.hasImage() or any(url.isLocalFile() for url in mime.urls()):
            event.acceptProposedAction()

    def dropEvent(self, event):
        mime = event.mimeData()
        files = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
        if files:
            self.dropped.emit(files[0])
        elif mime.hasImage():
            self.dropped.emit(QImage(mime.imageData()))
        event.acceptProposedAction()

    # --- strokes ----------------------------------------------------------------------------

    def _begin(self, pos: QPointF) -> None:
        if self.stroke_count() >= MAX_STROKES:
            self._say(f"A drawing holds at most {MAX_STROKES} strokes: undo or clear to draw more.")
            return
        self._say("")
        self._stroke = Stroke(self._pen_width, [self.to_logical(pos)])
        self._live = LiveStroke(self._stroke, self._committed, self._ink, QColor(theme.INK))
        if not self._history.visible():
            self._display = None  # painted again without "Draw a digit here" under the stroke
        self._since_emit.start()
        self.update()
        self._emit_live()

    def _extend(self, pos: QPointF) -> None:
        p = self.to_logical(pos)
        last = self._stroke.points[-1]
        if (p - last).manhattanLength() < MIN_STEP:
            return
        if len(self._stroke.points) >= MAX_STROKE_POINTS:
            self._say(f"A stroke holds at most {MAX_STROKE_POINTS:,} points: lift the pen and go on with a new stroke.")
            return
        self._live.add(p)
        self.update()
        wait = LIVE_INTERVAL_MS - self._since_emit.elapsed()
        if wait <= 0:
            self._emit_live()
        elif not self._live_timer.isActive():
            self._live_timer.start(int(wait))

    def _end(self) -> None:
        self._live_timer.stop()
        stroke, self._stroke, self._live = self._stroke, None, None
        self._history.append(stroke)
        p = self._raster_painter(self._committed)
        paint_stroke(p, stroke, self._ink)
        p.end()
        self._display = None
        self._settled()

    def _cancel_stroke(self) -> None:
        self._live_timer.stop()
        self._stroke = self._live = None
        self._say("")

    def _say(self, notice: str) -> None:
        if notice != self.notice:
            self.notice = notice
            self.notice_changed.emit(notice)
            self.update()

    def _emit_live(self) -> None:
        self._live_timer.stop()  # a move that came a frame after the last update sent it: no second one now
        if self._stroke is None:
            return
        pixels = self.pixels()  # drawn first: the interval runs from the update, not from before the drawing
        self._since_emit.restart()
        self.pixels_changed.emit(pixels, True)

    def _settled(self) -> None:
        self.update()
        self.pixels_changed.emit(self.pixels(), False)

    # --- rendering --------------------------------------------------------------------------

    @staticmethod
    def _blank() -> QImage:
        image = QImage(CANVAS_SIZE, CANVAS_SIZE, QImage.Format_Grayscale8)
        image.fill(0)
        return image

    @staticmethod
    def _raster_painter(image: QImage) -> QPainter:
        p = QPainter(image)
        p.setRenderHint(QPainter.Antialiasing)
        return p

    def _rerender(self) -> None:
        self._committed = self._blank()
        p = self._raster_painter(self._committed)
        self._paint_items(p, self._history.visible())
        p.end()
        self._display = None
        self.update()

    def _paint_items(self, painter: QPainter, items, ink: QColor | None = None) -> None:
        ink = ink or self._ink
        for item in items:
            if isinstance(item, ImageLayer):
                painter.drawImage(QRectF(0, 0, CANVAS_SIZE, CANVAS_SIZE), item.image)
            elif isinstance(item, Stroke):
                paint_stroke(painter, item, ink)

    def resizeEvent(self, event):
        self._display = None
        super().resizeEvent(event)

    def _paint_paper(self, p: QPainter) -> None:
        """The paper and every finished item, at the widget's scale."""
        p.setRenderHint(QPainter.Antialiasing)
        p.setRenderHint(QPainter.SmoothPixmapTransform)
        rect = self.paper_rect()
        p.setPen(QPen(QColor(theme.BORDER), 1))
        p.setBrush(QColor(theme.PAPER))
        p.drawRoundedRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5), 6, 6)
        items = self._history.visible()
        if not items and self._stroke is None:
            p.setPen(QColor(theme.MUTED_TEXT))
            p.drawText(rect, Qt.AlignCenter, "Draw a digit here")
            return
        p.save()
        onto_paper(p, rect)
        # Images as the raster (what you see is what the network gets), in screen mode so that
        # their black stays the paper's colour; strokes as vectors, crisp at any window size.
        for item in items:
            if isinstance(item, ImageLayer):
                p.setCompositionMode(QPainter.CompositionMode_Screen)
                p.drawImage(QRectF(0, 0, CANVAS_SIZE, CANVAS_SIZE), item.image)
                p.setCompositionMode(QPainter.CompositionMode_SourceOver)
            else:
                paint_stroke(p, item, QColor(theme.INK))
        p.restore()

    def _paint_notice(self, p: QPainter) -> None:
        """The notice at the foot of the paper, on a panel of its own so that ink never hides it."""
        flags = Qt.AlignBottom | Qt.AlignHCenter | Qt.TextWordWrap
        room = self.paper_rect().adjusted(14, 14, -14, -14)
        text = p.boundingRect(room, flags, self.notice).adjusted(-8, -5, 8, 5)
        p.setPen(QPen(QColor(theme.ACCENT), 1))
        p.setBrush(QColor(theme.PANEL))
        p.drawRoundedRect(text, 5, 5)
        p.setPen(QColor(theme.TEXT))
        p.drawText(room, flags, self.notice)

    def paintEvent(self, event):
        # Finished items are painted once into a cached image at the screen's resolution; each
        # frame of a stroke then paints only that image and the stroke under way.
        ratio = self.devicePixelRatioF()
        if self._display is None or self._display.devicePixelRatio() != ratio:
            self._display = QImage(self.size() * ratio, QImage.Format_ARGB32_Premultiplied)
            self._display.setDevicePixelRatio(ratio)
            self._display.fill(Qt.transparent)
            cache = QPainter(self._display)
            self._paint_paper(cache)
            cache.end()
        p = QPainter(self)
        if self._live is None:
            p.drawImage(0, 0, self._display)
        else:  # the finished drawing with the stroke's kept pieces, then only its tail
            self._live.paint(p, self._display, self.paper_rect())
        if self.overlay is not None:
            p.resetTransform()
            p.setClipping(False)
            self.overlay(p)
        if self.notice:
            self._paint_notice(p)
        p.end()
        self.painted.emit()
