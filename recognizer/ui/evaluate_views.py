"""The Evaluate tab's views: thumbnail grids of digits, the confusion matrix, the hidden-state map,
the saliency view and the robustness plots. Each is a plain widget fed with numpy arrays; the tab
(evaluate_tab.py) computes the arrays and wires the views together.

Thumbnails: a QListView in icon mode over a model that renders a digit's QPixmap only when the
view paints it (and keeps the last few thousand in a cache), so a grid of all 60,000 training
digits opens at once and scrolls smoothly.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QGraphicsRectItem, QLabel, QListView, QSizePolicy

from ..dims import CLASSES, ROWS
from . import theme
from .colormaps import CLASS_COLOURS
from .trace_views import DIGIT_TICKS, frame_digit_plot, percent

THUMB = 56  # thumbnail side in pixels: 2x the 28x28 digit, nearest-neighbour
PIXMAP_CACHE = 4000
ROW_AXIS = "row (1–28)"
DigitRole = Qt.UserRole + 1  # the digit's index in its dataset


def short_percent(p: float) -> str:
    """Whole percents, rounded down, for thumbnail captions: 99.97% shows as 99%, never 100%
    (the tooltip has the exact figure)."""
    return f"{int(np.floor(p * 100 + 1e-9))}%"


def _ink_colour_table() -> list[int]:
    """256 colours from the app's paper (no ink) to its ink (full ink), as the canvas shows digits."""
    paper, ink = QColor(theme.PAPER), QColor(theme.INK)
    table = []
    for v in range(256):
        t = v / 255.0
        r = round(paper.red() + (ink.red() - paper.red()) * t)
        g = round(paper.green() + (ink.green() - paper.green()) * t)
        b = round(paper.blue() + (ink.blue() - paper.blue()) * t)
        table.append(QColor(r, g, b).rgb())
    return table


_TABLE: list[int] | None = None


def digit_image(image28: np.ndarray, size: int = THUMB) -> QImage:
    """A digit (uint8 ink 0..255, or floats in [0, 1]) as a QImage, ink light on paper, scaled to
    size x size with crisp pixels (size 0: as it is)."""
    global _TABLE
    if _TABLE is None:
        _TABLE = _ink_colour_table()
    a = np.asarray(image28)
    if a.dtype != np.uint8:
        a = np.clip(np.rint(a.astype(np.float32) * 255.0), 0, 255).astype(np.uint8)
    a = np.ascontiguousarray(a)
    h, w = a.shape
    image = QImage(a.data, w, h, w, QImage.Format_Indexed8)
    image.setColorTable(_TABLE)
    image = image.copy()  # own the pixels: the numpy buffer may go away
    if size and size != w:
        image = image.scaled(size, size, Qt.IgnoreAspectRatio, Qt.FastTransformation)
    return image


def mosaic(images: np.ndarray, columns: int, scale: int = 1, gap: int = 2) -> QImage:
    """Many (28, 28) digits as tiles of one QImage (rows of `columns`), each on the app's paper and
    separated by `gap` pixels of the panel colour, so every tile's frame shows."""
    global _TABLE
    if _TABLE is None:
        _TABLE = _ink_colour_table()
    n = len(images)
    rows = max(1, -(-n // columns))
    side = ROWS * scale
    cell = side + gap
    height, width = rows * cell - gap, columns * cell - gap
    lut = np.array([[(c >> 16) & 255, (c >> 8) & 255, c & 255] for c in _TABLE], np.uint8)
    panel = QColor(theme.PANEL)
    canvas = np.empty((height, width, 3), np.uint8)
    canvas[:] = (panel.red(), panel.green(), panel.blue())
    for k, img in enumerate(images):
        a = np.asarray(img)
        if a.dtype != np.uint8:
            a = np.clip(np.rint(a * 255.0), 0, 255).astype(np.uint8)
        if scale > 1:
            a = np.kron(a, np.ones((scale, scale), np.uint8))
        r, c = divmod(k, columns)
        canvas[r * cell : r * cell + side, c * cell : c * cell + side] = lut[a]
    canvas = np.ascontiguousarray(canvas)
    return QImage(canvas.data, width, height, 3 * width, QImage.Format_RGB888).copy()


# --- thumbnail grids ----------------------------------------------------------------------------


class DigitListModel(QAbstractListModel):
    """Some digits of one dataset, by index, for a DigitGrid.

    images: the whole dataset (N, 28, 28) uint8; indices: which of them to list, in order;
    text(i) and tooltip(i) give an item's caption and tooltip from its dataset index; mistake(i)
    says whether to draw its caption in the error colour.
    """

    def __init__(self, parent=None, thumb: int = THUMB):
        super().__init__(parent)
        self.thumb = thumb
        self.images: np.ndarray | None = None
        self.indices = np.zeros(0, np.int64)
        self._text: Callable[[int], str] = lambda i: ""
        self._tooltip: Callable[[int], str] = lambda i: ""
        self._mistake: Callable[[int], bool] = lambda i: False
        self._pixmaps: OrderedDict[int, QIcon] = OrderedDict()
        self._error_brush = QBrush(QColor("#f87171"))
        self._text_brush = QBrush(QColor(theme.MUTED_TEXT))
        self.pixmaps_made = 0  # for tests and benchmarks: thumbnails rendered so far

    def set_digits(self, images, indices, text=None, tooltip=None, mistake=None) -> None:
        self.beginResetModel()
        if images is not self.images:
            self._pixmaps.clear()
        self.images = images
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        self._text = text or (lambda i: "")
        self._tooltip = tooltip or (lambda i: "")
        self._mistake = mistake or (lambda i: False)
        self.endResetModel()

    def clear(self) -> None:
        self.set_digits(None, np.zeros(0, np.int64))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.indices)

    def digit_at(self, row: int) -> int:
        return int(self.indices[row])

    def icon(self, i: int) -> QIcon:
        """Digit i's thumbnail, rendered on first use and cached (the last PIXMAP_CACHE used)."""
        icon = self._pixmaps.get(i)
        if icon is None:
            pix = QPixmap.fromImage(digit_image(self.images[i], self.thumb))
            icon = QIcon()
            # The same pixmap when selected: Qt would otherwise tint the digit with the highlight.
            for mode in (QIcon.Normal, QIcon.Selected, QIcon.Active):
                icon.addPixmap(pix, mode)
            self.pixmaps_made += 1
            self._pixmaps[i] = icon
            if len(self._pixmaps) > PIXMAP_CACHE:
                self._pixmaps.popitem(last=False)
        else:
            self._pixmaps.move_to_end(i)
        return icon

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.indices):
            return None
        i = int(self.indices[index.row()])
        if role == Qt.DecorationRole:
            return self.icon(i)
        if role == Qt.DisplayRole:
            return self._text(i)
        if role == Qt.ToolTipRole:
            return self._tooltip(i)
        if role == Qt.ForegroundRole:
            return self._error_brush if self._mistake(i) else self._text_brush
        if role == DigitRole:
            return i
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignHCenter | Qt.AlignTop)
        return None


class DigitGrid(QListView):
    """A scrolling grid of digit thumbnails with captions.

    Signals: digit_selected(index in dataset) when the current item changes (click, arrows);
    digit_activated(index in dataset) on double-click or Enter.
    """

    digit_selected = Signal(int)
    digit_activated = Signal(int)

    def __init__(self, parent=None, captions: bool = True, thumb: int = THUMB):
        """thumb: the thumbnails' side in pixels (a multiple of 28 keeps the pixels crisp)."""
        super().__init__(parent)
        self.digits = DigitListModel(self, thumb)
        self.setModel(self.digits)
        self.setViewMode(QListView.IconMode)
        self.setMovement(QListView.Static)
        self.setResizeMode(QListView.Adjust)
        self.setFlow(QListView.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.Batched)
        self.setBatchSize(2000)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setIconSize(QSize(thumb, thumb))
        self.setGridSize(QSize(max(thumb + 14, 78), thumb + (22 if captions else 8)))
        self.setSpacing(2)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(thumb // 2)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        self.setFont(small)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setStyleSheet(
            f"QListView {{ background: {theme.BACKGROUND}; border: 1px solid {theme.RAISED}; border-radius: 6px; }}"
            f"QListView::item:selected {{ background: {theme.BORDER}; color: {theme.INK}; border: 1px solid {theme.ACCENT}; }}"
        )
        self.selectionModel().currentChanged.connect(self._on_current)
        self.activated.connect(self._on_activated)

    def set_digits(self, images, indices, text=None, tooltip=None, mistake=None) -> None:
        self.digits.set_digits(images, indices, text, tooltip, mistake)
        self.scrollToTop()

    def count(self) -> int:
        return self.digits.rowCount()

    def current_digit(self) -> int | None:
        index = self.currentIndex()
        return self.digits.digit_at(index.row()) if index.isValid() else None

    def select_row(self, row: int) -> None:
        self.setCurrentIndex(self.digits.index(row))

    def item_center(self, row: int) -> QPoint:
        """Where row's thumbnail is, in viewport coordinates (for tests that click)."""
        from PySide6.QtWidgets import QApplication

        index = self.digits.index(row)
        for _ in range(200):  # the batched layout places items from the event loop
            self.scrollTo(index)
            rect = self.visualRect(index)
            if rect.isValid() and self.viewport().rect().contains(rect.center()):
                return rect.center()
            QApplication.processEvents()
        return rect.center()

    def _on_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid():
            self.digit_selected.emit(self.digits.digit_at(current.row()))

    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.digit_activated.emit(self.digits.digit_at(index.row()))


# --- confusion matrix ---------------------------------------------------------------------------


def _plot_item_defaults(item: pg.PlotItem) -> None:
    item.hideButtons()
    item.setMouseEnabled(x=False, y=False)
    item.setMenuEnabled(True)


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
        pos = ev.pos()
        x, y = int(np.floor(pos.x())), int(np.floor(pos.y()))
        if 0 <= x < self.width() and 0 <= y < self.height():
            ev.accept()
            self.clicked.emit(x, y)


class ConfusionMatrixView(pg.PlotWidget):
    """The 10x10 confusion matrix as a heatmap with the count written in every cell. Rows: the true
    digit (0 at the top); columns: the predicted digit. cell_clicked(true, predicted) on a click."""

    cell_clicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        _plot_item_defaults(item)
        item.setLabel("bottom", "predicted digit")
        item.setLabel("left", "true digit")
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
        self.labels: list[list[pg.TextItem]] = []
        font = QFont()
        font.setPointSize(9)
        for t in range(CLASSES):
            row = []
            for p in range(CLASSES):
                label = pg.TextItem("", anchor=(0.5, 0.5))
                label.setFont(font)
                label.setPos(p, t)
                item.addItem(label)
                row.append(label)
            self.labels.append(row)
        self.selection = QGraphicsRectItem()
        self.selection.setPen(pg.mkPen(theme.SELECTION, width=3))
        self.selection.setVisible(False)
        item.addItem(self.selection)
        self.confusion: np.ndarray | None = None
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip(
            "Rows: the true digit; columns: what the network answered. The diagonal holds the\n"
            "correct answers, every other cell one kind of mistake. Colours are on a log scale,\n"
            "so even a single mistake shows. Click a cell to list its digits."
        )

    def set_confusion(self, confusion: np.ndarray | None) -> None:
        self.confusion = None if confusion is None else np.asarray(confusion)
        if confusion is None:
            self.image.setImage(np.zeros((CLASSES, CLASSES), np.float32), levels=(0, 1), autoLevels=False)
            for row in self.labels:
                for label in row:
                    label.setText("")
            self.select(None)
            return
        values = confusion_colour_values(confusion)
        self.image.setImage(np.ascontiguousarray(values.T.astype(np.float32)), levels=(0, 1), autoLevels=False)
        for t in range(CLASSES):
            for p in range(CLASSES):
                count = int(confusion[t, p])
                if count == 0:
                    colour = theme.BORDER
                elif values[t, p] > 0.72:
                    colour = theme.BACKGROUND  # dark text on the bright cells
                else:
                    colour = theme.INK
                self.labels[t][p].setText(f"{count:,}" if count else "0")
                self.labels[t][p].setColor(QColor(colour))

    def select(self, cell: tuple[int, int] | None) -> None:
        if cell is None:
            self.selection.setVisible(False)
            return
        t, p = cell
        self.selection.setRect(QRectF(p - 0.5, t - 0.5, 1, 1))
        self.selection.setVisible(True)

    def cell_center(self, true: int, predicted: int) -> QPoint:
        """Where a cell is drawn, in widget coordinates (for tests that click)."""
        vb = self.getPlotItem().getViewBox()
        scene = vb.mapViewToScene(pg.Point(predicted, true))
        return self.mapFromScene(scene)


# --- hidden-state map -----------------------------------------------------------------------------


class HiddenStateMap(pg.PlotWidget):
    """The test set's final hidden states projected onto their first two principal components, one
    colour per true label, and the current digit's path through that plane, row by row.

    point_clicked(index in the test set) when a dot is clicked.
    """

    point_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(True)
        item.setLabel("bottom", "principal component 1")
        item.setLabel("left", "principal component 2")
        item.showGrid(x=True, y=True, alpha=0.12)
        self.scatters: list[pg.ScatterPlotItem] = []
        for digit in range(CLASSES):
            colour = QColor(CLASS_COLOURS[digit])
            colour.setAlpha(150)
            scatter = pg.ScatterPlotItem(
                size=4, pen=None, brush=pg.mkBrush(colour), pxMode=True, name=str(digit),
                hoverable=True, hoverSize=9, hoverPen=pg.mkPen(theme.INK, width=1),
                tip=self._tip,
            )  # fmt: skip
            scatter.sigClicked.connect(self._on_clicked)
            item.addItem(scatter)
            self.scatters.append(scatter)
        self.legend = pg.LegendItem(offset=None, labelTextColor=theme.TEXT, labelTextSize="9pt", frame=False,
                                    verSpacing=-6)  # fmt: skip
        for digit, scatter in enumerate(self.scatters):
            swatch = pg.ScatterPlotItem(size=10, pen=None, brush=pg.mkBrush(CLASS_COLOURS[digit]), symbol="o")
            self.legend.addItem(swatch, f"digit {digit}")
        item.layout.addItem(self.legend, 2, 3)
        # The current digit: its whole path faint, the rows read so far bright, a ring at the row.
        self.path_all = pg.PlotDataItem(pen=pg.mkPen(theme.MUTED_TEXT, width=1, style=Qt.DashLine))
        self.path_read = pg.PlotDataItem(
            pen=pg.mkPen(theme.ACCENT, width=2.5), symbol="o", symbolSize=6,
            symbolBrush=pg.mkBrush(theme.ACCENT), symbolPen=None,
        )  # fmt: skip
        self.marker = pg.ScatterPlotItem(size=16, pen=pg.mkPen(theme.INK, width=2), brush=pg.mkBrush(theme.ACCENT))
        self.start_label = pg.TextItem("row 1", color=theme.TEXT, anchor=(0.5, -0.35))
        self.row_label = pg.TextItem("", color=theme.INK, anchor=(-0.15, 1.1))
        self.row_label.setFont(theme.big_font(10))
        for it in (self.path_all, self.path_read, self.marker, self.start_label, self.row_label):
            item.addItem(it)
            it.setZValue(10)
        self.points: np.ndarray | None = None  # (N, 2)
        self.labels: np.ndarray | None = None
        self.path: np.ndarray | None = None  # (28, 2)
        self.row: int | None = None
        self._tip_text: Callable[[int], str] = lambda i: f"test digit #{i}"
        self.setToolTip(
            "Every dot is one test digit: the network's memory (the last hidden state) after reading\n"
            "all 28 rows, flattened to two dimensions with PCA. Dots are coloured by the true digit.\n"
            "The amber path is the current digit's memory after each row; hover a dot to see which\n"
            "digit it is, click it to follow that digit."
        )

    def _tip(self, x, y, data) -> str:
        return self._tip_text(int(data))

    def set_tip(self, fn: Callable[[int], str]) -> None:
        self._tip_text = fn

    def set_axis_labels(self, ratios: np.ndarray | None) -> None:
        item = self.getPlotItem()
        if ratios is None:
            item.setLabel("bottom", "principal component 1")
            item.setLabel("left", "principal component 2")
        else:
            item.setLabel("bottom", f"principal component 1 ({ratios[0]:.0%} of the variance)")
            item.setLabel("left", f"principal component 2 ({ratios[1]:.0%})")

    def set_points(self, points: np.ndarray | None, labels: np.ndarray | None) -> None:
        self.points, self.labels = points, labels
        for digit, scatter in enumerate(self.scatters):
            if points is None:
                scatter.setData([], [])
                continue
            idx = np.flatnonzero(labels == digit)
            scatter.setData(x=points[idx, 0], y=points[idx, 1], data=idx)
        self._fit()

    def set_path(self, path: np.ndarray | None, row: int | None = None) -> None:
        self.path = path
        self._fit()
        self.set_row(ROWS - 1 if row is None else row)

    def set_row(self, row: int | None) -> None:
        path = self.path
        self.row = row
        if path is None or row is None:
            for it in (self.path_all, self.path_read):
                it.setData([], [])
            self.marker.setData([], [])
            self.start_label.setText("")
            self.row_label.setText("")
            return
        row = int(np.clip(row, 0, ROWS - 1))
        self.path_all.setData(path[:, 0], path[:, 1])
        self.path_read.setData(path[: row + 1, 0], path[: row + 1, 1])
        self.marker.setData([path[row, 0]], [path[row, 1]])
        self.start_label.setText("row 1")
        self.start_label.setPos(float(path[0, 0]), float(path[0, 1]))
        self.row_label.setText(f"row {row + 1}")
        self.row_label.setPos(float(path[row, 0]), float(path[row, 1]))

    def _fit(self) -> None:
        parts = [a for a in (self.points, self.path) if a is not None and len(a)]
        if not parts:
            return
        allp = np.concatenate(parts).astype(np.float64)
        (x0, y0), (x1, y1) = allp.min(axis=0), allp.max(axis=0)
        px, py = (x1 - x0) * 0.05 + 1e-3, (y1 - y0) * 0.05 + 1e-3
        self.getPlotItem().setRange(xRange=(float(x0 - px), float(x1 + px)), yRange=(float(y0 - py), float(y1 + py)),
                                    padding=0)  # fmt: skip

    def _on_clicked(self, scatter, points, ev=None) -> None:
        if len(points):
            self.point_clicked.emit(int(points[0].data()))


# --- saliency -----------------------------------------------------------------------------------


def saliency_colormap() -> pg.ColorMap:
    """Transparent for nothing, then red, orange and pale yellow with growing opacity: laid over the
    grey digit, it shows where the gradient is large without hiding the strokes."""
    return pg.ColorMap(
        pos=np.array([0.0, 0.2, 0.5, 0.8, 1.0]),
        color=np.array(
            [(220, 38, 38, 0), (220, 38, 38, 60), (239, 68, 68, 160), (249, 115, 22, 225), (254, 240, 138, 255)],
            dtype=np.ubyte,
        ),
    )


class SaliencyView(pg.GraphicsLayoutWidget):
    """Left: the 28x28 input in grey with |d logit / d pixel| laid over it (and its colour bar).
    Right: the same summed per row, as bars beside the rows they belong to."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ci.layout.setHorizontalSpacing(14)
        self.image_plot = self.addPlot(row=0, col=0)
        ip = self.image_plot
        _plot_item_defaults(ip)
        ip.setLabel("bottom", "column (1–28)")
        ip.setLabel("left", ROW_AXIS)
        frame_digit_plot(ip)
        grey = pg.ColorMap(pos=np.array([0.0, 1.0]), color=np.array([(11, 18, 32, 255), (175, 184, 196, 255)], np.ubyte))
        self.base = pg.ImageItem(np.zeros((ROWS, ROWS), np.float32), levels=(0, 1))
        self.base.setColorMap(grey)
        self.base.setRect(QRectF(0.5, 0.5, ROWS, ROWS))
        ip.addItem(self.base)
        self.heat = pg.ImageItem(np.zeros((ROWS, ROWS), np.float32), levels=(0, 1))
        self.heat.setRect(QRectF(0.5, 0.5, ROWS, ROWS))
        ip.addItem(self.heat)
        self.row_box = QGraphicsRectItem()
        self.row_box.setPen(pg.mkPen(theme.ACCENT, width=2))
        self.row_box.setVisible(False)
        ip.addItem(self.row_box)
        self.colour_bar = pg.ColorBarItem(
            values=(0, 1), colorMap=saliency_colormap(), label="|∂ logit / ∂ pixel| (logit per unit of ink)",
            interactive=False, width=14,
        )  # fmt: skip
        self.colour_bar.setImageItem(self.heat)
        self.addItem(self.colour_bar, row=0, col=1)

        self.bar_plot = self.addPlot(row=0, col=2)
        bp = self.bar_plot
        _plot_item_defaults(bp)
        bp.setLabel("bottom", "Σ |∂ logit / ∂ pixel| over the row")
        bp.setLabel("left", ROW_AXIS)
        bp.invertY(True)
        bp.setYLink(ip)
        bp.getAxis("left").setTicks(DIGIT_TICKS)
        self.bars = pg.BarGraphItem(x0=np.zeros(ROWS), y=np.arange(1, ROWS + 1), height=0.78, width=np.zeros(ROWS),
                                    brush=pg.mkBrush("#ef4444"), pen=None)  # fmt: skip
        bp.addItem(self.bars)
        self.unread = pg.LinearRegionItem(values=(ROWS + 0.5, ROWS + 0.5), orientation="horizontal", movable=False,
                                          brush=pg.mkBrush(0, 0, 0, 90), pen=pg.mkPen(None))  # fmt: skip
        bp.addItem(self.unread)
        self.ci.layout.setColumnStretchFactor(0, 1)
        self.ci.layout.setColumnStretchFactor(2, 1)
        self.pixels: np.ndarray | None = None
        self.rows: np.ndarray | None = None
        self.setToolTip(
            "Saliency: how strongly each pixel pulls the chosen digit's score (its logit) — the\n"
            "size of the gradient, back-propagated through every row the network has read.\n"
            "Bright means a small change of ink there would change the answer most.\n"
            "The bars add it up row by row; rows not read yet cannot matter and stay empty."
        )

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if getattr(self, "image_plot", None) is None:  # a resize while __init__ builds the layout
            return
        # Keep the image plot about square (the image is), so the colour bar sits beside the
        # image and the bars get the rest of the width.
        side = max(120, self.height() - 50)
        self.image_plot.setMaximumWidth(side + 60)
        self.image_plot.setPreferredWidth(side + 60)

    def set_saliency(self, image28: np.ndarray | None, pixels: np.ndarray | None, rows: np.ndarray | None,
                     row: int | None = None) -> None:  # fmt: skip
        self.pixels, self.rows = pixels, rows
        base = np.zeros((ROWS, ROWS), np.float32) if image28 is None else np.asarray(image28, np.float32)
        self.base.setImage(np.ascontiguousarray(base.T), levels=(0, 1), autoLevels=False)
        if pixels is None:
            self.heat.setImage(np.zeros((ROWS, ROWS), np.float32), levels=(0, 1), autoLevels=False)
            self.colour_bar.setLevels((0, 1))
            self.bars.setOpts(width=np.zeros(ROWS), brushes=None)
            self.row_box.setVisible(False)
            return
        top = float(pixels.max())
        top = top if top > 0 else 1.0
        self.heat.setImage(np.ascontiguousarray(pixels.T), levels=(0, top), autoLevels=False)
        self.colour_bar.setLevels((0, top))
        self.set_row(row)

    def set_row(self, row: int | None) -> None:
        rows = self.rows
        if rows is None:
            return
        row = ROWS - 1 if row is None else int(row)
        brushes = [pg.mkBrush(theme.ACCENT if r == row else "#ef4444") for r in range(ROWS)]
        self.bars.setOpts(width=rows, brushes=brushes)
        top = float(rows.max()) if rows.max() > 0 else 1.0
        self.bar_plot.setXRange(0, top * 1.08, padding=0)
        self.unread.setRegion((row + 1.5, ROWS + 0.5))
        self.unread.setVisible(row < ROWS - 1)
        self.row_box.setRect(QRectF(0.5, row + 0.5, ROWS, 1))
        self.row_box.setVisible(True)


# --- robustness ---------------------------------------------------------------------------------

CURVE_COLOURS = (theme.ACCENT, theme.SELECTION)


class RobustnessPlot(pg.PlotWidget):
    """Accuracy (%) against the strength of one kind of perturbation; one curve per variant."""

    def __init__(self, title: str, unit: str, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        _plot_item_defaults(item)
        if title:
            item.setTitle(title, color=theme.MUTED_TEXT, size="9pt")
        item.setLabel("bottom", unit)
        item.setLabel("left", "accuracy (%)")
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setYRange(-6, 106, padding=0)
        left = item.getAxis("left")
        left.setTicks([[(v, str(v)) for v in range(0, 101, 25)]])
        # Short plots: keep all five labels (pyqtgraph drops some when they fill much of the axis).
        left.setStyle(hideOverlappingLabels=False, textFillLimits=[(0, 0.95)])
        item.getAxis("bottom").enableAutoSIPrefix(False)
        self.legend = item.addLegend(labelTextColor=theme.TEXT, labelTextSize="8pt", brush=pg.mkBrush(17, 24, 39, 215))
        # Bottom centre: the curves start high and fall at the sides, so the middle stays clear.
        # Only plots with two or more curves show it: one curve is named by the axis already.
        self.legend.anchor(itemPos=(0.5, 1), parentPos=(0.5, 1), offset=(0, -8))
        self.legend.setVisible(False)
        self.baseline = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen(theme.MUTED_TEXT, width=1, style=Qt.DashLine))
        self.baseline.setVisible(False)
        item.addItem(self.baseline)
        self.zero = pg.InfiniteLine(pos=0, angle=90, movable=False, pen=pg.mkPen(theme.BORDER, width=1))
        item.addItem(self.zero)
        self.curves: dict[str, pg.PlotDataItem] = {}

    def set_curve(self, key: str, name: str, levels: np.ndarray, accuracy: np.ndarray) -> None:
        curve = self.curves.get(key)
        if curve is None:
            colour = CURVE_COLOURS[len(self.curves) % len(CURVE_COLOURS)]
            curve = self.getPlotItem().plot(
                [], [], name=name, pen=pg.mkPen(colour, width=2.5), symbol="o", symbolSize=7,
                symbolBrush=pg.mkBrush(colour), symbolPen=None, connect="finite",
            )  # fmt: skip
            self.curves[key] = curve
            self.legend.setVisible(len(self.curves) > 1)
        done = np.isfinite(accuracy)
        curve.setData(np.asarray(levels)[done], np.asarray(accuracy)[done] * 100.0)
        lo, hi = float(np.min(levels)), float(np.max(levels))
        pad = (hi - lo) * 0.04
        self.getPlotItem().setXRange(lo - pad, hi + pad, padding=0)

    def set_baseline(self, accuracy: float | None) -> None:
        self.baseline.setVisible(accuracy is not None)
        if accuracy is not None:
            self.baseline.setValue(accuracy * 100.0)

    def clear_curves(self) -> None:
        for curve in self.curves.values():
            curve.setData([], [])
        self.baseline.setVisible(False)


class ElidedLabel(QLabel):
    """A caption label that wraps and never widens its layout."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setProperty("role", "caption")
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)


__all__ = [
    "ConfusionMatrixView",
    "DigitGrid",
    "DigitListModel",
    "HiddenStateMap",
    "RobustnessPlot",
    "SaliencyView",
    "confusion_colour_values",
    "digit_image",
    "mosaic",
    "percent",
    "short_percent",
]
