"""The Calibration page: is "90% sure" right 90% of the time? The reliability diagram of the test
set: accuracy against confidence in 15 bins, for the network's own probabilities and for the
temperature-scaled ones the window shows, with the diagonal a perfectly calibrated model follows."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...text import format_accuracy
from ...trust.temperature import Reliability, before_and_after
from .. import theme
from ..plot_menu import install_plot_menu
from ..plots import plot_widget, set_empty
from ..widgets import TextLine
from .state import EvaluateState

RAW_COLOUR, SCALED_COLOUR = "#94a3b8", theme.ACCENT


class CalibrationPage(QWidget):
    def __init__(self, state: EvaluateState, parent=None):
        super().__init__(parent)
        self.state = state
        self.caption = TextLine(lines=2)
        self.caption.setToolTip("Expected calibration error: the average gap between confidence and accuracy, weighted by how many digits fall in each bin.")
        self.plot = plot_widget("confidence (the top probability)", "accuracy in the bin")
        item = self.plot.getPlotItem()
        item.setRange(xRange=(0, 1), yRange=(0, 1.02), padding=0.02)
        self.diagonal = pg.PlotDataItem([0, 1], [0, 1], pen=pg.mkPen(theme.BORDER, width=1, style=pg.QtCore.Qt.DashLine))
        item.addItem(self.diagonal)
        self.raw = item.plot([], [], pen=pg.mkPen(RAW_COLOUR, width=2), symbol="o", symbolSize=6, symbolBrush=RAW_COLOUR,
                             name="the network's probabilities")  # fmt: skip
        self.scaled = item.plot([], [], pen=pg.mkPen(SCALED_COLOUR, width=2), symbol="o", symbolSize=6,
                                symbolBrush=SCALED_COLOUR, name="temperature-scaled (shown)")  # fmt: skip
        self.legend = TextLine(muted=True)
        self.plot.setToolTip("Each dot: the test digits whose confidence falls in one bin, at their mean confidence\n"
                             "(across) and the share of them read right (up). On the dashed diagonal, \"90% sure\"\n"
                             "is right 90% of the time. A bigger dot holds more digits: almost all sit in the last bin.")  # fmt: skip
        install_plot_menu(self.plot, "reliability", csv=item, reset=None)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        self.before: Reliability | None = None
        self.after: Reliability | None = None

    def refresh(self) -> None:
        result, loaded = self.state.result, self.state.loaded
        if result is None or loaded is None:
            self.before = self.after = None
            for curve in (self.raw, self.scaled):
                curve.setData([], [])
            self.caption.setText("Evaluate the model to see how well its confidence matches its accuracy.")
            set_empty(self.plot.getPlotItem(), "Nothing yet: the test set is not evaluated.")
            self.diagonal.setVisible(False)
            self.legend.setText("")
            return
        set_empty(self.plot.getPlotItem(), None)
        self.diagonal.setVisible(True)
        ev = result.evaluation
        trust = loaded.trust
        temperature = None if trust is None else trust.temperature
        self.before, self.after = before_and_after(ev.probabilities, ev.labels, temperature)
        for curve, rel in ((self.raw, self.before), (self.scaled, self.after)):
            if rel is None:
                curve.setData([], [])
            else:
                filled = rel.counts > 0  # a dot's area grows with the digits in its bin
                sizes = 5 + 3 * np.log10(rel.counts[filled])
                curve.setData(rel.confidence[filled], rel.accuracy[filled], symbolSize=sizes)
        if self.after is None:
            self.caption.setText(f"Expected calibration error on the {len(ev.labels):,} test digits: {format_accuracy(self.before.ece)}. "
                                 "This model file has no temperature, so its probabilities are shown as they are.")  # fmt: skip
            self.legend.setText("grey: the network's probabilities")
        else:
            self.caption.setText(f"Expected calibration error on the {len(ev.labels):,} test digits: {format_accuracy(self.before.ece)} "
                                 f"as the network gives it, {format_accuracy(self.after.ece)} after temperature scaling (T = {temperature:.3f}), "
                                 "which is what the window shows.")  # fmt: skip
            self.legend.setText("grey: the network's probabilities · amber: temperature-scaled, as shown · dashed: perfect calibration")

