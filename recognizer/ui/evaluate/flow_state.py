"""The Evaluate tab's Gradient flow page, without Qt: the shipped models' last-layer ‖∂loss/∂h_t‖
through the rows on one fixed batch (flow_comparison.py), and every sentence the page shows.
The measurement does not depend on the model in use, so a result stays until measured again."""

from __future__ import annotations

from ...flow_comparison import FLOW_BATCH, FlowCurve, flow_summary
from ...text import format_percent, plural

CAPTION = (f"How much the answer still depends on what each cell held after row t: the last layer's mean "
           f"‖∂loss/∂h_t‖ on the first {FLOW_BATCH} test digits (their true labels), each model relative to "
           "its own largest.")  # fmt: skip
PLOT_ORDER = ("rnn", "gru", "lstm")  # the plain cell first, then the gated ones: the legend reads as the comparison


class FlowState:
    def __init__(self):
        self.curves: list[FlowCurve] = []
        self.partial: list[FlowCurve] = []  # of the measurement under way
        self.running = False
        self.progress = 0.0
        self.error = ""
        self.job = 0  # which measurement is under way; a late result of an older one is refused

    def begin(self) -> int:
        self.job += 1
        self.running, self.progress, self.error, self.partial = True, 0.0, "", []
        return self.job

    def report(self, job: int, fraction: float) -> None:
        if job == self.job:
            self.progress = float(fraction)

    def add(self, job: int, curves: list[FlowCurve]) -> bool:
        """Models measured so far: shown while the others are, in place of the previous result."""
        if job != self.job or not self.running:
            return False
        self.partial = sorted(self.partial + list(curves), key=lambda c: PLOT_ORDER.index(c.cell))
        return True

    def shown(self) -> list[FlowCurve]:
        """What the plot draws: the models measured so far while measuring, else the last result."""
        return self.partial if self.running else self.curves

    def finish(self, job: int, curves: list[FlowCurve] | None) -> bool:
        if job != self.job or curves is None:
            return False
        self.curves = sorted(curves, key=lambda c: PLOT_ORDER.index(c.cell))
        self.running, self.progress = False, 1.0
        return True

    def fail(self, job: int, message: str) -> bool:
        if job != self.job:
            return False
        self.running, self.error = False, message
        return True

    def stop(self) -> None:
        self.running = False

    def status_text(self, models: int) -> str:
        if self.error:
            return f"The measurement failed: {self.error}"
        if self.running:
            return f"Measuring {plural(models, 'shipped model')}, one at a time… {format_percent(self.progress)}"
        if self.curves:
            return flow_summary(self.curves)
        return f"Press Measure to back-propagate through the {plural(models, 'shipped model')} (a few seconds each)."
