"""The Train tab's "Inside the training" page: for the block chosen (a gate's weights, a bias, the
readout), its distribution over the epochs as TensorBoard draws it (quantile bands), the histogram
of the chosen epoch against the first, its gradient norm per batch, and the gradient flow through
the rows as a row × epoch heatmap with the chosen epoch's line.

What is drawn comes from InsightState (insight_state.py); every item is made once and updated
with setData / setImage.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .. import theme
from ..plot_menu import install_plot_menu
from ..plots import ROW_AXIS, ROW_X, plot_widget
from ..widgets import muted_label
from .insight_state import FLOW_KEYS, KINDS, InsightState

BAND_COLOUR = theme.SELECTION
START_COLOUR = theme.MUTED_TEXT
BAND_ALPHAS = (40, 70, 105, 140)  # outermost (0-100 %) to innermost (31-69 %)


def _brush(alpha: int) -> QColor:
    c = QColor(BAND_COLOUR)
    c.setAlpha(alpha)
    return c


class InsightPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = InsightState()
        self.kind_box = QComboBox()
        for key, text in KINDS.items():
            self.kind_box.addItem(text, key)
        self.kind_box.setToolTip("The weights themselves, or their gradients after the last batch of each epoch.")
        self.block_box = QComboBox()
        self.block_box.setToolTip("One gate's share of a weight matrix, a gate's bias, or the readout.")
        self.block_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.block_box.setMinimumContentsLength(16)
        self.epoch_box = QComboBox()
        self.epoch_box.setToolTip("The epoch whose histogram is drawn against the first, and whose gradient flow is the line.")
        self.flow_box = QComboBox()
        for key, text in FLOW_KEYS.items():
            self.flow_box.addItem(text, key)
        self.flow_box.setToolTip("The gradient of the loss with respect to the hidden state h or the cell state c after each row.")
        self.kind_box.currentIndexChanged.connect(lambda: self._choose(kind=self.kind_box.currentData()))
        self.block_box.currentIndexChanged.connect(lambda: self._choose(block=self.block_box.currentText()))
        self.epoch_box.currentIndexChanged.connect(lambda: self._choose(epoch=self.epoch_box.currentData()))
        self.flow_box.currentIndexChanged.connect(lambda: self._choose(flow_key=self.flow_box.currentData()))
        bar = QHBoxLayout()
        bar.setSpacing(6)
        for label, box in (("Show", self.kind_box), ("of", self.block_box), ("epoch", self.epoch_box),
                           ("flow of", self.flow_box)):  # fmt: skip
            bar.addWidget(muted_label(label))
            bar.addWidget(box)
        bar.addStretch(1)
        self.caption = QLabel(wordWrap=True)
        self.caption.setProperty("role", "muted")

        self.bands_plot = plot_widget("epoch", "value", "Distribution over training")
        self.histogram_plot = plot_widget("value", "density", "Histogram: chosen epoch (blue), first (grey)")
        self.norm_plot = plot_widget("epoch", "‖gradient‖", "Gradient norm per batch")
        self.flow_map_plot = plot_widget("epoch", ROW_AXIS, "Gradient flow through the rows (log10)")
        self.flow_line_plot = plot_widget(ROW_AXIS, "norm", "Gradient flow at the chosen epoch")
        self._make_items()
        grid = QGridLayout()
        grid.setSpacing(8)
        for widget, cell in ((self.bands_plot, (0, 0)), (self.histogram_plot, (0, 1)), (self.norm_plot, (0, 2)),
                             (self.flow_map_plot, (1, 0, 1, 2)), (self.flow_line_plot, (1, 2))):  # fmt: skip
            widget.setMinimumSize(150, 130)
            grid.addWidget(widget, *cell)
        for name, widget, csv in (("distribution-over-training", self.bands_plot, True),
                                  ("histogram", self.histogram_plot, True), ("gradient-norm-per-batch", self.norm_plot, True),
                                  ("gradient-flow-map", self.flow_map_plot, False),
                                  ("gradient-flow-line", self.flow_line_plot, True)):  # fmt: skip
            install_plot_menu(widget, name, csv=widget.getPlotItem() if csv else None)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(bar)
        layout.addWidget(self.caption)
        layout.addLayout(grid, 1)
        self._syncing = False
        self.draws = 0  # how many times the plots were redrawn (tests)
        self.show_record(None)

    def _make_items(self) -> None:
        bands = self.bands_plot.getPlotItem()
        pen = pg.mkPen(None)
        # Quantile curves 0..8 (invisible), and the bands between pairs of them, outermost first.
        self.quantile_curves = [bands.plot(pen=pen) for _ in range(9)]
        self.band_fills = [pg.FillBetweenItem(self.quantile_curves[i], self.quantile_curves[8 - i], brush=_brush(a))
                           for i, a in enumerate(BAND_ALPHAS)]  # fmt: skip
        for fill in self.band_fills:
            bands.addItem(fill)
        self.median_curve = bands.plot(pen=pg.mkPen(BAND_COLOUR, width=2), symbol="o", symbolSize=5,
                                       symbolBrush=BAND_COLOUR, symbolPen=None)  # fmt: skip
        hist = self.histogram_plot.getPlotItem()
        self.first_histogram = hist.plot(stepMode="center", pen=pg.mkPen(START_COLOUR, width=1.5))
        self.chosen_histogram = hist.plot(stepMode="center", pen=pg.mkPen(BAND_COLOUR, width=2))
        self.norm_curve = self.norm_plot.getPlotItem().plot(pen=pg.mkPen(theme.ACCENT, width=1.2))
        self.flow_image = pg.ImageItem(axisOrder="row-major")
        self.flow_image.setColorMap(pg.colormap.get("viridis"))
        flow_map = self.flow_map_plot.getPlotItem()
        flow_map.addItem(self.flow_image)
        flow_map.invertY(True)
        self.epoch_marker = pg.InfiniteLine(angle=90, pen=pg.mkPen(theme.ACCENT, width=1.5, style=Qt.DashLine))
        flow_map.addItem(self.epoch_marker)
        self.flow_line = self.flow_line_plot.getPlotItem().plot(pen=pg.mkPen(theme.ACCENT, width=2), symbol="o",
                                                                  symbolSize=4, symbolBrush=theme.ACCENT, symbolPen=None)  # fmt: skip
        self.flow_line_plot.getPlotItem().setLogMode(y=True)

    # --- public ------------------------------------------------------------------------------
    def show_record(self, record: dict | None) -> None:
        """A run's distributions (insight.py's record) or None; the choices stay where they can."""
        self.state.set_record(record)
        self._sync_choices()
        self.draw()

    def draw(self) -> None:
        s = self.state
        self.caption.setText(s.caption())
        x, q = s.bands()
        for i, curve in enumerate(self.quantile_curves):
            curve.setData(x, q[:, i] if len(x) else np.zeros(0))
        self.median_curve.setData(x, q[:, 4] if len(x) else np.zeros(0))
        histograms = s.histograms()
        (ce, cd), (fe, fd) = histograms if histograms else ((np.zeros(1), np.zeros(0)),) * 2
        self.chosen_histogram.setData(ce, cd)
        self.first_histogram.setData(fe, fd)
        self.norm_curve.setData(*s.norms())
        epochs, image = s.flow_map()
        if len(epochs):
            # Rows down the y axis (row 1 at the top), one column per recorded epoch.
            self.flow_image.setImage(image.T, autoLevels=True)
            self.flow_image.setRect(epochs[0] - 0.5, 0.5, len(epochs), image.shape[1])
            self.epoch_marker.setValue(s.shown_epoch if s.shown_epoch is not None else epochs[-1])
        else:
            self.flow_image.clear()
        line = s.flow_line()
        self.flow_line.setData(ROW_X[: len(line)], line)
        for widget in (self.bands_plot, self.histogram_plot, self.norm_plot, self.flow_map_plot, self.flow_line_plot):
            widget.getPlotItem().enableAutoRange()
        self.draws += 1

    # --- choices -----------------------------------------------------------------------------
    def _choose(self, **choice) -> None:
        if self._syncing:
            return
        self.state.choose(**choice)
        self._sync_choices()
        self.draw()

    def _sync_choices(self) -> None:
        """The combo boxes as the state has them, without their signals re-entering."""
        s = self.state
        self._syncing = True
        try:
            if [self.block_box.itemText(i) for i in range(self.block_box.count())] != s.blocks:
                self.block_box.clear()
                self.block_box.addItems(s.blocks)
            if s.block is not None:
                self.block_box.setCurrentText(s.block)
            epochs = s.epochs
            if [self.epoch_box.itemData(i) for i in range(self.epoch_box.count())] != epochs:
                self.epoch_box.clear()
                for e in epochs:
                    self.epoch_box.addItem("start" if e == 0 else str(e), e)
            if s.shown_epoch is not None:
                self.epoch_box.setCurrentIndex(epochs.index(s.shown_epoch))
            self.kind_box.setCurrentIndex(list(KINDS).index(s.kind))
            for box in (self.kind_box, self.block_box, self.epoch_box, self.flow_box):
                box.setEnabled(not s.empty)
        finally:
            self._syncing = False
