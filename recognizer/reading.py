"""The one model in use: a model file's network, metadata and verdict parameters with the one
Tracer built for them, answering read(image28) -> Reading (the trace, its logits included, and the
verdict). The window hands this same object to every tab, the CLI's predict and evaluate read
through it; each takes what it needs (the tracer, the network, the name, the parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .files.model_file import LoadedModel, load_model
from .network.trace import Trace, Tracer
from .trust.verdict import Verdict, judge


@dataclass(frozen=True)
class Reading:
    trace: Trace | None  # None: nothing to read
    verdict: Verdict


class ReadingSession:
    """A loaded model and its one Tracer. The file's contents never change under it: a model saved
    under a new name is a new session (renamed) that shares the Tracer."""

    def __init__(self, loaded: LoadedModel, tracer: Tracer | None = None):
        self.loaded = loaded
        self.tracer = tracer if tracer is not None else Tracer(loaded.model)

    @classmethod
    def load(cls, path: str | Path) -> ReadingSession:
        """model_file.load_model's checks and errors (ModelFileError, one line), then one Tracer."""
        return cls(load_model(path))

    def renamed(self, saved: LoadedModel) -> ReadingSession:
        """The same network, now saved as saved.path: no second Tracer."""
        return ReadingSession(saved, self.tracer)

    @property
    def model(self):
        return self.loaded.model

    @property
    def trust(self):
        return self.loaded.trust

    @property
    def path(self) -> Path | None:
        return self.loaded.path

    @property
    def name(self) -> str:
        return self.loaded.name

    @property
    def metadata(self) -> dict:
        return self.loaded.metadata

    @property
    def test_accuracy(self) -> float | None:
        return self.loaded.test_accuracy

    @property
    def layers(self) -> int:
        return len(self.tracer.hidden_sizes)

    @property
    def temperature(self) -> float | None:
        """The verdict's temperature (None: the file has no parameters), by which every shown
        probability is calibrated."""
        return None if self.loaded.trust is None else self.loaded.trust.temperature

    def describe(self) -> str:
        return self.loaded.model.describe()

    def read(self, image28: np.ndarray | None, strokes_extent: float | None = None) -> Reading:
        """The trace and the verdict of one 28x28 image (ink high, [0, 1]; None: nothing to read).
        strokes_extent: strokes.strokes_extent(strokes) for a drawing, None for a picture."""
        trace = None if image28 is None else self.tracer(image28)
        return Reading(trace, judge(trace, self.loaded.trust, strokes_extent))
