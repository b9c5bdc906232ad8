"""The plots that animate a Trace, row by row. All plain pyqtgraph PlotWidgets, so each keeps
pyqtgraph's right-click menu with Export (PNG, SVG, CSV).

Every item is created once; set_trace() hands over a new trace and set_row() moves to a row by
updating data in place (setData / setImage / setOpts / setRect), never by rebuilding items. Rows
are 0-based in code and shown 1-based ("row read (1–28)").
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QGraphicsRectItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from typing import TYPE_CHECKING

from . import theme
from ..dims import ROWS
from .colormaps import CLASS_COLOURS, diverging, sequential
from .widgets import TextLine

if TYPE_CHECKING:
    from ..trace import Trace

ROW_AXIS = "row read (1–28)"
ROW_X = np.arange(1, ROWS + 1, dtype=np.float64)
DIGIT_TICKS = [[(t, str(t)) for t in (1, 7, 14, 21, 28)]]

# (attribute of LayerTrace, what the menu says, axis/colour-bar label)
SERIES = (
    ("h", "Hidden state h", "hidden state h"),
    ("c", "Cell state c", "cell state c"),
    ("input", "Input gate i", "input gate i"),
    ("forget", "Forget gate f", "forget gate f"),
    ("candidate", "Candidate g", "candidate g"),
    ("output", "Output gate o", "output gate o"),
)
SERIES_NAMES = tuple(s[0] for s in SERIES)
SERIES_TIPS = {
    "h": "The hidden state: what the layer passes on after each row (−1 to 1). "
    "The answer is read from the last layer's h.",
    "c": "The cell state: the LSTM's long-term memory, updated after each row.",
    "input": "Input gate (0–1): how much of the new candidate gets written into memory.",
    "forget": "Forget gate (0–1): how much of the memory is kept (1) or wiped (0).",
    "candidate": "Candidate (−1 to 1): the new content proposed from this row.",
    "output": "Output gate (0–1): how much of the memory shows in the hidden state.",
}


def percent(p: float) -> str:
    """83%, 99.4%, >99.9%: whole percents would hide how sure a confident network is."""
    if p > 0.999:
        return ">99.9%"
    return f"{p:.1%}" if p >= 0.99 else f"{p:.0%}"


def _plot_widget(x_label: str, y_label: str, title: str | None = None) -> pg.PlotWidget:
    w = pg.PlotWidget()
    item = w.getPlotItem()
    item.setLabel("bottom", x_label)
    item.setLabel("left", y_label)
    if title:
        item.setTitle(title, color=theme.MUTED_TEXT, size="10pt")
    item.hideButtons()
    item.setMouseEnabled(x=False, y=False)  # fixed views; the right-click menu (Export) stays
    for side in ("bottom", "left"):
        item.getAxis(side).enableAutoSIPrefix(False)  # never "hidden unit (x0.001)"
    w.setAntialiasing(True)
    return w


def series_levels(name: str, values: np.ndarray | None = None) -> tuple[float, float]:
    """Colour range of a series: fixed where the maths bounds it, symmetric around 0 for c."""
    if name in ("input", "forget", "output"):
        return 0.0, 1.0
    if name == "c" and values is not None and values.size:
        m = float(np.ceil(np.abs(values).max() * 2) / 2)  # steps of 0.5: stable between drawings
        return -max(m, 1.0), max(m, 1.0)
    return -1.0, 1.0


def series_colormap(name: str) -> pg.ColorMap:
    return sequential() if name in ("input", "forget", "output") else diverging()


class NetworkInputView(pg.PlotWidget):
    """The 28x28 image exactly as the LSTM reads it, big and crisp. The row being read is outlined
    in amber and the rows not read yet are dimmed."""

    def __init__(self, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        item.setLabel("bottom", "column (1–28)")
        item.setLabel("left", "row (1–28)")
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        frame_digit_plot(item)
        self.image_item = pg.ImageItem(np.zeros((ROWS, ROWS), np.float32), levels=(0, 1))
        self.image_item.setRect(QRectF(0.5, 0.5, ROWS, ROWS))
        item.addItem(self.image_item)
        self._dim = QGraphicsRectItem()
        self._dim.setPen(pg.mkPen(None))
        self._dim.setBrush(QBrush(QColor(0, 0, 0, 150)))
        item.addItem(self._dim)
        self._row_box = QGraphicsRectItem()
        self._row_box.setPen(pg.mkPen(theme.ACCENT, width=2))
        item.addItem(self._row_box)
        self.set_row(None)
        self.setToolTip(
            "What the network sees: your drawing shrunk to 28×28 pixels and centred, exactly as\n"
            "fed to the LSTM. It reads one row of 28 pixels per step, top to bottom; the amber\n"
            "box is the row being read and the dimmed rows are still to come."
        )

    def set_image(self, image28: np.ndarray | None) -> None:
        data = np.zeros((ROWS, ROWS), np.float32) if image28 is None else image28
        # ImageItem indexes [x, y]: the transpose puts columns along x and rows along y.
        self.image_item.setImage(np.ascontiguousarray(data.T), levels=(0, 1), autoLevels=False)

    def set_row(self, row: int | None) -> None:
        if row is None:
            self._row_box.setVisible(False)
            self._dim.setRect(QRectF())
            return
        self._row_box.setVisible(True)
        self._row_box.setRect(QRectF(0.5, row + 0.5, ROWS, 1))
        self._dim.setRect(QRectF(0.5, row + 1.5, ROWS, ROWS - row - 1))


def frame_digit_plot(item: pg.PlotItem) -> None:
    """Axes for a 28x28 image placed at 1..28 both ways: row 1 on top, square pixels, ticks every
    7 rows and columns."""
    item.invertY(True)
    item.setAspectLocked(True)
    item.setRange(xRange=(0.5, ROWS + 0.5), yRange=(0.5, ROWS + 0.5), padding=0)
    for side in ("bottom", "left"):
        item.getAxis(side).setTicks(DIGIT_TICKS)
        item.getAxis(side).setStyle(hideOverlappingLabels=False)


class ProbabilityBars(pg.PlotWidget):
    """Ten bars: the network's answer if it had to stop after the current row."""

    def __init__(self, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        item.setLabel("bottom", "digit")
        item.setLabel("left", "probability")
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.setRange(xRange=(-0.6, 9.6), yRange=(0, 1.16), padding=0)  # room for the label
        item.getAxis("bottom").setTicks([[(d, str(d)) for d in range(10)]])
        item.getAxis("left").setTicks([[(v, f"{v:g}") for v in (0, 0.2, 0.4, 0.6, 0.8, 1.0)]])
        self._muted = [pg.mkBrush(QColor(c).darker(170)) for c in CLASS_COLOURS]
        self._strong = [pg.mkBrush(c) for c in CLASS_COLOURS]
        self._no_pen = pg.mkPen(None)
        self._leader_pen = pg.mkPen(theme.INK, width=2)
        self.bars = pg.BarGraphItem(
            x=np.arange(10), height=np.zeros(10), width=0.72, brushes=self._muted, pens=[self._no_pen] * 10
        )
        item.addItem(self.bars)
        self.label = pg.TextItem("", color=theme.INK, anchor=(0.5, 1.0))
        item.addItem(self.label)
        self.heights = np.zeros(10)
        self.setToolTip(
            "The network's answer if it had to stop after the current row: the probability\n"
            "it gives each digit. The leading digit is drawn bright with a white outline."
        )

    def set_probabilities(self, p: np.ndarray | None) -> None:
        if p is None:
            self.heights = np.zeros(10)
            self.bars.setOpts(height=self.heights, brushes=self._muted, pens=[self._no_pen] * 10)
            self.label.setText("")
            return
        leader = int(np.argmax(p))
        self.heights = np.asarray(p, dtype=np.float64)
        brushes = list(self._muted)
        brushes[leader] = self._strong[leader]
        pens = [self._no_pen] * 10
        pens[leader] = self._leader_pen
        self.bars.setOpts(height=self.heights, brushes=brushes, pens=pens)
        self.label.setText(percent(float(p[leader])))
        # centred over its bar, but kept inside the plot over the outermost bars
        self.label.setAnchor((0.2 if leader == 0 else 0.8 if leader == 9 else 0.5, 1.0))
        self.label.setPos(leader, float(p[leader]) + 0.01)


class TrajectoryPlot(pg.PlotWidget):
    """How the probability of each digit moves as the rows are read: ten lines, drawn up to the
    current row, with a cursor line at it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        item.setLabel("bottom", ROW_AXIS)
        item.setLabel("left", "probability")
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.setRange(xRange=(0.5, ROWS + 0.5), yRange=(0, 1.03), padding=0)
        self.curves = [item.plot([], [], pen=pg.mkPen(colour, width=2)) for colour in CLASS_COLOURS]
        # The legend sits beside the plot, in the PlotItem's own layout, so it never hides a line.
        self.legend = pg.LegendItem(
            offset=None, colCount=2, labelTextColor=theme.TEXT, labelTextSize="8pt", frame=False, verSpacing=-4
        )
        for digit, curve in enumerate(self.curves):
            self.legend.addItem(curve, str(digit))
        item.layout.addItem(self.legend, 2, 3)
        self.cursor = pg.InfiniteLine(pos=ROWS, angle=90, movable=False, pen=pg.mkPen(theme.ACCENT, width=1.5))
        item.addItem(self.cursor)
        self._p: np.ndarray | None = None
        self._leader = None
        self.setToolTip(
            "How sure the network is of each digit after each row it has read.\n"
            "Early rows say little; watch the right digit pull ahead as the strokes appear."
        )

    def set_trace(self, probabilities: np.ndarray | None) -> None:
        self._p = None if probabilities is None else probabilities.astype(np.float64)

    def set_row(self, row: int | None) -> None:
        if self._p is None or row is None:
            for curve in self.curves:
                curve.setData([], [])
            self.cursor.setVisible(False)
            return
        n = row + 1
        for digit, curve in enumerate(self.curves):
            curve.setData(ROW_X[:n], self._p[:n, digit], skipFiniteCheck=True)
        leader = int(self._p[row].argmax())
        if leader != self._leader:
            if self._leader is not None:
                self.curves[self._leader].setPen(pg.mkPen(CLASS_COLOURS[self._leader], width=2))
            self.curves[leader].setPen(pg.mkPen(CLASS_COLOURS[leader], width=4))
            self._leader = leader
        self.cursor.setVisible(True)
        self.cursor.setValue(n)


class StatePanel(QWidget):
    """A heatmap of one quantity of one layer (hidden units × rows), with a colour bar, choosers
    for the quantity and the layer, and below it the story of one unit: hover the heatmap to look
    at a unit, click to keep it."""

    series_changed = Signal(str)
    layer_changed = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._trace: Trace | None = None
        self._row: int | None = None
        self._series = "h"
        self._layer = 0
        self._units = 1
        self._pinned: int | None = None
        self._hovered: int | None = None
        self.readout_weights: np.ndarray | None = None  # (last layer's units, 10), to suggest a unit
        self._values = np.zeros((ROWS, 1), np.float32)
        self._buffer: np.ndarray | None = None
        self._placed_units: int | None = None  # units the image item's rectangle was set for
        self._look = None  # (series, low, high) the colour bar shows

        self.series_combo = QComboBox()
        for name, text, _ in SERIES:
            self.series_combo.addItem(text, name)
            self.series_combo.setItemData(self.series_combo.count() - 1, SERIES_TIPS[name], Qt.ToolTipRole)
        self.series_combo.setToolTip(
            "Which quantity inside the LSTM to show: the hidden state h, the cell state c\n"
            "(its memory), or one of its four gates."
        )
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("Which LSTM layer to show (models with stacked layers have several).")
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        show = QLabel("Show")
        show.setProperty("role", "muted")
        controls.addWidget(show)
        controls.addWidget(self.series_combo, 1)
        controls.addSpacing(8)
        of = QLabel("of")
        of.setProperty("role", "muted")
        controls.addWidget(of)
        controls.addWidget(self.layer_combo)

        self.heatmap = _plot_widget(ROW_AXIS, "hidden unit")
        plot = self.heatmap.getPlotItem()
        self.image_item = pg.ImageItem()
        plot.addItem(self.image_item)
        self.colorbar = pg.ColorBarItem(
            values=(-1, 1), colorMap=diverging(), label="hidden state h", interactive=False, width=14, colorMapMenu=False
        )
        self.colorbar.setImageItem(self.image_item, insert_in=plot)
        self.row_cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(theme.ACCENT, width=1.5))
        self.unit_marker = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen(theme.SELECTION, width=1, style=Qt.DashLine))
        plot.addItem(self.row_cursor)
        plot.addItem(self.unit_marker)
        plot.disableAutoRange()
        plot.setRange(xRange=(0.5, ROWS + 0.5), yRange=(-0.5, 127.5), padding=0)
        self.heatmap.setToolTip(
            "Every hidden unit (up) after every row read (across). Hover a unit to follow it\n"
            "below; click to keep it. Columns fill in as the network reads."
        )
        self.heatmap.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.heatmap.scene().sigMouseClicked.connect(self._on_mouse_clicked)

        self.unit_text = TextLine("Hover the heatmap to follow one unit.", lines=2, muted=True)
        self.unit_text.setToolTip("The unit under the mouse, or the one you clicked, and its value at this row.")
        self.unit_plot = _plot_widget(ROW_AXIS, "h")
        self.unit_plot.setMinimumHeight(110)
        self.unit_plot.setToolTip("The chosen unit's value after each row read; the amber line is the current row.")
        up = self.unit_plot.getPlotItem()
        up.setRange(xRange=(0.5, ROWS + 0.5), padding=0)
        up.addItem(pg.InfiniteLine(pos=0, angle=0, movable=False, pen=pg.mkPen(theme.BORDER, width=1)))
        self.unit_curve = up.plot([], [], pen=pg.mkPen(theme.SELECTION, width=2))
        self.unit_cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(theme.ACCENT, width=1.5))
        up.addItem(self.unit_cursor)
        self._curve_key = None  # (unit, layer, series) the unit's line shows

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(controls)
        layout.addWidget(self.heatmap, 2)
        layout.addWidget(self.unit_text)
        layout.addWidget(self.unit_plot, 1)

        self.series_combo.currentIndexChanged.connect(self._on_series_combo)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_combo)
        self.set_layer_count(1)
        self._apply_series_look()

    # --- public -----------------------------------------------------------------------------

    @property
    def series(self) -> str:
        return self._series

    @property
    def layer(self) -> int:
        return self._layer

    @property
    def unit(self) -> int | None:
        """The unit shown below the heatmap: the hovered one, else the clicked one, else the one
        that pushes hardest toward the answer."""
        if self._hovered is not None:
            return self._hovered
        if self._pinned is not None:
            return self._pinned
        suggestion = self._suggestion()
        return None if suggestion is None else suggestion[0]

    def _suggestion(self) -> tuple[int, str] | None:
        """A unit worth a look before the user picks one: in the last layer, the one whose final
        h times its readout weight adds most to the answer's score; elsewhere the most active."""
        trace = self._trace
        if trace is None:
            return None
        layer = min(self._layer, len(trace.layers) - 1)
        h_last = trace.layers[layer].h[-1]
        w = self.readout_weights
        if layer == len(trace.layers) - 1 and w is not None and w.shape[0] == h_last.size:
            return int(np.argmax(h_last * w[:, trace.prediction])), f"it pushes hardest toward {trace.prediction}"
        return int(np.argmax(np.abs(h_last))), "the most active after the last row"

    def set_series(self, name: str) -> None:
        index = SERIES_NAMES.index(name)
        if self.series_combo.currentIndex() == index:
            self.series_changed.emit(name)  # asked for again: listeners may want to refresh
        else:
            self.series_combo.setCurrentIndex(index)

    def set_layer_count(self, n: int) -> None:
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for i in range(n):
            self.layer_combo.addItem(f"layer {i + 1}" + (" (last)" if n > 1 and i == n - 1 else ""), i)
        self._layer = min(self._layer, n - 1)
        self.layer_combo.setCurrentIndex(self._layer)
        self.layer_combo.setEnabled(n > 1)
        self.layer_combo.blockSignals(False)

    def select_unit(self, unit: int | None) -> None:
        self._pinned = unit
        self._update_unit()

    def set_trace(self, trace: Trace | None) -> None:
        """A new trace; the heatmap is drawn by the set_row() that follows."""
        self._trace = trace
        if trace is not None:
            units = trace.layers[min(self._layer, len(trace.layers) - 1)].h.shape[1]
            if units != self._units:
                self._pinned = self._hovered = None
        self._refresh_series(draw=False)

    def set_row(self, row: int | None) -> None:
        self._row = row
        if self._trace is None or row is None:
            self.image_item.clear()
            self.row_cursor.setVisible(False)
            self._update_unit()
            return
        buf = self._buffer
        buf[: row + 1] = self._values[: row + 1]
        buf[row + 1 :] = np.nan  # not read yet: transparent
        self.image_item.setImage(buf, autoLevels=False)
        if self._placed_units != self._units:  # setRect scales the current image: after setImage
            self.image_item.setRect(QRectF(0.5, -0.5, ROWS, self._units))
            self._placed_units = self._units
        self.row_cursor.setVisible(True)
        self.row_cursor.setValue(row + 1)
        self._update_unit()

    def image_data(self) -> np.ndarray:
        """What the heatmap shows now: (rows, units), NaN where not read yet."""
        return self.image_item.image

    # --- internals --------------------------------------------------------------------------

    def _on_series_combo(self, index: int) -> None:
        self._series = SERIES_NAMES[index]
        self._refresh_series()
        self.series_changed.emit(self._series)

    def _on_layer_combo(self, index: int) -> None:
        if index >= 0:
            self._layer = index
            self._pinned = self._hovered = None
            self._refresh_series()
            self.layer_changed.emit(index)

    def _apply_series_look(self) -> None:
        """Colour map, colour range and labels of the series; only when they change."""
        lo, hi = series_levels(self._series, self._values if self._trace is not None else None)
        look = (self._series, lo, hi)
        if look == self._look:
            return
        self._look = look
        self.colorbar.setColorMap(series_colormap(self._series))
        self.colorbar.setLevels((lo, hi))
        self.colorbar.getAxis("left").setLabel(dict((s[0], s[2]) for s in SERIES)[self._series])
        up = self.unit_plot.getPlotItem()
        up.setLabel("left", self._series)
        pad = 0.05 * (hi - lo)
        up.setYRange(lo - pad, hi + pad, padding=0)

    def _refresh_series(self, draw: bool = True) -> None:
        if self._trace is not None:
            layer = self._trace.layers[min(self._layer, len(self._trace.layers) - 1)]
            self._values = np.asarray(layer.series(self._series), dtype=np.float32)
            if self._values.shape[1] != self._units or self._buffer is None:
                self._units = self._values.shape[1]
                self._buffer = np.empty_like(self._values)
                self._placed_units = None  # setRect again, after the next setImage
                self.heatmap.getPlotItem().setRange(
                    xRange=(0.5, ROWS + 0.5), yRange=(-0.5, self._units - 0.5), padding=0
                )
        self._curve_key = None  # the unit's line must be drawn again
        self._apply_series_look()
        if draw:
            self.set_row(self._row)

    def _unit_at(self, scene_pos) -> int | None:
        vb = self.heatmap.getPlotItem().vb
        if self._trace is None or not vb.sceneBoundingRect().contains(scene_pos):
            return None
        y = vb.mapSceneToView(scene_pos).y()
        unit = int(np.floor(y + 0.5))
        return unit if 0 <= unit < self._units else None

    def _on_mouse_moved(self, scene_pos) -> None:
        unit = self._unit_at(scene_pos)
        if unit != self._hovered:
            self._hovered = unit
            self._update_unit()

    def _on_mouse_clicked(self, event) -> None:
        unit = self._unit_at(event.scenePos())
        if unit is not None and event.button() == Qt.LeftButton:
            self._pinned = unit
            self._update_unit()

    def _update_unit(self) -> None:
        unit = self.unit
        if self._trace is None or unit is None or unit >= self._units:
            if self._curve_key is not None:
                self.unit_curve.setData([], [])
                self._curve_key = None
            self.unit_cursor.setVisible(False)
            self.unit_marker.setVisible(False)
            self.unit_text.setText("Hover the heatmap to follow one unit; click to keep it.")
            return
        values = self._values[:, unit]
        key = (unit, id(self._values))
        if key != self._curve_key:  # the line changes with the unit or the data, not the row
            self._curve_key = key
            self.unit_curve.setData(ROW_X, values)
            self.unit_marker.setValue(unit)
        self.unit_marker.setVisible(True)
        row = ROWS - 1 if self._row is None else self._row
        self.unit_cursor.setVisible(True)
        self.unit_cursor.setValue(row + 1)
        if self._hovered is not None:
            how = "hovered"
        elif self._pinned is not None:
            how = "clicked"
        else:
            how = self._suggestion()[1] + "; hover or click others"
        self.unit_text.setText(
            f"Unit {unit} of layer {self._layer + 1} ({how}): {self._series} = {values[row]:+.2f} "
            f"after row {row + 1}; from {values.min():+.2f} to {values.max():+.2f} over all rows."
        )
