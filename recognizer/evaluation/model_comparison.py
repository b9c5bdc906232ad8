"""Two models side by side: when each makes up its mind while reading a digit, and where one reads
the test set right and the other wrong.

numpy only at import, so Draw & Inspect can use decision_row before the window loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


def decision_row(probabilities: np.ndarray) -> int:
    """The row (0-based) at which a reading made up its mind: the first row from which the leading
    class never changes again, so that it leads at every later row and is the final answer.

    probabilities: (rows, classes), the answer after each row (Trace.probabilities). Row 0 means
    the answer led from the first row on; the last row means it took the lead only at the end.
    Ties count for the lower class, as argmax breaks them.
    """
    leaders = np.asarray(probabilities).argmax(axis=1)
    other = np.flatnonzero(leaders != leaders[-1])
    return 0 if len(other) == 0 else int(other[-1]) + 1


def answer_probability(probabilities: np.ndarray) -> np.ndarray:
    """(rows,): the probability, after each row, of the class the reading ends up answering."""
    p = np.asarray(probabilities)
    return p[:, int(p[-1].argmax())]


@dataclass(frozen=True, eq=False)
class ModelComparison:
    """Both models' answers on the same labelled images."""

    labels: np.ndarray  # (N,)
    probabilities_a: np.ndarray  # (N, 10)
    probabilities_b: np.ndarray

    @property
    def predictions_a(self) -> np.ndarray:
        return self.probabilities_a.argmax(axis=1)

    @property
    def predictions_b(self) -> np.ndarray:
        return self.probabilities_b.argmax(axis=1)

    @property
    def accuracy_a(self) -> float:
        return float((self.predictions_a == self.labels).mean()) if len(self.labels) else 0.0

    @property
    def accuracy_b(self) -> float:
        return float((self.predictions_b == self.labels).mean()) if len(self.labels) else 0.0

    def only_right(self, which: str) -> np.ndarray:
        """Indices of the images model `which` ("a" or "b") reads right and the other wrong, the
        other model's most confident mistakes first."""
        right_a, right_b = self.predictions_a == self.labels, self.predictions_b == self.labels
        mine, theirs = (right_a & ~right_b, self.probabilities_b) if which == "a" else (right_b & ~right_a, self.probabilities_a)
        indices = np.flatnonzero(mine)
        return indices[np.argsort(-theirs[indices].max(axis=1), kind="stable")]

    @property
    def both_right(self) -> int:
        return int(((self.predictions_a == self.labels) & (self.predictions_b == self.labels)).sum())

    @property
    def both_wrong(self) -> int:
        return int(((self.predictions_a != self.labels) & (self.predictions_b != self.labels)).sum())

    @property
    def agreement(self) -> float:
        """The share of images on which both give the same answer, right or wrong."""
        return float((self.predictions_a == self.predictions_b).mean()) if len(self.labels) else 0.0


def compare_models(model_a, model_b, images, labels, progress: Callable[[float], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> ModelComparison:  # fmt: skip
    """Both models (RowRNN or any model evaluate.final_states takes) on the same images;
    progress(fraction) as the batches go (the first model is the first half), evaluate.Stopped
    when should_stop() says so."""
    from .accuracy import final_states  # late: torch

    def part(model, offset):
        report = None if progress is None else (lambda done, total: progress(offset + 0.5 * done / total))
        return final_states(model, images, progress=report, should_stop=should_stop)[0]

    return ModelComparison(np.asarray(labels, np.int64), part(model_a, 0.0), part(model_b, 0.5))
