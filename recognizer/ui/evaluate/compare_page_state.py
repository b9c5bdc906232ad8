"""The Evaluate tab's Compare page, without Qt: model A (the tab's model) against a model B on the
10,000 test digits, and every sentence the page shows. The computation is comparison.compare_models.

A result belongs to the pair it was computed for: a new model A (the tab's version) or another
B makes it stale, and a late result of an older pair never arrives (the job slot drops it).
"""

from __future__ import annotations

from pathlib import Path

from ...evaluation.model_comparison import ModelComparison
from ...text import format_accuracy, format_percent, plural
from ..job_slot import JobSlot


class ComparisonState:
    """slot: the comparison under way (the page hands it the tab's runner)."""

    def __init__(self):
        self.slot = JobSlot()
        self.path_b: Path | None = None  # the chosen B
        self.name_b = ""
        self.result: ModelComparison | None = None
        self.pair: tuple | None = None  # (A's version, B's path, B's name) the result is for
        self._asked: tuple | None = None  # (A's version, B's path) of the comparison under way

    def choose(self, path: str | Path | None) -> None:
        """B is the model at path (None: no B, when there is no other model)."""
        self.path_b = None if path is None else Path(path)
        self.name_b = "" if path is None else self.path_b.name
        self.slot.error = ""

    def begin(self, version_a: int) -> None:
        self._asked = (version_a, self.path_b)

    def finish(self, result: ModelComparison, name_b: str) -> None:
        self.result, self.pair, self.name_b = result, (*self._asked, name_b), name_b

    def failed(self) -> None:
        """The comparison could not be made (B would not load): back to the last B that worked."""
        if self.pair is not None:
            _, self.path_b, self.name_b = self.pair

    def current(self, version_a: int) -> ModelComparison | None:
        """The result, if it is for this model A and the chosen B."""
        return self.result if self.pair is not None and self.pair[:2] == (version_a, self.path_b) else None

    # --- words ---------------------------------------------------------------------------------
    def status_text(self, version_a: int, has_model: bool) -> str:
        if not has_model:
            return "No model loaded: load one to compare it with another."
        if self.path_b is None:
            return "No other model to compare with yet: train one in the Train tab."
        if self.slot.busy:
            return f"Both models are reading the test digits… {format_percent(self.slot.progress)}"
        result = self.current(version_a)
        if self.slot.error and result is None:
            return self.slot.error
        if result is None:
            return f"Press Compare to read the test digits with {self.name_b} too."
        return (f"Both right on {plural(result.both_right, 'digit')}, "
                f"both wrong on {plural(result.both_wrong, 'digit')}; they give the same answer on "
                f"{format_percent(result.agreement)} of the {len(result.labels):,}.")  # fmt: skip

    def accuracy_text(self, which: str, name: str, version_a: int) -> str:
        result = self.current(version_a)
        name = name if which == "a" else self.name_b or "no other model"
        if result is None:
            return f"{which.upper()}: {name}"
        accuracy = result.accuracy_a if which == "a" else result.accuracy_b
        return f"{which.upper()}: {format_accuracy(accuracy)}  {name}"

    def grid_title(self, which: str, version_a: int) -> str:
        me, other = which.upper(), "B" if which == "a" else "A"
        result = self.current(version_a)
        count = "" if result is None else f": {plural(len(result.only_right(which)), 'digit')}"
        return f"{me} right, {other} wrong{count}"

    def thumb_text(self, which: str, i: int) -> str:
        """Under a thumbnail: the true digit and what the other model answered, "7 · B: 1"."""
        result = self.result
        other = "B" if which == "a" else "A"
        wrong = result.predictions_b[i] if which == "a" else result.predictions_a[i]
        return f"{result.labels[i]} · {other}: {wrong}"

    def tooltip(self, i: int) -> str:
        r = self.result
        return (f"Test digit #{i:,}, a {r.labels[i]}: A reads {r.predictions_a[i]} ({format_percent(float(r.probabilities_a[i].max()))}), "
                f"B reads {r.predictions_b[i]} ({format_percent(float(r.probabilities_b[i].max()))}).")  # fmt: skip
