"""The 10×10 confusion matrix as a heatmap with its count in every cell: one widget for every tab
that shows one (Evaluate's test-set matrix; Train's matrix of the last run can use it as it is).

    view = ConfusionMatrixView()          rows: the true digit, 0 at the top; columns: the answer
    view.set_matrix(counts_or_None)       view.matrix holds what is shown
    view.cell_clicked.connect(...)        (true, predicted) on a click; view.select(cell) marks one

The counts' font follows the cells' size, so "1,135" fits a cell of a small window too; where
the cells are too small for the counts even in the smallest font, the colours alone are shown
(pointing at a cell still tells its count), never counts spilling over their neighbours.
"""

from __future__ import annotations

import csv

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QGraphicsRectItem, QToolTip

from ..network.dims import CLASSES
from . import theme
from .plot_menu import install_plot_menu
from .plots import fixed_axes

LARGEST_FONT_PX, SMALLEST_FONT_PX = 13, 7
CELL_MARGIN_PX = 4  # kept free on either side of a count


def confusion_colour_values(confusion: np.ndarray) -> np.ndarray:
    """Log-ish colour positions in [0, 1]: 0 for an empty cell, and 0.3..1 for counts from 1 to the
    largest on a log scale, so a cell with a single mistake stands out from the empty ones."""
    m = np.asarray(confusion, dtype=np.float64)
    top = max(float(m.max()), 1.0)
    scaled = 0.3 + 0.7 * np.log(np.maximum(m, 1.0)) / np.log(max(top, 2.0))
    return np.where(m > 0, scaled, 0.0)


def confusion_colormap() -> pg.ColorMap:
    return pg.ColorMap(
        pos=np.array([0.0, 0.3, 0.55, 0.8, 1.0]),
        color=np.array(
            [
                (17, 24, 39, 255),  # empty: the window's background
                (127, 29, 29, 255),  # a mistake or two: dark red
                (220, 38, 38, 255),
                (245, 158, 11, 255),  # amber
                (253, 230, 138, 255),  # the diagonal's thousands: pale gold
            ],
            dtype=np.ubyte,
        ),
    )


class _ClickableImage(pg.ImageItem):
    clicked = Signal(int, int)  # (x, y) pixel

    def mouseClickEvent(self, ev):
        if ev.button() != Qt.LeftButton:
            return
        x, y = int(np.floor(ev.pos().x())), int(np.floor(ev.pos().y()))
        if 0 <= x < self.width() and 0 <= y < self.height():
            ev.accept()
            self.clicked.emit(x, y)


class ConfusionMatrixView(pg.PlotWidget):
    """See the module's docstring."""

    cell_clicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        fixed_axes(item, "predicted digit", "true digit")
        item.invertY(True)
        item.setAspectLocked(True)
        item.setRange(xRange=(-0.5, CLASSES - 0.5), yRange=(-0.5, CLASSES - 0.5), padding=0.02)
        ticks = [[(d, str(d)) for d in range(CLASSES)]]
        for side in ("bottom", "left"):
            item.getAxis(side).setTicks(ticks)
            item.getAxis(side).setStyle(hideOverlappingLabels=False)
        self.image = _ClickableImage(np.zeros((CLASSES, CLASSES), np.float32), levels=(0, 1))
        self.image.setColorMap(confusion_colormap())
        self.image.setRect(QRectF(-0.5, -0.5, CLASSES, CLASSES))
        self.image.clicked.connect(lambda x, y: self.cell_clicked.emit(y, x))
        item.addItem(self.image)
        self.font = QFont()
        self.font.setPixelSize(LARGEST_FONT_PX)
        self.labels: list[list[pg.TextItem]] = []
        for t in range(CLASSES):
            row = []
            for p in range(CLASSES):
                label = pg.TextItem("", anchor=(0.5, 0.5))
                label.setFont(self.font)
                label.setPos(p, t)
                item.addItem(label)
                row.append(label)
            self.labels.append(row)
        self.selection = QGraphicsRectItem()
        self.selection.setPen(pg.mkPen(theme.SELECTION, width=3))
        self.selection.setVisible(False)
        item.addItem(self.selection)
        self.matrix: np.ndarray | None = None
        item.getViewBox().sigResized.connect(self._fit_font)
        self.setMouseTracking(True)
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip(
            "Rows: the true digit; columns: what the network answered. The diagonal holds the\n"
            "correct answers, every other cell one kind of mistake. Colours are on a log scale,\n"
            "so even a single mistake shows. Click a cell to list its digits."
        )
        install_plot_menu(self, "confusion-matrix", csv=self.write_csv)

    def set_matrix(self, matrix: np.ndarray | None) -> None:
        self.matrix = None if matrix is None else np.asarray(matrix)
        if self.matrix is None:
            self.image.setImage(np.zeros((CLASSES, CLASSES), np.float32), levels=(0, 1), autoLevels=False)
            for row in self.labels:
                for label in row:
                    label.setText("")
            self.select(None)
            return
        values = confusion_colour_values(self.matrix)
        self.image.setImage(np.ascontiguousarray(values.T.astype(np.float32)), levels=(0, 1), autoLevels=False)
        for t in range(CLASSES):
            for p in range(CLASSES):
                count = int(self.matrix[t, p])
                # Dark text on the bright cells, a dim zero on the empty ones.
                colour = theme.BORDER if count == 0 else theme.BACKGROUND if values[t, p] > 0.72 else theme.INK
                self.labels[t][p].setText(f"{count:,}")
                self.labels[t][p].setColor(QColor(colour))
        self._fit_font()

    def select(self, cell: tuple[int, int] | None) -> None:
        if cell is None:
            self.selection.setVisible(False)
            return
        t, p = cell
        self.selection.setRect(QRectF(p - 0.5, t - 0.5, 1, 1))
        self.selection.setVisible(True)

    def cell_center(self, true: int, predicted: int) -> QPoint:
        """Where a cell is drawn, in widget coordinates (for tests that click)."""
        scene = self.getPlotItem().getViewBox().mapViewToScene(pg.Point(predicted, true))
        return self.mapFromScene(scene)

    def cell_pixels(self) -> float:
        """A cell's side on screen, in pixels."""
        vb = self.getPlotItem().getViewBox()
        a, b = vb.mapViewToScene(pg.Point(0, 0)), vb.mapViewToScene(pg.Point(1, 1))
        return min(abs(b.x() - a.x()), abs(b.y() - a.y()))

    def _fit_font(self) -> None:
        """The largest font (up to LARGEST_FONT_PX) in which the widest count fits its cell; no
        counts at all when even SMALLEST_FONT_PX is too large."""
        texts = [label.toPlainText() for row in self.labels for label in row]
        room = self.cell_pixels() - 2 * CELL_MARGIN_PX
        size, fits = LARGEST_FONT_PX + 1, False
        while not fits and size > SMALLEST_FONT_PX:
            size -= 1
            self.font.setPixelSize(size)
            fits = max(QFontMetrics(self.font).horizontalAdvance(t) for t in texts) <= room
        for row in self.labels:
            for label in row:
                label.setFont(self.font)
                label.setVisible(fits)

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        if self.matrix is None:
            return
        view = self.getPlotItem().getViewBox().mapSceneToView(self.mapToScene(event.position().toPoint()))
        p, t = int(round(view.x())), int(round(view.y()))
        if 0 <= t < CLASSES and 0 <= p < CLASSES:
            n, total = int(self.matrix[t, p]), int(self.matrix[t].sum())
            share = f" ({n / total:.1%} of the {t}s)" if total else ""
            QToolTip.showText(event.globalPosition().toPoint(), f"true {t}, read as {p}: {n:,} digit{'s' * (n != 1)}{share}", self)

    def write_csv(self, path: str) -> None:
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["true \\ predicted"] + [str(d) for d in range(CLASSES)])
            matrix = self.matrix if self.matrix is not None else np.zeros((CLASSES, CLASSES), np.int64)
            for d in range(CLASSES):
                writer.writerow([str(d)] + [str(int(n)) for n in matrix[d]])
