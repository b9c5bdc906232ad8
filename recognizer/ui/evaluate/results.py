"""What the Evaluate tab's background jobs compute, without Qt: the test-set result, the answers on
a whole dataset, and a robustness check's curves (with how its levels read in plain words).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ...evaluation import analysis
from ...evaluation.accuracy import Evaluation, final_states
from ...evaluation.analysis import PCA, Perturbation, RobustnessCurve
from ...text import format_percent
from ...trust.verdict import judge_batch


@dataclass(frozen=True, eq=False)
class TestSetResult:
    evaluation: Evaluation
    hidden: np.ndarray  # (N, H) final hidden states of the last layer
    pca: PCA
    points: np.ndarray  # (N, 2) hidden states projected on the first two components
    seconds: float  # wall time of the evaluation itself (not the PCA)
    # What the verdict (verdict.py) says of each mistake it would not give as a digit: test index
    # -> "unsure" or "not-a-digit". Only the mistakes are judged: a few dozen digits, not 10,000.
    turned_away: dict[int, str] = field(default_factory=dict)


def evaluate_test_set(model, trust, images, labels, report, should_stop) -> TestSetResult:
    """The test set's evaluation by model (a RowRNN), its mistakes judged with its file's verdict
    parameters (trust; None: none)."""
    start = time.perf_counter()
    evaluation, hidden = analysis.evaluate_with_hidden(
        model, images, labels, progress=lambda done, total: report(done / total), should_stop=should_stop
    )
    seconds = time.perf_counter() - start
    pca = analysis.fit_pca(hidden, 2)

    mistakes = np.flatnonzero(evaluation.predictions != evaluation.labels)
    verdicts = judge_batch(model, np.asarray(images)[mistakes], trust) if len(mistakes) else []
    turned_away = {int(i): v.kind for i, v in zip(mistakes, verdicts) if v.kind != "digit"}
    return TestSetResult(evaluation, hidden, pca, pca.transform(hidden), seconds, turned_away)


def predict(model, images, report, should_stop) -> np.ndarray:
    """The model's probabilities (N, 10) for many images, reporting the fraction done."""
    return final_states(model, images, progress=lambda done, total: report(done / total), should_stop=should_stop)[0]



# The robustness plots: group, title, and the x axis in plain words.
ROBUSTNESS_GROUPS = (
    ("shift", "Shift", "digit moved by N pixels (−: left or up)"),
    ("rotate", "Rotation", "digit turned by N degrees (+: counter-clockwise)"),
    ("thicken", "Stroke width", "stroke thickened by N pixels (−: thinned)"),
    ("noise", "Noise", "noise level (share of full ink)"),
)
ROBUSTNESS_SIZES = (500, 1000, 2000, 5000, 10000)
DEFAULT_ROBUSTNESS_SIZE = 2000


def describe_level(p: Perturbation, level: float) -> str:
    """A perturbation's level as a person writes it: +4 px, −30°, +1.5 px, noise 20%."""
    if p.group == "noise":
        return f"noise {format_percent(level)}"
    unit = "°" if p.unit == "degrees" else " px"  # a thickening step spreads the ink a pixel
    return f"{level:+g}{unit}".replace("-", "−")


@dataclass(eq=False)
class RobustnessResult:
    """One robustness check: the curves so far, finished or not."""

    indices: np.ndarray  # the test digits measured
    curves: dict[str, RobustnessCurve] = field(default_factory=dict)
    done: int = 0  # levels measured
    total: int = 0
    finished: bool = False
    stopped: bool = False
    error: str = ""

    @property
    def plain_accuracy(self) -> float | None:
        """The accuracy on the untouched digits (level 0), once measured."""
        for c in self.curves.values():
            zero = np.flatnonzero(c.levels == 0)
            if len(zero) and np.isfinite(c.accuracy[zero[0]]):
                return float(c.accuracy[zero[0]])
        return None
