"""The Evaluate tab's Gradient flow page, without Qt: the shipped models' last-layer ‖∂loss/∂h_t‖
through the rows on one fixed batch (flow_curves.py), and every sentence the page shows.
The measurement does not depend on the model in use, so a result stays until measured again."""

from __future__ import annotations

from ...evaluation.flow_curves import FLOW_BATCH, FlowCurve, flow_summary
from ...text import format_percent, plural
from ..job_slot import JobSlot

CAPTION = (f"How much the answer still depends on what each cell held after row t: the last layer's mean "
           f"‖∂loss/∂h_t‖ on the first {FLOW_BATCH} test digits (their true labels), each model relative to "
           "its own largest.")  # fmt: skip
PLOT_ORDER = ("rnn", "gru", "lstm")  # the plain cell first, then the gated ones: the legend reads as the comparison


class FlowState:
    """slot: the measurement under way (the page hands it the tab's runner); a late result of an
    older one never reaches the methods below."""

    def __init__(self):
        self.slot = JobSlot()
        self.curves: list[FlowCurve] = []
        self.partial: list[FlowCurve] = []  # of the measurement under way

    def begin(self) -> None:
        self.partial = []

    def add(self, curves: list[FlowCurve]) -> None:
        """Models measured so far: shown while the others are, in place of the previous result."""
        self.partial = sorted(self.partial + list(curves), key=lambda c: PLOT_ORDER.index(c.cell))

    def shown(self) -> list[FlowCurve]:
        """What the plot draws: the models measured so far while measuring, else the last result."""
        return self.partial if self.slot.busy else self.curves

    def finish(self, curves: list[FlowCurve] | None) -> bool:
        if curves is None:  # stopped before the end
            return False
        self.curves = sorted(curves, key=lambda c: PLOT_ORDER.index(c.cell))
        return True

    def status_text(self, models: int) -> str:
        slot = self.slot
        if slot.error:
            return f"The measurement failed: {slot.error}"
        if slot.busy:
            return f"Measuring {plural(models, 'shipped model')}, one at a time… {format_percent(slot.progress)}"
        if self.curves:
            return flow_summary(self.curves)
        return f"Press Measure to back-propagate through the {plural(models, 'shipped model')} (a few seconds each)."
