"""The Gradient flow page: the shipped plain RNN, GRU and LSTMs side by side, each one's last-layer
‖∂loss/∂h_t‖ through the 28 rows on the same fixed batch of test digits, relative to its own
largest. The measurement runs on the tab's JobRunner, one model at a time with progress; what the
page says is in flow_state.py, what it computes in flow_curves.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ...evaluation.flow_curves import FlowCurve, compare_flows, first_test_digits, shipped_model_files
from ...network.dims import ROWS
from ..colormaps import CLASS_COLOURS
from ..dialogs import DIALOGS
from ..jobs import JobFailure, JobRunner
from ..plot_menu import install_plot_menu
from ..plots import ROW_AXIS, ROW_X, plot_widget, set_empty
from ..widgets import TextLine, caption_label, percent_bar
from .flow_state import CAPTION, FlowState
from .state import EvaluateState

Y_AXIS = "‖∂loss/∂h_t‖, relative to the model's largest (linear)"


class FlowPage(QWidget):
    """need_data(then) gets MNIST (the tab's way, which may ask) and calls then() once it is there.
    finished([FlowCurve]) when a measurement ends. model_files: the files to measure (default:
    the shipped ones)."""

    finished = Signal(object)

    def __init__(self, state: EvaluateState, runner: JobRunner, need_data: Callable[[Callable[[], None]], None],
                 model_files: Sequence[Path] | None = None, parent=None):  # fmt: skip
        super().__init__(parent)
        self.state, self._need_data = state, need_data
        self.model_files = list(shipped_model_files() if model_files is None else model_files)
        self.flow = FlowState()
        self.flow.slot.runner = runner

        self.measure_button = QPushButton("Measure")
        self.measure_button.setToolTip("Back-propagate through each shipped model on the same test digits, in the background.")
        self.measure_button.clicked.connect(self.start)
        self.progress = percent_bar(180)
        self.status = TextLine(lines=2, muted=True)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(self.progress)
        bar.addWidget(self.measure_button)

        self.plot = plot_widget(ROW_AXIS, Y_AXIS)
        item = self.plot.getPlotItem()
        item.setRange(xRange=(0.5, ROWS + 0.5), yRange=(0, 1.03), padding=0)
        item.showGrid(x=True, y=True, alpha=0.15)
        self.legend = item.addLegend()
        # Bottom left: every curve measured so far starts above 0.35 of its largest over the first rows.
        self.legend.anchor(itemPos=(0, 1), parentPos=(0, 1), offset=(10, -10))
        self.curves: list[pg.PlotDataItem] = []
        self.plot.setToolTip("One line per model: row t's mean ‖∂loss/∂h_t‖ over the batch, divided by that model's\n"
                             "largest. High at row t: the answer still depends on what the cell held after reading it.")  # fmt: skip
        install_plot_menu(self.plot, "gradient-flow", csv=item, reset=None)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(caption_label(CAPTION, lines=2))
        layout.addLayout(bar)
        layout.addWidget(self.plot, 1)
        self.refresh()

    def start(self) -> None:
        """Measure every model file in the background (MNIST is fetched first if needed)."""
        if self.flow.slot.busy or not self.model_files:
            return
        if self.state.data is None:
            self._need_data(self.start)
            return
        images, labels = first_test_digits(self.state.data.test_images, self.state.data.test_labels)
        files = list(self.model_files)
        self.flow.begin()

        def work(ctx):
            return compare_flows(files, images, labels, ctx.report, ctx.should_stop, measured=ctx.send)

        self.flow.slot.start(work, self._on_done, on_progress=self._on_progress, on_partial=self._on_partial,
                             on_error=self._on_failed, on_cancelled=self.refresh)  # fmt: skip
        self.refresh()

    def refresh(self) -> None:
        flow = self.flow
        self.status.setText(flow.status_text(len(self.model_files)))
        self.progress.setVisible(flow.slot.busy)
        self.progress.setValue(int(round(flow.slot.progress * 100)))
        self.measure_button.setEnabled(not flow.slot.busy and bool(self.model_files))
        self._draw(flow.shown())

    def _draw(self, curves: list[FlowCurve]) -> None:
        set_empty(self.plot.getPlotItem(), None if curves else "Nothing yet: press Measure.")
        for line in self.curves:
            self.plot.getPlotItem().removeItem(line)
        self.legend.clear()
        self.curves = [self.plot.getPlotItem().plot(ROW_X, np.asarray(c.relative, dtype=np.float64), name=c.name,
                                                    pen=pg.mkPen(CLASS_COLOURS[i % len(CLASS_COLOURS)], width=2.5))
                       for i, c in enumerate(curves)]  # fmt: skip

    def _on_progress(self, fraction: float) -> None:
        self.progress.setValue(int(round(self.flow.slot.progress * 100)))
        self.status.setText(self.flow.status_text(len(self.model_files)))

    def _on_partial(self, curves: list[FlowCurve]) -> None:
        self.flow.add(curves)
        self._draw(self.flow.shown())

    def _on_done(self, curves: list[FlowCurve] | None) -> None:
        finished = self.flow.finish(curves)
        self.refresh()
        if finished:
            self.finished.emit(self.flow.curves)

    def _on_failed(self, failure: JobFailure) -> None:
        self.refresh()
        DIALOGS.show_message(self, "warning", "Cannot measure the gradient flow", failure.message, failure.details)
