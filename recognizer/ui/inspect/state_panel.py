"""Inside the cell: a heatmap of h, c or any gate (units x rows) for one layer, with a colour bar,
and the value of one unit over the 28 rows when it is hovered or clicked. The chooser offers what
the model's cell has (cells.SERIES): an LSTM's h, c and four gates, a GRU's h, reset and update
gates and candidate, a plain RNN's h and pre-activation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...network.cells import DEFAULT_CELL, SIGMOID_GATES
from ...network.cells import SERIES as CELL_SERIES
from ...network.dims import ROWS
from .. import theme
from ..colormaps import diverging, sequential
from ..plots import ROW_AXIS, ROW_X, plain_axes, plot_widget
from ..widgets import TextLine

if TYPE_CHECKING:
    from ...network.trace import Trace

# (attribute of LayerTrace, what the menu says, axis/colour-bar label)
SYMBOLS = {"h": "h", "c": "c", "input": "i", "forget": "f", "candidate": "g", "output": "o",
           "reset": "r", "update": "z", "preactivation": "a"}  # short axis labels  # fmt: skip
SERIES = (
    ("h", "Hidden state h", "hidden state h"),
    ("c", "Cell state c", "cell state c"),
    ("input", "Input gate i", "input gate i"),
    ("forget", "Forget gate f", "forget gate f"),
    ("candidate", "Candidate g", "candidate g"),
    ("output", "Output gate o", "output gate o"),
    ("reset", "Reset gate r", "reset gate r"),
    ("update", "Update gate z", "update gate z"),
    ("preactivation", "Pre-activation a", "pre-activation a"),
)
SIGMOID_SERIES = frozenset(g for gates in SIGMOID_GATES.values() for g in gates)  # bounded to 0–1
SERIES_NAMES = tuple(s[0] for s in SERIES)
SERIES_TIPS = {
    "h": "The hidden state: what the layer passes on after each row (−1 to 1). "
    "The answer is read from the last layer's h.",
    "c": "The cell state: the LSTM's long-term memory, updated after each row.",
    "input": "Input gate (0–1): how much of the new candidate gets written into memory.",
    "forget": "Forget gate (0–1): how much of the memory is kept (1) or wiped (0).",
    "candidate": "Candidate (−1 to 1): the new content proposed from this row.",
    "output": "Output gate (0–1): how much of the memory shows in the hidden state.",
    "reset": "Reset gate (0–1): how much of the old h the candidate gets to see (GRU).",
    "update": "Update gate (0–1): how much of the old h is kept (1) instead of the candidate (0) (GRU).",
    "preactivation": "Pre-activation: W x + U h + b before the tanh that gives h (plain RNN); beyond ±2 the tanh saturates.",
}
GRU_CANDIDATE_TIP = "Candidate n (−1 to 1): the new h proposed from this row, through the reset gate."


def series_levels(name: str, values: np.ndarray | None = None) -> tuple[float, float]:
    """Colour range of a series: fixed where the maths bounds it, symmetric around 0 for c."""
    if name in SIGMOID_SERIES:
        return 0.0, 1.0
    if name in ("c", "preactivation") and values is not None and values.size:
        m = float(np.ceil(np.abs(values).max() * 2) / 2)  # steps of 0.5: stable between drawings
        return -max(m, 1.0), max(m, 1.0)
    return -1.0, 1.0


def series_colormap(name: str) -> pg.ColorMap:
    return sequential() if name in SIGMOID_SERIES else diverging()


class StatePanel(QWidget):
    """A heatmap of one quantity of one layer (hidden units × rows), with a colour bar, choosers
    for the quantity and the layer, and below it the story of one unit: hover the heatmap to look
    at a unit, click to keep it."""

    series_changed = Signal(str)
    layer_changed = Signal(int)
    series_offered = Signal(tuple)  # the names the chooser offers, when the cell kind changes

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
        self._cell = DEFAULT_CELL

        self.series_combo = QComboBox()
        self._fill_series_combo()
        self.series_combo.setToolTip(
            "Which quantity inside the cell to show: the hidden state h, and what the cell has\n"
            "besides (an LSTM: its cell state c and four gates; a GRU: its reset and update gates\n"
            "and candidate; a plain RNN: its pre-activation)."
        )
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("Which layer to show (models with stacked layers have several).")
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

        self.heatmap = plot_widget(ROW_AXIS, "hidden unit")
        plot = self.heatmap.getPlotItem()
        self.image_item = pg.ImageItem()
        plot.addItem(self.image_item)
        self.colorbar = pg.ColorBarItem(
            values=(-1, 1), colorMap=diverging(), label="hidden state h", interactive=False, width=14, colorMapMenu=False
        )
        self.colorbar.setImageItem(self.image_item, insert_in=plot)
        plain_axes(self.colorbar)  # a colour bar is a plot too
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
        # Room above the plot for the colour bar's top tick label ("1.0" was cut in half).
        plot.layout.setContentsMargins(0, 10, 0, 0)
        self.heatmap.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.heatmap.installEventFilter(self)  # the mouse leaving the widget ends a hover
        self.heatmap.scene().sigMouseClicked.connect(self._on_mouse_clicked)

        self.unit_text = TextLine("Hover the heatmap to follow one unit.", lines=2, muted=True)
        self.unit_text.setToolTip("The unit under the mouse, or the one you clicked, and its value at this row.")
        self.unit_plot = plot_widget(ROW_AXIS, "h")
        self.unit_plot.setMinimumHeight(64)  # one line: the heatmap above needs the height more
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
        # 128 units want about a pixel each: at 1024x700 the heatmap was 45 px tall.
        self.heatmap.setMinimumHeight(140)
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

    @property
    def offered(self) -> tuple[str, ...]:
        """The series the chooser offers for the current model's cell."""
        return CELL_SERIES[self._cell]

    def set_series(self, name: str) -> None:
        """Show that series; one the model's cell does not have shows h."""
        index = self.offered.index(name if name in self.offered else "h")
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
        series_before = self._series
        if trace is not None and trace.layers[0].cell != self._cell:
            self._set_cell(trace.layers[0].cell)
        if trace is not None:
            units = trace.layers[min(self._layer, len(trace.layers) - 1)].h.shape[1]
            if units != self._units:
                self._pinned = self._hovered = None
        self._refresh_series(draw=False)
        if self._series != series_before:  # the new model's cell lacks what was shown: h instead
            self.series_changed.emit(self._series)

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

    def _fill_series_combo(self) -> None:
        texts = {name: text for name, text, _ in SERIES}
        for name in self.offered:
            gru_candidate = self._cell == "gru" and name == "candidate"
            self.series_combo.addItem("Candidate n" if gru_candidate else texts[name], name)
            tip = GRU_CANDIDATE_TIP if gru_candidate else SERIES_TIPS[name]
            self.series_combo.setItemData(self.series_combo.count() - 1, tip, Qt.ToolTipRole)

    def _set_cell(self, cell: str) -> None:
        """Offer that cell's series; the one shown stays if the cell has it, else h."""
        self._cell = cell
        self.series_combo.blockSignals(True)
        self.series_combo.clear()
        self._fill_series_combo()
        if self._series not in self.offered:
            self._series = "h"
        self.series_combo.setCurrentIndex(self.offered.index(self._series))
        self.series_combo.blockSignals(False)
        self.series_offered.emit(self.offered)

    def _on_series_combo(self, index: int) -> None:
        if index < 0:
            return
        self._series = self.offered[index]
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
        up.setLabel("left", SYMBOLS[self._series])  # a word would not fit the short plot
        pad = 0.05 * (hi - lo)
        up.setYRange(lo - pad, hi + pad, padding=0)
        # The ends (and 0 between them) only: at 1024x700 the plot is too short for five labels.
        ticks = sorted({float(lo), float(hi)} | ({0.0} if lo < 0 < hi else set()))
        up.getAxis("left").setTicks([[(v, f"{v:g}") for v in ticks]])

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

    def eventFilter(self, watched, event) -> bool:
        # No mouse-move reaches the scene when the pointer leaves fast (through the top edge,
        # say), so the hover is ended by the widget's Leave event.
        if watched is self.heatmap and event.type() == QEvent.Leave and self._hovered is not None:
            self._hovered = None
            self._update_unit()
        return super().eventFilter(watched, event)

    @property
    def hovered(self) -> int | None:
        return self._hovered

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
