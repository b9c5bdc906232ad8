"""Compare, without Qt: a second model (B) reads the same input as Draw & Inspect's model (A).

B gets an InspectState of its own, fed the input of A's, so both answers are worded by the same
code (InspectState.answer) and judged the same way. Nothing here assumes an LSTM: the heatmaps
show h of each model's last layer, whatever its cell, and its size comes from the trace.
"""

from __future__ import annotations

import numpy as np

from ...evaluation.model_comparison import answer_probability, decision_row
from ...network.dims import ROWS
from ...text import plural
from .state import Answer, InspectState

A, B = "a", "b"


class CompareState:
    def __init__(self, main: InspectState):
        self.main = main  # model A: Draw & Inspect's own state
        self.other = InspectState()  # model B
        self.names = {A: "", B: ""}
        self.descriptions = {A: "", B: ""}  # model.describe(): "LSTM 128"
        self.active = False

    # --- inputs --------------------------------------------------------------------------------
    def set_model_a(self, name: str, description: str = "") -> None:
        self.names[A], self.descriptions[A] = name, description

    def set_model_b(self, session) -> None:
        """B: a reading.ReadingSession of its own (its name and description come from it)."""
        self.names[B], self.descriptions[B] = session.name, session.describe()
        self.other.set_session(session)
        self.follow()

    def set_active(self, on: bool) -> None:
        self.active = bool(on)
        self.follow()

    def follow(self) -> None:
        """Read A's current input with B (nothing while Compare is off: no work for a hidden view)."""
        if not self.active or self.other.tracer is None:
            return
        main = self.main
        self.other.set_input(main.image28, main.source, has_marks=main.has_marks, extent=main.extent)

    @property
    def ready(self) -> bool:
        return self.active and self.other.tracer is not None

    def state(self, which: str) -> InspectState:
        return self.main if which == A else self.other

    def trace(self, which: str):
        return self.state(which).trace if self.ready else None

    # --- what the views show -------------------------------------------------------------------
    def answer(self, which: str) -> Answer:
        if which == B and self.other.tracer is None:
            return Answer("", "", "Choose a model to compare with.")
        return self.state(which).answer()

    def title(self, which: str) -> str:
        name, description = self.names[which] or "no model", self.descriptions[which]
        return f"{which.upper()}: {name}" + (f" ({description})" if description else "")

    def decided_row(self, which: str) -> int | None:
        """0-based row from which this model's answer never changed again (comparison.decision_row)."""
        trace = self.trace(which)
        return None if trace is None else decision_row(trace.probabilities)

    def decided_text(self, which: str) -> str:
        row = self.decided_row(which)
        if row is None:
            return ""
        if row == 0:
            return f"led with {self.trace(which).prediction} from row 1 on"
        return f"made up its mind at row {row + 1} of {ROWS}"

    def answer_line(self, which: str) -> np.ndarray | None:
        """(28,): its probability (calibrated, as its answer's "% sure"), after each row, of the answer it ends up giving."""
        trace = self.trace(which)
        return None if trace is None else answer_probability(self.state(which).probabilities)

    def hidden(self, which: str) -> np.ndarray | None:
        """(28, units): h of its last layer after every row."""
        trace = self.trace(which)
        return None if trace is None else trace.layers[-1].h

    def hidden_title(self, which: str) -> str:
        """Over each heatmap; short, as two share the column."""
        trace = self.trace(which)
        if trace is None:
            return which.upper()
        return f"{which.upper()}: h, {trace.layers[-1].h.shape[1]} units"  # of its last layer (the tooltip says)

    def summary(self) -> str:
        """One sentence on how the two readings compare."""
        if not self.active:
            return ""
        if self.other.tracer is None:
            return "Choose a second model above: both will read your drawing."
        ta, tb = self.trace(A), self.trace(B)
        if ta is None or tb is None:
            return "Draw a digit: both models will read it at once."
        ra, rb = self.decided_row(A), self.decided_row(B)
        if ta.prediction == tb.prediction:
            start = f"Both read {ta.prediction}"
            if ra == rb:
                return f"{start}, and settled on it at the same row ({ra + 1})."
            first, later = (A, B) if ra < rb else (B, A)
            return (f"{start}; {first.upper()} settled on it {plural(abs(rb - ra), 'row')} earlier "
                    f"(row {min(ra, rb) + 1}, {later.upper()} at row {max(ra, rb) + 1}).")  # fmt: skip
        return (f"They disagree: A reads {ta.prediction} (settled at row {ra + 1}), "
                f"B reads {tb.prediction} (settled at row {rb + 1}).")  # fmt: skip

    def row_text(self, row: int) -> str:
        """What each leans to at this row (0-based)."""
        ta, tb = self.trace(A), self.trace(B)
        if ta is None or tb is None:
            return ""
        row = min(max(int(row), 0), ROWS - 1)
        return f"Row {row + 1}: A leans to {ta.leader(row)}, B to {tb.leader(row)}."
