"""What the neighbour strip shows, without Qt: whether the model's index is there, being built or
missing, and the training digits nearest to the drawing's memory after the current row, with
every sentence the strip says (tests/test_neighbour_strip.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...evaluation.neighbours import K, NeighbourIndex
from ...network.dims import ROWS
from ..job_slot import JobSlot

NO_MODEL, CHECKING, MISSING, BUILDING, READY, FAILED = "no model", "checking", "missing", "building", "ready", "failed"


@dataclass(frozen=True, eq=False)
class Neighbour:
    position: int  # in the index's sample
    train_index: int  # in MNIST's training set
    image: np.ndarray  # (28, 28) uint8
    label: int

    @property
    def caption(self) -> str:
        return f"Training digit #{self.train_index + 1:,} (a {self.label})"


class NeighbourState:
    """slot: the index's look-up or build under way (the strip hands it its runner); a new model's
    look-up replaces the old model's, whose late answer never arrives."""

    def __init__(self, k: int = K):
        self.k = k
        self.slot = JobSlot()
        self.phase = NO_MODEL
        self.index: NeighbourIndex | None = None
        self.states: np.ndarray | None = None  # (28, n): the drawing's last-layer h after each row
        self.row = ROWS - 1
        self.done = self.total = 0
        self.failure = ""

    # --- what happens -------------------------------------------------------------------------
    def set_model(self, has_model: bool) -> None:
        """A new model (or none): its index is looked for in the cache first."""
        self.index, self.failure, self.done, self.total = None, "", 0, 0
        self.phase = CHECKING if has_model else NO_MODEL

    def set_cached(self, index: NeighbourIndex | None) -> None:
        self.index = index
        self.phase = READY if index is not None else MISSING

    def start_building(self) -> bool:
        """Whether a build is to start (only when the model's index is missing or failed)."""
        if self.phase not in (MISSING, FAILED):
            return False
        self.phase, self.done, self.total, self.failure = BUILDING, 0, 0, ""
        return True

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def built(self, index: NeighbourIndex | None) -> None:
        """The build's result; None when it was stopped."""
        self.set_cached(index)

    def failed(self, message: str) -> None:
        self.phase, self.failure = FAILED, message

    def set_trace(self, states: np.ndarray | None) -> None:
        self.states = None if states is None else np.asarray(states, np.float32)

    def set_row(self, row: int) -> None:
        self.row = min(max(int(row), 0), ROWS - 1)

    # --- what is shown ------------------------------------------------------------------------
    @property
    def can_build(self) -> bool:
        return self.phase in (MISSING, FAILED)

    def neighbours(self) -> list[Neighbour]:
        index = self.index
        if self.phase != READY or index is None or self.states is None or self.states.shape[1] != index.states.shape[2]:
            return []
        found = index.query(self.states[self.row], self.row, self.k)
        return [Neighbour(int(p), int(index.indices[p]), index.images[p], int(index.labels[p])) for p in found]

    def status_text(self, found: list[Neighbour] | None = None) -> str:
        """found: neighbours() when the caller has them already (one query per row)."""
        if self.phase == NO_MODEL:
            return "No model loaded."
        if self.phase == CHECKING:
            return "Looking for this model's index of training digits…"
        if self.phase == MISSING:
            return "Find the training digits whose memory is nearest to yours, row by row (built once per model)."
        if self.phase == BUILDING:
            share = f" {self.done:,} of {self.total:,} digits" if self.total else ""
            return f"Building the index: reading the training digits…{share}"
        if self.phase == FAILED:
            return f"Could not build the index: {self.failure}"
        if self.states is None:
            return "Draw a digit to see the training digits it is reminded of."
        found = self.neighbours() if found is None else found
        labels = sorted({n.label for n in found})
        which = ", ".join(str(d) for d in labels)
        return f"After row {self.row + 1}: nearest are {which} (click one to inspect it)"

    def progress_percent(self) -> int:
        return int(round(100 * self.done / self.total)) if self.total else 0
