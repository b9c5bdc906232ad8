"""Confidence that means what it says: temperature scaling, expected calibration error and the
reliability curve (what the Evaluate tab can draw as a reliability diagram).

Qt-free, numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BINS = 15


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=-1, keepdims=True)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(labels)), labels].mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray, lo: float = 0.05, hi: float = 20.0) -> float:
    """The temperature T > 0 that minimises the mean negative log-likelihood of softmax(logits / T):
    a coarse grid in log T, then golden-section refinement (the NLL is unimodal in T)."""
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    if len(labels) == 0:
        return 1.0
    grid = np.geomspace(lo, hi, 41)
    losses = [nll(logits, labels, t) for t in grid]
    k = int(np.argmin(losses))
    a, b = np.log(grid[max(k - 1, 0)]), np.log(grid[min(k + 1, len(grid) - 1)])
    g = (np.sqrt(5) - 1) / 2
    for _ in range(40):
        c, d = b - g * (b - a), a + g * (b - a)
        if nll(logits, labels, np.exp(c)) < nll(logits, labels, np.exp(d)):
            b = d
        else:
            a = c
    return float(np.exp((a + b) / 2))


@dataclass(frozen=True)
class Reliability:
    """Confidence (the top probability) against accuracy, in equal-width bins over [0, 1]."""

    edges: np.ndarray  # (bins + 1,)
    counts: np.ndarray  # (bins,) images whose confidence falls in each bin
    confidence: np.ndarray  # (bins,) mean confidence in the bin (NaN where empty)
    accuracy: np.ndarray  # (bins,) share right in the bin (NaN where empty)
    ece: float  # expected calibration error: sum over bins of count/N * |accuracy - confidence|
    mce: float  # maximum calibration error over the non-empty bins

    def to_dict(self) -> dict:
        clean = lambda a: [None if not np.isfinite(v) else round(float(v), 6) for v in a]  # noqa: E731
        return {"edges": clean(self.edges), "counts": [int(c) for c in self.counts],
                "confidence": clean(self.confidence), "accuracy": clean(self.accuracy),
                "ece": self.ece, "mce": self.mce}


def reliability(probabilities: np.ndarray, labels: np.ndarray, bins: int = BINS) -> Reliability:
    """probabilities (N, 10), labels (N,) -> the reliability curve and ECE in `bins` bins."""
    p = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    conf = p.max(axis=1) if len(p) else np.zeros(0)
    right = (p.argmax(axis=1) == labels) if len(p) else np.zeros(0, bool)
    edges = np.linspace(0.0, 1.0, bins + 1)
    # Bins are (lo, hi], the first one [0, hi]: a confidence of exactly 1 falls in the last.
    which = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    conf_sum = np.bincount(which, weights=conf, minlength=bins)
    right_sum = np.bincount(which, weights=right.astype(np.float64), minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.where(counts > 0, conf_sum / counts, np.nan)
        acc = np.where(counts > 0, right_sum / counts, np.nan)
    gap = np.abs(np.nan_to_num(acc) - np.nan_to_num(mean_conf))
    n = max(len(conf), 1)
    ece = float((counts / n * gap).sum())
    mce = float(gap[counts > 0].max()) if (counts > 0).any() else 0.0
    return Reliability(edges, counts, mean_conf, acc, ece, mce)


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = BINS) -> float:
    return reliability(probabilities, labels, bins).ece


__all__ = ["BINS", "Reliability", "expected_calibration_error", "fit_temperature", "nll", "reliability", "softmax"]


def before_and_after(probabilities: np.ndarray, labels: np.ndarray, temperature: float | None) -> tuple[Reliability, Reliability | None]:
    """The reliability of the model's own probabilities and, when it has a temperature, of the
    temperature-scaled ones the window shows (None without one)."""
    before = reliability(probabilities, labels)
    if temperature is None:
        return before, None
    logits = np.log(np.clip(np.asarray(probabilities, np.float64), 1e-30, 1.0))  # up to a constant
    return before, reliability(softmax(logits, temperature), labels)
