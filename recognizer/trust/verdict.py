"""Answers you can trust: "digit", "unsure" or "not-a-digit", with calibrated probabilities.

An LSTM trained on MNIST has to answer one of ten digits for anything it is shown, and its
softmax is sure of itself on a dot, a dash or a star. Three checks come on top of the answer:

- **too small**: a drawing whose extent is under strokes.MIN_EXTENT of the canvas (a click, a
  tick) is not a digit, whatever it looks like once framed;
- **unlike any digit**: one of two scores, beyond a threshold, makes the drawing "not-a-digit":
  - the energy of the logits, -log sum exp(logits): low for what the network recognises, high
    where no digit's logit stands out (the better one for a model trained with outliers.py's
    non-digits, which teaches exactly that);
  - a class-conditional Mahalanobis distance of the last layer's hidden states after rows 9, 18
    and 27, concatenated, to the ten digits' means under one shared covariance;
  both are fitted, and the one that turns away more of a fresh batch of outliers.py's non-digits
  at the same share of held-out digits is used (TrustParams.score);
- **not sure**: when the calibrated top probability is below a threshold, "unsure", with the two
  leading candidates; also, with or without the fitted checks, whenever the top two tie (a flat
  answer: no digit stands out).

Probabilities are temperature-scaled. The parameters are fitted on held-out digits by
trust_fit.py and travel in the model file beside the weights (trust_params.py holds them and
their format); a model without them loads and answers without rejection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..evaluation.accuracy import as_float_images
from ..inputs.strokes import is_too_small
from ..network.dims import CLASSES
from ..text import format_percent
from .params import FEATURE_ROWS, TrustParams
from .temperature import softmax

if TYPE_CHECKING:
    from ..network.trace import Trace

KINDS = ("digit", "unsure", "not-a-digit")


# --- features ----------------------------------------------------------------------------------
@torch.no_grad()
def batch_states(model, images, rows=FEATURE_ROWS, batch_size: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """images (N, 28, 28), uint8 0-255 or floats in [0, 1] -> logits (N, 10) and features
    (N, len(rows) * H): the last layer's hidden states at those rows, concatenated."""
    x = as_float_images(images)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    logits, feats = [], []
    try:
        for start in range(0, len(x), batch_size):
            seq = model.hidden_sequence(x[start : start + batch_size].to(device))
            logits.append(model.readout(seq[:, -1]).cpu())
            feats.append(seq[:, list(rows)].reshape(len(seq), -1).cpu())
    finally:
        model.train(was_training)
    if not logits:
        h = model.layers[-1].hidden_size
        return np.zeros((0, CLASSES), np.float32), np.zeros((0, len(rows) * h), np.float32)
    return torch.cat(logits).numpy(), torch.cat(feats).numpy()


def energy(logits: np.ndarray) -> np.ndarray:
    """(N, 10) logits -> (N,) energy, -log sum exp: low when one digit's logit stands out."""
    z = np.asarray(logits, np.float64)
    m = z.max(axis=1)
    return -(m + np.log(np.exp(z - m[:, None]).sum(axis=1)))


# --- verdicts ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    kind: str  # "digit" | "unsure" | "not-a-digit"
    digit: int | None  # the answer, or None unless kind == "digit"
    best: int | None  # the leading class whatever the kind (None when there was nothing to read)
    runner_up: int | None  # the second class
    probabilities: np.ndarray  # (10,) calibrated (temperature-scaled); zeros when nothing to read
    confidence: float  # the top calibrated probability
    distance: float | None  # squared Mahalanobis distance to the nearest digit (None: no params)
    distance_threshold: float | None
    energy: float  # -log sum exp of the logits
    energy_threshold: float | None  # None unless the model rejects by energy
    score: str | None  # the score that decides "not-a-digit" (None: no params)
    reason: str  # "", "nothing to read", "too small", "unlike any digit", "low confidence", "no rejection parameters"

    @property
    def rejected(self) -> bool:
        return self.kind != "digit"

    def words(self) -> str:
        """What to tell the user, in a few words."""
        if self.kind == "digit":
            return f"{self.digit} ({format_percent(self.confidence)})"
        if self.kind == "unsure":
            return f"not sure: {self.best} or {self.runner_up}?"
        return "nothing to read" if self.reason == "nothing to read" else "not a digit"

    def to_dict(self) -> dict:
        return {
            "verdict": self.kind,
            "digit": self.digit,
            "best": self.best,
            "runner_up": self.runner_up,
            "confidence": round(self.confidence, 6),
            "probabilities": None if self.reason == "nothing to read" else [round(float(p), 6) for p in self.probabilities],
            "distance": None if self.distance is None else round(self.distance, 3),
            "distance_threshold": None if self.distance_threshold is None else round(self.distance_threshold, 3),
            "energy": None if self.reason == "nothing to read" else round(self.energy, 4),
            "energy_threshold": None if self.energy_threshold is None else round(self.energy_threshold, 4),
            "rejection_score": self.score,
            "reason": self.reason,
        }


NOTHING = Verdict("not-a-digit", None, None, None, np.zeros(CLASSES, np.float32), 0.0, None, None, 0.0, None, None,
                  "nothing to read")


def verdict_from(logits: np.ndarray, features: np.ndarray | None, trust: TrustParams | None,
                 strokes_extent: float | None = None) -> Verdict:
    """The verdict for one image from its logits (10,) and features (D,) (see batch_states)."""
    logits = np.asarray(logits, np.float64).reshape(-1)
    e = float(energy(logits[None])[0])
    score = trust.score if trust is not None else None
    e_threshold = trust.energy_threshold if trust is not None and trust.score == "energy" else None
    temperature = trust.temperature if trust is not None else 1.0
    p = softmax(logits, temperature).astype(np.float32)
    order = np.argsort(-p, kind="stable")
    best, runner_up, confidence = int(order[0]), int(order[1]), float(p[order[0]])
    distance = threshold = None
    if trust is not None and features is not None:
        distance = float(trust.distances(np.asarray(features, np.float32).reshape(1, -1))[0])
        threshold = trust.distance_threshold

    def make(kind, reason):
        return Verdict(kind, best if kind == "digit" else None, best, runner_up, p, confidence,
                       distance, threshold, e, e_threshold, score, reason)

    if is_too_small(strokes_extent):
        return make("not-a-digit", "too small")
    if confidence <= p[runner_up]:  # a tie at the top (a flat answer, as all-zero weights give): no digit
        return make("unsure", "low confidence")
    if trust is None:
        return make("digit", "no rejection parameters")
    unlike = e > e_threshold if e_threshold is not None else distance is not None and distance > threshold
    if unlike:
        return make("not-a-digit", "unlike any digit")
    if confidence < trust.min_confidence:
        return make("unsure", "low confidence")
    return make("digit", "")


def judge(trace: Trace | None, trust: TrustParams | None, strokes_extent: float | None = None) -> Verdict:
    """The verdict on one reading: the Trace of a 28x28 image (None: nothing to read) and the
    model file's parameters (None: the plain argmax, kind "digit"). strokes_extent:
    strokes.strokes_extent(strokes) for a drawing, None for an image file. The trace carries the
    logits: no second pass through the network. (reading.ReadingSession.read traces and judges.)"""
    if trace is None:
        return NOTHING
    rows = trust.rows if trust is not None else FEATURE_ROWS
    features = trace.layers[-1].h[list(rows)].reshape(-1)
    return verdict_from(trace.logits[-1], features, trust, strokes_extent)


def judge_batch(model, images, trust: TrustParams | None, extents=None) -> list[Verdict]:
    """Verdicts for many images at once (evaluation, benchmarks) by a RowRNN and its file's
    parameters (None: none)."""
    rows = trust.rows if trust is not None else FEATURE_ROWS
    logits, feats = batch_states(model, images, rows)
    extents = [None] * len(logits) if extents is None else extents
    return [verdict_from(l, f, trust, e) for l, f, e in zip(logits, feats, extents)]


def predict_record(path, reading) -> dict:
    """One entry of `recognizer predict --json`: {"path", "verdict", "digit", "probabilities", ...}
    of a reading.Reading."""
    v = reading.verdict
    return {"path": str(path), **v.to_dict(), "words": v.words()}


__all__ = ["KINDS", "Verdict", "batch_states", "energy", "judge", "judge_batch", "predict_record", "verdict_from"]
