"""Fitting the verdict's parameters (verdict.py says what they decide) on held-out digits: the
temperature, the class means and shared precision of the Mahalanobis score, the thresholds of both
scores, the confidence floor, and which score to use. A step after training (training/run.py) and
`recognizer calibrate`; loading a model file never imports this module (trust_params.py holds the
file format).

Everything is fitted on held-out MNIST training images only (the last 5,000 of the 60,000, a fixed
split): the distance threshold is a quantile of out-of-fold distances there. The energy has no
folds: its threshold is only as loose as it should be for a model that never trained on those
images (the shipped model trains on the first 55,000).
"""

from __future__ import annotations

import numpy as np
import torch

from ..datasets.outliers import render_pool, side_by_side
from ..evaluation.accuracy import as_float_images
from ..network.dims import CLASSES
from .params import FEATURE_ROWS, TrustParams, nearest_distance
from .temperature import fit_temperature, softmax
from .verdict import batch_states, energy

HELD_OUT = 5000  # the last images of the training set
# Shares of held-out digits that may be turned away by each rule: 0.45 % in all, under the 0.5 %
# of test digits the verdict may turn away (issue 11).
NOT_A_DIGIT_BUDGET = 0.004
UNSURE_BUDGET = 0.0005
SHRINKAGE = 0.1  # covariance + SHRINKAGE * mean variance * I: stable with 5,000 samples
FOLDS = 5
OUTLIER_CHECK = (400, 200, 20261202)  # shapes, pairs of digits and the seed that choose the score


def _fit_gaussian(features: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f = np.asarray(features, np.float64)
    means = np.stack([f[labels == c].mean(axis=0) if (labels == c).any() else f.mean(axis=0)
                      for c in range(CLASSES)])
    r = f - means[labels]
    cov = r.T @ r / max(len(r), 1)
    cov += (SHRINKAGE * np.trace(cov) / len(cov) + 1e-6) * np.eye(len(cov))
    # precision = inv(cov) = inv(C C^T) = C^-T C^-1: L = C^-T, so (f - m) @ L = C^-1 (f - m)
    chol = np.linalg.cholesky(cov)
    factor = np.linalg.inv(chol).T
    return means.astype(np.float32), factor.astype(np.float32)


def _outlier_check_images(images: np.ndarray) -> np.ndarray:
    """A fixed batch of outliers.py's non-digits (shapes, and pairs of the given digits) that
    chooses between the two scores; never the drawings the benchmarks measure."""
    shapes, pairs, seed = OUTLIER_CHECK
    rng = np.random.default_rng(seed)
    digits = as_float_images(images)
    pick = torch.as_tensor(rng.integers(0, len(digits), (2, pairs)))
    return np.concatenate([render_pool(shapes, rng), side_by_side(digits, pick[0], pick[1]).numpy()])


def held_out_split(n_train: int) -> slice:
    """Which training images calibrate: the last HELD_OUT of a full set, the last fifth of a
    small one (a training subset never reaches that far, so they are then truly unseen)."""
    return slice(n_train - min(HELD_OUT, n_train // 5), n_train)


def fit_trust(model, images, labels, rows=FEATURE_ROWS, hands=None) -> TrustParams:
    """Fit temperature, class means, shared precision, the thresholds of both scores and the
    confidence floor on held-out digits (images (N, 28, 28), labels (N,)), and choose the score.
    The distance threshold is a quantile of out-of-fold distances (each fold's computed with
    means and covariance fitted on the other folds); the energy's, of the energies themselves.
    hands: (images, labels) of real writers' pen digits the model never trained on
    (pen_data.PenTraining.fit_images): fitted on together with `images`; the "unlike any digit"
    budget then holds for both groups apart (the looser threshold of the two), so that neither
    MNIST's digits nor real hands' are turned away as no digit more often than it says; the
    confidence floor is the stricter of the two (see below)."""
    labels = np.asarray(labels, np.int64)
    group = np.zeros(len(labels), np.int64)
    if hands is not None and len(hands[1]):
        images = np.concatenate([as_float_images(images).numpy(), as_float_images(hands[0]).numpy()])
        group = np.concatenate([group, np.ones(len(hands[1]), np.int64)])
        labels = np.concatenate([labels, np.asarray(hands[1], np.int64)])
    logits, feats = batch_states(model, images, rows)
    n = len(labels)
    if n < 2 * FOLDS:
        raise ValueError(f"fitting the rejection needs at least {2 * FOLDS} held-out images, got {n}")
    temperature = fit_temperature(logits, labels)
    fold = np.arange(n) % FOLDS
    oof = np.empty(n, np.float64)
    for k in range(FOLDS):
        m, f = _fit_gaussian(feats[fold != k], labels[fold != k])
        oof[fold == k] = nearest_distance(feats[fold == k], f, m @ f)
    means, factor = _fit_gaussian(feats, labels)
    groups = [group == g for g in np.unique(group)]
    distance_threshold = max(float(np.quantile(oof[g], 1 - NOT_A_DIGIT_BUDGET)) for g in groups)
    energies = energy(logits)
    energy_threshold = max(float(np.quantile(energies[g], 1 - NOT_A_DIGIT_BUDGET)) for g in groups)
    # Which score turns away more non-digits at the same budget, on a batch made for it.
    odd_logits, odd_feats = batch_states(model, _outlier_check_images(images), rows)
    caught = {"mahalanobis": float((nearest_distance(odd_feats, factor, means @ factor) > distance_threshold).mean()),
              "energy": float((energy(odd_logits) > energy_threshold).mean())}
    score = "energy" if caught["energy"] > caught["mahalanobis"] else "mahalanobis"
    kept = oof <= distance_threshold if score == "mahalanobis" else energies <= energy_threshold
    conf = softmax(logits, temperature).max(axis=1)
    # The confidence floor is the stricter of the two: real hands' loosest digits are about as
    # unsure as a letter (top probability 0.11 for the LSTM 128 fine-tuned on them, where MNIST's
    # give 0.43), and a floor that low would read a scribble as "3, 15 %" (issue 24).
    min_confidence = max((float(np.quantile(conf[kept & g], UNSURE_BUDGET)) for g in groups if (kept & g).any()),
                         default=0.0)  # fmt: skip
    info = {
        "held_out_images": int(n),
        "held_out_pen_digits": int(group.sum()),
        "feature_rows": list(rows),
        "not_a_digit_budget": NOT_A_DIGIT_BUDGET,
        "unsure_budget": UNSURE_BUDGET,
        "shrinkage": SHRINKAGE,
        "folds": FOLDS,
        "outlier_check": {"images": len(odd_logits), "seed": OUTLIER_CHECK[2], "turned_away": caught},
    }
    return TrustParams(tuple(rows), means, factor, distance_threshold, min_confidence, temperature, info,
                       score=score, energy_threshold=energy_threshold if score == "energy" else None)


def fit_trust_on_mnist(model, data, hands=None) -> TrustParams:
    """fit_trust on the held-out end of MNIST's training set (see held_out_split), and on real
    hands' digits when given (see fit_trust)."""
    split = held_out_split(len(data.train_images))
    return fit_trust(model, data.train_images[split], data.train_labels[split], hands=hands)
