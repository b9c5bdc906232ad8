"""Draw & Inspect's "What the answer depends on": back-propagation through time for the current
drawing. With the network's own answer as the label, ‖∂loss/∂h_t‖ and ‖∂loss/∂c_t‖ after each row
t (recognizer/evaluation/gradient_flow.py), each relative to its largest: which rows' memory the answer
still depends on.

It is computed on this view's JobRunner thread, latest-only (a new drawing cancels the one
waiting) and a moment after the drawing stops changing, so the pen never waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .. import theme
from ..jobs import JobRunner
from ..plot_menu import install_plot_menu
from ..plots import ROW_AXIS, ROW_X, plot_widget
from ..widgets import TextLine

SETTLE_MS = 120  # after the last change of the drawing: one computation per pause of the pen
JOB_KEY = "gradient-flow"


@dataclass(frozen=True)
class DrawingFlow:
    answer: int
    h: np.ndarray  # (layers, 28)
    c: np.ndarray | None  # a GRU or a plain RNN has no cell state


def drawing_flow(model, image28: np.ndarray) -> DrawingFlow:
    """The gradient flow of one drawing, labelled with the network's own answer (Qt-free work, on
    the runner's thread; torch is imported here, not when the window opens)."""
    import torch

    from ...evaluation.gradient_flow import gradient_flow

    x = torch.as_tensor(np.asarray(image28, dtype=np.float32)).reshape(1, 28, 28)
    with torch.no_grad():
        answer = int(model(x).argmax())
    flow = gradient_flow(model, x, torch.tensor([answer]))
    return DrawingFlow(answer, flow["h"].numpy(), flow["c"].numpy() if "c" in flow else None)


def relative(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if values.size else 0.0
    return values / top if top > 0 else values


class GradientFlowView(QWidget):
    """set_model(model) once per model; show_trace(trace) for every new reading."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = JobRunner("gradient-flow", parent=self)
        self.model = None
        self.flow: DrawingFlow | None = None
        self._image: np.ndarray | None = None
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self._compute)
        self.setToolTip("How much the answer (the network's own, as the label) depends on the memory held after "
                        "each row: ‖∂loss/∂h‖ and ‖∂loss/∂c‖, back-propagated through the rows, relative to the largest. "
                        "\"Depends most\": half the largest or more.")  # fmt: skip
        self.plot = plot_widget(ROW_AXIS, "relative")  # to the largest (the tooltip says): "relative to largest" was cut
        item = self.plot.getPlotItem()
        item.setRange(xRange=(0.5, 28.5), yRange=(0, 1.05), padding=0)
        item.getAxis("left").setTicks([[(v, f"{v:g}") for v in (0, 0.5, 1)]])  # a short plot: three labels
        self.h_curve = item.plot(pen=pg.mkPen(theme.ACCENT, width=2))
        self.c_curve = item.plot(pen=pg.mkPen(theme.SELECTION, width=2, style=Qt.DashLine))
        self.plot.setMinimumSize(200, 60)  # with its caption, no taller than the ten lines it replaces
        install_plot_menu(self.plot, "gradient-flow-of-the-drawing", csv=item)
        self.caption = TextLine("", lines=2, muted=True)  # short words in the panel's own size: 11 pt was cut
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.caption)
        self._show(None)

    def set_model(self, model) -> None:
        self.model = model
        self._settle.start()

    def show_trace(self, trace) -> None:
        self._image = None if trace is None else trace.image
        self._settle.start()

    def shutdown(self) -> None:
        self._settle.stop()
        self.runner.shutdown()

    def _compute(self) -> None:
        model, image = self.model, self._image
        if model is None or image is None:
            self._show(None)
            return
        self.runner.submit(lambda ctx: drawing_flow(model, image), on_done=self._show, key=JOB_KEY,
                           on_error=lambda failure: self.caption.setText(f"Cannot compute it: {failure.message}"))  # fmt: skip

    def _show(self, flow: DrawingFlow | None) -> None:
        self.flow = flow
        if flow is None:
            self.h_curve.setData([], [])
            self.c_curve.setData([], [])
            self.caption.setText("Draw a digit: the rows whose memory its answer depends on show here.")
            return
        # The last layer's: the one the readout reads; the first layer's memory flows into it.
        h = relative(flow.h[-1])
        self.h_curve.setData(ROW_X, h)
        if flow.c is None:
            self.c_curve.setData([], [])
        else:
            self.c_curve.setData(ROW_X, relative(flow.c[-1]))
        half = int(np.argmax(h >= 0.5)) + 1
        lines = "solid ‖∂loss/∂h‖" + ("" if flow.c is None else ", dashed ‖∂loss/∂c‖")
        # "most": half the largest or more (the tooltip says); two lines at 1024 px
        self.caption.setText(f"Answer {flow.answer}: {lines}. It depends most on the memory from row {half} on.")
