"""What the Lab shows, without Qt: the model, the drawing it reads (Draw & Inspect's input), the
active interventions, the original and the edited reading, the ranking of the units and the
effect on the test set, and every sentence the tab says. tab.py only shows this state and hands
it the user's actions; tests/test_lab_state.py checks it without a display.

Results computed in the background (the ranking, the test set) run in a job slot each
(ui/job_slot.py); a new drawing, edit or model makes the one under way stale, and its result is
dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...network.dims import ROWS
from ...network.interventions import CELL_PINS, HiddenRows, Interventions, Part, Pin, Silence, Temperature
from ...text import format_accuracy, format_change
from ...text import format_percent as percent
from ..job_slot import JobSlot

SATURATED = 0.001  # no unit alone moves the answer's probability this much: the answer is saturated

if TYPE_CHECKING:  # they import torch, which the window loads after it is on screen
    from ...evaluation.accuracy import Evaluation
    from ...evaluation.lab import Ranking, TestSetEffect
    from ...files.model_file import LoadedModel
    from ...network.trace import Trace, Tracer


def parse_units(text: str, units: int) -> tuple[int, ...] | None:
    """'3, 17, 40-45' (shown 0-based, as the heatmap's axis) -> (3, 17, 40, ..., 45); '' or 'all'
    -> None. ValueError names what is wrong."""
    text = text.strip().lower()
    if text in ("", "all"):
        return None
    found: list[int] = []
    for piece in text.replace(";", ",").split(","):
        piece = piece.strip()
        if not piece:
            continue
        lo, _, hi = piece.partition("-")
        try:
            first, last = int(lo), int(hi or lo)
        except ValueError:
            raise ValueError(f"{piece!r} is not a unit number or a range like 40-45") from None
        if not 0 <= first <= last < units:
            raise ValueError(f"units run from 0 to {units - 1}: {piece!r} does not fit")
        found.extend(range(first, last + 1))
    return tuple(sorted(set(found))) or None


def units_field_text(units: tuple[int, ...] | None) -> str:
    """The units as the field shows them: runs collapsed, '40-45'."""
    if not units:
        return ""
    runs, start = [], units[0]
    for prev, u in zip(units, (*units[1:], None)):
        if u != prev + 1:
            runs.append(str(start) if start == prev else f"{start}-{prev}")
            start = u
    return ", ".join(runs)


class LabState:
    def __init__(self):
        self.loaded: LoadedModel | None = None
        self.tracer: Tracer | None = None
        self.image28: np.ndarray | None = None
        self.interventions = Interventions()
        self.layer = 0  # the layer the heatmap shows and edits apply to
        self.selected: tuple[int, ...] | None = None
        self.original: Trace | None = None
        self.edited: Trace | None = None
        self.ranking: Ranking | None = None
        self.effect: TestSetEffect | None = None
        self.before: Evaluation | None = None  # the unedited model on the test set, kept per model
        self.ranking_job = JobSlot()  # drawing, model or edit changed: the ranking under way is stale
        self.effect_job = JobSlot()  # model or edit changed: the test-set effect under way is stale
        self.notice = ""  # edits a new model cleared, said until the next edit

    # --- inputs --------------------------------------------------------------------------------
    def set_model(self, loaded: LoadedModel | None, tracer: Tracer | None) -> None:
        """Edits belong to the model they were made on: a new one starts without, and notice says
        which were cleared."""
        cleared = [part.describe(self.layers) for part in self.interventions.parts]
        old = self.loaded.name if self.loaded is not None else "the model"
        self.loaded, self.tracer = loaded, tracer
        self.interventions, self.layer, self.selected, self.before = Interventions(), 0, None, None
        self._edits_changed()
        if cleared:
            self.notice = f"The edits to {old} were cleared with the switch of model: {'; '.join(cleared)}."

    def set_image(self, image28) -> None:
        self.image28 = None if image28 is None else np.asarray(image28, np.float32).reshape(ROWS, ROWS)
        self._retrace()

    @property
    def layers(self) -> int:
        return 0 if self.tracer is None else len(self.tracer.hidden_sizes)

    @property
    def units(self) -> int:
        return 0 if self.tracer is None else self.tracer.hidden_sizes[self.layer]

    def set_layer(self, layer: int) -> None:
        self.layer = min(max(int(layer), 0), max(self.layers - 1, 0))
        self.selected = None
        self.ranking = None
        self.ranking_job.invalidate()

    def select(self, units: tuple[int, ...] | None) -> None:
        self.selected = units or None

    # --- edits ---------------------------------------------------------------------------------
    def add(self, part: Part) -> None:
        """ValueError (with the reason) when the part does not fit the model."""
        edited = self.interventions.add(part)
        if self.tracer is not None:
            edited.check(self.tracer.hidden_sizes, self.tracer.cell)
        self.interventions = edited
        self._edits_changed()

    def silence(self, units: tuple[int, ...] | None, from_row: int = 0) -> None:
        if not units:
            raise ValueError("Choose the units to silence: drag over them in the heatmap or type their numbers.")
        self.add(Silence(self.layer, tuple(units), from_row))

    @property
    def pins(self) -> dict[str, tuple[str, float]]:
        """The pins the model's cell has gates for, by the Lab's words (none for a plain RNN)."""
        return CELL_PINS["lstm" if self.tracer is None else self.tracer.cell]

    def pin(self, name: str, units: tuple[int, ...] | None) -> None:
        if name not in self.pins:
            raise ValueError(f"This model's cell has no gate for {name!r}.")
        gate, value = self.pins[name]
        self.add(Pin(self.layer, gate, value, units))

    def hide_rows(self, first: int, last: int) -> None:
        self.add(HiddenRows(min(first, last), max(first, last)))

    def set_temperature(self, value: float) -> None:
        self.add(Temperature(float(value)))

    def remove(self, part: Part) -> None:
        self.interventions = self.interventions.without(part)
        self._edits_changed()

    def reset(self) -> None:
        self.interventions = Interventions()
        self._edits_changed()

    def chips(self) -> list[tuple[str, Part]]:
        """Each active intervention with its words; a part that no weight edit equals says so."""
        n = self.layers
        return [(p.describe(n) + ("" if p.exact else " (not saved)"), p) for p in self.interventions.parts]

    def _edits_changed(self) -> None:
        self.notice = ""
        self.effect = None
        self.effect_job.invalidate()
        self._retrace()

    def _retrace(self) -> None:
        self.ranking_job.invalidate()
        self.ranking = None
        if self.tracer is None or self.image28 is None:
            self.original = self.edited = None
            return
        self.original = self.tracer(self.image28)
        self.edited = self.tracer(self.image28, self.interventions) if self.interventions else self.original

    # --- background results ----------------------------------------------------------------------
    def set_ranking(self, ranking: Ranking) -> None:
        self.ranking = ranking

    def set_effect(self, effect: TestSetEffect) -> None:
        self.effect, self.before = effect, effect.before

    def silence_top(self) -> None:
        self.silence(tuple(u for u, _ in self.ranking.top()))

    def silence_deciding(self) -> None:
        self.silence(self.ranking.deciding)

    # --- words ---------------------------------------------------------------------------------
    def answer_texts(self) -> tuple[str, str]:
        """(before, after): '7 (99.6%)' each, '' when there is nothing to read."""
        if self.original is None:
            return "", ""
        return tuple(f"{t.prediction} ({percent(t.confidence)})" for t in (self.original, self.edited))

    def hint(self) -> str:
        if self.tracer is None:
            return "No model loaded: load one with File › Load model…."
        if self.original is None:
            return "Draw a digit in Draw & Inspect: the Lab reads the same drawing."
        if self.notice:
            return self.notice
        if not self.interventions:
            return "No edits yet: silence units, pin a gate, hide rows or change the temperature."
        before, after = self.original, self.edited
        p_was = percent(float(after.probabilities[-1, before.prediction]))
        if after.prediction == before.prediction:
            return f"Still a {after.prediction}: its probability went from {percent(before.confidence)} to {p_was}."
        return f"The answer changed from {before.prediction} to {after.prediction} ({before.prediction} now {p_was})."

    def ranking_lines(self) -> list[str]:
        if self.ranking is None:
            return []
        return [f"unit {u}: −{format_change(d)}" if d > 0 else f"unit {u}: no fall" for u, d in self.ranking.top()]

    def deciding_text(self) -> str:
        r = self.ranking
        if r is None:
            return "Ranking the units…" if self.original is not None else ""
        saturated = (f"Saturated ({percent(r.probability)}): no unit alone moves it {format_change(SATURATED)}. "
                     if float(np.max(r.drops)) < SATURATED else "")  # fmt: skip
        if r.deciding is None:
            return saturated + f"Silencing all {len(r.drops)} units one after another never changes the answer {r.answer}."
        k = len(r.deciding)
        article = "an" if r.deciding_answer == 8 else "a"
        return saturated + f"Silencing the top {k} unit{'s' * (k != 1)} turns the {r.answer} into {article} {r.deciding_answer}."

    def effect_text(self) -> str:
        e = self.effect
        if e is None:
            return "Measure the edited network on the 10,000 test digits."
        if not self.interventions:
            return f"Accuracy {format_accuracy(e.after.accuracy)} (no edits)."
        return f"Accuracy {format_accuracy(e.before.accuracy)} before, {format_accuracy(e.after.accuracy)} with the edits."
