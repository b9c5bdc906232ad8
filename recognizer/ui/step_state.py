"""The words of the step panel (step_panel.py), without Qt: which step is shown (layer, unit, row),
following the tab's row and the chain back through h_{t-1}, and every sentence the panel shows for
it, from step_arithmetic.step (imported when first asked: it loads torch, which the window loads
after it is on screen). Shared by Draw & Inspect and the Lab; on the Lab's edited reading the
interventions come with the trace and each edit is said where it acts (a pinned gate, a silenced
unit's h, a hidden row).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..network.dims import ROWS

NAMED = 4  # contributors named per source: enough to see who matters, short enough to read
SYMBOL = {"input": "i", "forget": "f", "candidate": "g", "output": "o", "reset": "r", "update": "z",
          "preactivation": "a"}  # fmt: skip
WORDS = {
    "input": "Input gate: how much of the candidate is written into memory",
    "forget": "Forget gate: how much of the old memory is kept",
    "candidate": "Candidate: the new content this row proposes",
    "output": "Output gate: how much of the memory shows in h",
    "reset": "Reset gate: how much of the old h the candidate sees",
    "update": "Update gate: how much of the old h is kept",
    "preactivation": "Pre-activation: what the tanh turns into h",
}


@dataclass(frozen=True)
class GateText:
    title: str  # "Forget gate f: how much of the old memory is kept"
    sum: str  # the three sources, their sum and the squashing
    inputs: str  # the largest contributors from the row's pixels or the layer below
    recurrent: list[tuple[int, str]]  # (unit of h_{t-1}, its share as text): clickable


def _signed(v: float) -> str:
    return f"{v:+.3f}".replace("-", "−")


def _plain(v: float) -> str:
    return f"{v:.3f}".replace("-", "−")


def _sum(terms: list[tuple[float, str]]) -> str:
    """[(0.5, "[pixels]"), (-1.2, "[bias]")] -> "0.500 [pixels] − 1.200 [bias]": signs as a student writes them."""
    out = ""
    for k, (v, what) in enumerate(terms):
        sign = ("−" if v < 0 else "") if k == 0 else (" − " if v < 0 else " + ")
        out += f"{sign}{abs(v):.3f} {what}"
    return out


class StepState:
    def __init__(self):
        self.tracer = None
        self.trace = None
        self.interventions = None  # the Lab's edits of the reading, None in Draw & Inspect
        self.layer = 0
        self.unit: int | None = None  # None: nothing asked yet
        self.row = ROWS - 1
        self._step = None  # step_arithmetic.Step for the above, computed when first asked

    def set_trace(self, tracer, trace, interventions=None) -> None:
        """A new drawing (or model, or edit): the same unit and row, recomputed; a unit the model
        no longer has is forgotten."""
        self.tracer, self.trace, self.interventions, self._step = tracer, trace, interventions, None
        if trace is None or self.unit is None:
            return
        if self.layer >= len(trace.layers) or self.unit >= trace.layers[self.layer].h.shape[1]:
            self.unit = None

    def open(self, layer: int, unit: int, row: int) -> None:
        self.layer, self.unit, self.row, self._step = layer, unit, row, None

    def set_row(self, row: int) -> None:
        if row != self.row:
            self.row, self._step = row, None

    def follow(self, unit: int) -> int:
        """Move to a unit of h_{t-1}: the same layer, one row back. Returns the new row."""
        self.open(self.layer, unit, max(self.row - 1, 0))
        return self.row

    @property
    def step(self):
        if self._step is None and self.ready:
            from ..network.step_arithmetic import step

            self._step = step(self.tracer, self.trace, self.layer, self.unit, self.row, self.interventions)
        return self._step

    @property
    def ready(self) -> bool:
        return self.tracer is not None and self.trace is not None and self.unit is not None

    # --- the words ---------------------------------------------------------------------------

    def title(self) -> str:
        if not self.ready:
            return "Click a cell of the heatmap (a unit at a row) to see the arithmetic of that step."
        s = self.step
        return f"Unit {s.unit} of layer {s.layer + 1}, reading row {s.row + 1} ({s.cell.upper()})"

    def sources_text(self) -> str:
        s = self.step
        below = "row's 28 pixels" if s.from_pixels else f"units of layer {s.layer} after this row"
        before = "h before the first row is 0" if s.row == 0 else f"this layer's h after row {s.row}"
        text = f"Each gate adds up three sources: the {below} (through W), {before} (through U), and a bias b."
        hidden = self.interventions.hidden if self.interventions else None
        if s.from_pixels and hidden is not None and hidden.first <= s.row <= hidden.last:
            text += f" Row {s.row + 1} is hidden (rows {hidden.first + 1}–{hidden.last + 1}): its pixels read as blank."
        return text

    def gate_texts(self) -> list[GateText]:
        return [self._gate_text(g) for g in self.step.gates]

    def _gate_text(self, g) -> GateText:
        s, sym = self.step, SYMBOL[g.name]
        r = "r × " if s.cell == "gru" and g.name == "candidate" else ""
        before = "h_prev" if s.row == 0 else f"h after row {s.row}"
        below = "pixels" if s.from_pixels else f"layer {s.layer}"
        total = _sum([(g.inputs.total, f"[{below}]"), (g.recurrent.total, f"[{r}{before}]"), (g.bias, "[bias]")])
        if g.squash:
            squashed = f"{g.squash}({total}) = {g.squash}({_plain(g.pre)}) = "
            result = squashed + _plain(g.value)
            if g.computed is not None:  # the Lab pinned it: the pin is what the update uses
                result = f"{g.value:g}, pinned ({squashed}{_plain(g.computed)}, unused)"
        else:
            result = f"{total} = {_plain(g.pre)}"
        what = "column" if s.from_pixels else "unit"
        named = ", ".join(f"{what} {j} {_signed(v)}" for j, v in g.inputs.largest(NAMED))
        inputs = f"Largest from {'the pixels' if s.from_pixels else 'the layer below'}: {named or 'nothing (blank)'}"
        recurrent = [(j, f"unit {j} {_signed(v)}") for j, v in g.recurrent.largest(NAMED)]
        return GateText(f"{WORDS[g.name].replace(':', f' {sym}:', 1)}", f"{sym} = {result}", inputs, recurrent)

    def update_text(self) -> str:
        """The cell's own equations with this step's numbers; a silenced unit's update as computed,
        then its h (and c) held at 0."""
        s = self.step
        if s.silenced is None:
            return _update_text(s, s.c, s.h)
        held = "h = 0" if s.c is None else "h = 0 and c = 0"
        return (f"{_update_text(s, s.computed_c, s.computed_h)}\n"
                f"Unit {s.unit} is silenced from row {s.silenced.from_row + 1}: {held}")  # fmt: skip

    def recurrent_label(self) -> str:
        if self.row == 0:
            return "Nothing from h before row 1 (it is 0)."
        return f"From h after row {self.row}:"

    def chain_hint(self) -> str:
        if self.row == 0:
            return "Row 1 is the first: there is no earlier h to follow."
        return f"Click a unit of h after row {self.row} to follow the chain one row back."


def _update_text(s, c, h) -> str:
    """The cell's equations with the gates' values, giving c and h."""
    v = {g.name: g.value for g in s.gates}
    if s.cell == "lstm":
        return (f"Memory  c = f·c_prev + i·g = {_plain(v['forget'])} × {_plain(s.c_prev)} + "
                f"{_plain(v['input'])} × {_plain(v['candidate'])} = {_plain(c)}\n"
                f"Output  h = o·tanh(c) = {_plain(v['output'])} × tanh({_plain(c)}) = {_plain(h)}")  # fmt: skip
    if s.cell == "gru":
        return (f"Output  h = (1 − z)·n + z·h_prev = (1 − {_plain(v['update'])}) × {_plain(v['candidate'])} + "
                f"{_plain(v['update'])} × {_plain(s.h_prev)} = {_plain(h)}")  # fmt: skip
    return f"Output  h = tanh(a) = tanh({_plain(v['preactivation'])}) = {_plain(h)}"
