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

Probabilities are temperature-scaled. Everything is fitted on held-out MNIST training images only
(the last 5,000 of the 60,000, a fixed split): the distance threshold is a quantile of out-of-fold
distances there. The energy has no folds: its threshold is only as loose as it should be for a
model that never trained on those images (the shipped model trains on the first 55,000).

The fitted parameters travel in the model file as tensors named "trust.*" plus a "trust" entry in
the metadata (see modelfile.py); a model without them loads and answers without rejection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .temperature import fit_temperature, softmax
from ..network.dims import CLASSES, ROWS
from ..errors import ModelFileError
from ..evaluation.accuracy import as_float_images
from ..files.safe_io import brief
from ..datasets.outliers import render_pool, side_by_side
from ..inputs.strokes import is_too_small
from ..text import format_percent
from ..network.trace import Tracer

TENSOR_PREFIX = "trust."
METADATA_KEY = "trust"
FEATURE_ROWS = (9, 18, 27)  # 0-based rows whose hidden states are compared
HELD_OUT = 5000  # the last images of the training set
# Shares of held-out digits that may be turned away by each rule: 0.45 % in all, under the 0.5 %
# of test digits the verdict may turn away (issue 11).
NOT_A_DIGIT_BUDGET = 0.004
UNSURE_BUDGET = 0.0005
SHRINKAGE = 0.1  # covariance + SHRINKAGE * mean variance * I: stable with 5,000 samples
FOLDS = 5
KINDS = ("digit", "unsure", "not-a-digit")
SCORES = ("mahalanobis", "energy")
OUTLIER_CHECK = (400, 200, 20261202)  # shapes, pairs of digits and the seed that choose the score


@dataclass(frozen=True)
class TrustParams:
    rows: tuple[int, ...]
    means: np.ndarray  # (10, D) class means of the features, D = len(rows) * hidden units
    factor: np.ndarray  # (D, D) L with L L^T = precision: d^2 = |(f - mean) @ L|^2
    # squared distance to the nearest class mean beyond which: not a digit (score "mahalanobis")
    distance_threshold: float
    min_confidence: float  # calibrated top probability below which: unsure
    temperature: float
    info: dict = field(default_factory=dict)  # how it was fitted (for the report and the file)
    score: str = "mahalanobis"  # which score makes "not-a-digit": "mahalanobis" or "energy"
    energy_threshold: float | None = None  # energy beyond which: not a digit (score "energy")

    def __post_init__(self):
        # Project the means once: a verdict is then one (D, D) product and ten distances.
        object.__setattr__(self, "_projected", (self.means @ self.factor).astype(np.float32))

    @property
    def feature_size(self) -> int:
        return self.means.shape[1]

    def distances(self, features: np.ndarray) -> np.ndarray:
        """(N, D) features -> (N,) squared Mahalanobis distance to the nearest class mean."""
        z = np.asarray(features, np.float32) @ self.factor
        d = ((z[:, None, :] - self._projected[None]) ** 2).sum(axis=-1)
        return d.min(axis=1)

    # --- in a model file -----------------------------------------------------------------------
    def to_tensors(self) -> dict[str, torch.Tensor]:
        return {
            TENSOR_PREFIX + "means": torch.from_numpy(np.ascontiguousarray(self.means, np.float32)),
            TENSOR_PREFIX + "factor": torch.from_numpy(np.ascontiguousarray(self.factor, np.float32)),
        }

    def to_metadata(self) -> dict:
        meta = {
            "rows": list(self.rows),
            "distance_threshold": self.distance_threshold,
            "min_confidence": self.min_confidence,
            "temperature": self.temperature,
            "info": self.info,
        }
        if self.score != "mahalanobis":  # files from before the energy score read as Mahalanobis
            meta |= {"score": self.score, "energy_threshold": self.energy_threshold}
        return meta


MAX_TRUST_ROWS = 4  # rows whose states are compared: keeps the precision factor at most 2048² floats


def _check_rows(rows) -> tuple[int, ...]:
    if not (isinstance(rows, list) and 1 <= len(rows) <= MAX_TRUST_ROWS
            and all(isinstance(r, int) and not isinstance(r, bool) and 0 <= r < ROWS for r in rows)
            and len(set(rows)) == len(rows)):  # fmt: skip
        raise ModelFileError(f"its rejection rows {brief(rows, 40)} are not 1 to {MAX_TRUST_ROWS} distinct rows 0-{ROWS - 1}")
    return tuple(rows)


def _shapes(rows: int, hidden_size: int) -> dict[str, tuple[int, ...]]:
    d = rows * hidden_size
    return {TENSOR_PREFIX + "means": (CLASSES, d), TENSOR_PREFIX + "factor": (d, d)}


def trust_tensor_shapes(meta, hidden_size: int) -> dict[str, tuple[int, ...]]:
    """The rejection tensors a model file's metadata announces, by name and shape ({} for none),
    checked before any tensor is read (the loader sizes its reads by them)."""
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise ModelFileError("its rejection metadata is not a JSON object")
    return _shapes(len(_check_rows(meta.get("rows"))), hidden_size)


def largest_trust_shapes(hidden_size: int) -> dict[str, tuple[int, ...]]:
    return _shapes(MAX_TRUST_ROWS, hidden_size)


def trust_from_file(tensors: dict[str, torch.Tensor], meta: dict | None, hidden_size: int) -> TrustParams | None:
    """The TrustParams stored in a model file, or None if it has none; ModelFileError if they are
    there but malformed (a file with half of them is malformed too)."""
    names = {TENSOR_PREFIX + "means", TENSOR_PREFIX + "factor"}
    present = set(tensors)
    if not present and meta is None:
        return None
    if present != names or meta is None:
        raise ModelFileError(
            f"its rejection parameters are incomplete (tensors {sorted(present)}, "
            f"metadata {'present' if meta is not None else 'missing'})"
        )
    if not isinstance(meta, dict):
        raise ModelFileError("its rejection metadata is not a JSON object")
    rows = _check_rows(meta.get("rows"))
    numbers = {}
    for key, lo, hi in (("distance_threshold", 0.0, float("inf")), ("min_confidence", 0.0, 1.0),
                        ("temperature", 1e-3, 1e3)):
        v = meta.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or not lo <= v <= hi:
            raise ModelFileError(f"its rejection parameter {key} = {brief(v, 40)} is not a number in [{lo:g}, {hi:g}]")
        numbers[key] = float(v)
    score = meta.get("score", "mahalanobis")
    if score not in SCORES:
        raise ModelFileError(f"its rejection score {brief(score, 40)} is not one of {', '.join(SCORES)}")
    energy_threshold = None
    if score == "energy":
        v = meta.get("energy_threshold")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or abs(v) > 1e6:
            raise ModelFileError(f"its rejection parameter energy_threshold = {brief(v, 40)} is not a number in [-1e6, 1e6]")
        energy_threshold = float(v)
    d = len(rows) * hidden_size
    for name, shape in (("means", (CLASSES, d)), ("factor", (d, d))):
        t = tensors[TENSOR_PREFIX + name]
        if t.dtype != torch.float32:
            raise ModelFileError(f"tensor {TENSOR_PREFIX}{name} is {t.dtype}, expected float32")
        if tuple(t.shape) != shape:
            raise ModelFileError(f"tensor {TENSOR_PREFIX}{name} has shape {tuple(t.shape)}, expected {shape}")
        if not torch.isfinite(t).all():
            raise ModelFileError(f"tensor {TENSOR_PREFIX}{name} holds NaN or infinite values")
    info = meta.get("info", {})
    return TrustParams(
        rows=tuple(rows),
        means=tensors[TENSOR_PREFIX + "means"].numpy().copy(),
        factor=tensors[TENSOR_PREFIX + "factor"].numpy().copy(),
        info=info if isinstance(info, dict) else {},
        score=score,
        energy_threshold=energy_threshold,
        **numbers,
    )


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


def _distances(means, factor, features) -> np.ndarray:
    z = np.asarray(features, np.float32) @ factor
    return ((z[:, None, :] - (means @ factor)[None]) ** 2).sum(axis=-1).min(axis=1)


def energy(logits: np.ndarray) -> np.ndarray:
    """(N, 10) logits -> (N,) energy, -log sum exp: low when one digit's logit stands out."""
    z = np.asarray(logits, np.float64)
    m = z.max(axis=1)
    return -(m + np.log(np.exp(z - m[:, None]).sum(axis=1)))


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
        oof[fold == k] = _distances(m, f, feats[fold == k])
    means, factor = _fit_gaussian(feats, labels)
    groups = [group == g for g in np.unique(group)]
    distance_threshold = max(float(np.quantile(oof[g], 1 - NOT_A_DIGIT_BUDGET)) for g in groups)
    energies = energy(logits)
    energy_threshold = max(float(np.quantile(energies[g], 1 - NOT_A_DIGIT_BUDGET)) for g in groups)
    # Which score turns away more non-digits at the same budget, on a batch made for it.
    odd_logits, odd_feats = batch_states(model, _outlier_check_images(images), rows)
    caught = {"mahalanobis": float((_distances(means, factor, odd_feats) > distance_threshold).mean()),
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


def trust_of(source) -> TrustParams | None:
    """The TrustParams of a LoadedModel, a RowRNN or a Tracer (whichever carries them)."""
    for obj in (source, getattr(source, "model", None)):
        params = getattr(obj, "trust", None)
        if isinstance(params, TrustParams):
            return params
    return None


def verdict_from(logits: np.ndarray, features: np.ndarray | None, trust: TrustParams | None,
                 strokes_extent: float | None = None, energy_value: float | None = None) -> Verdict:
    """The verdict for one image from its logits (10,) and features (D,) (see batch_states).
    energy_value: when `logits` are only known up to a constant (log-probabilities), the energy
    of the real ones."""
    logits = np.asarray(logits, np.float64).reshape(-1)
    e = float(energy(logits[None])[0]) if energy_value is None else float(energy_value)
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


def judge(source, image28: np.ndarray | None, strokes_extent: float | None = None, trace=None,
          trust: TrustParams | None = None) -> Verdict:
    """The verdict on one 28x28 image (from render_strokes or to_mnist; None: nothing to read).

    source: a LoadedModel, a RowRNN or a Tracer made from one (its TrustParams come from the
    model file; without them the answer is the plain argmax, kind "digit").
    strokes_extent: strokes.strokes_extent(strokes) for a drawing, None for an image file.
    trace: the Trace of this image if the caller already has one (the window does): no second
    pass through the network is then made.
    trust: overrides the source's parameters.
    """
    if image28 is None:
        return NOTHING
    trust = trust if trust is not None else trust_of(source)
    rows = trust.rows if trust is not None else FEATURE_ROWS
    if trace is None:
        tracer = source if isinstance(source, Tracer) else Tracer(getattr(source, "model", source))
        trace = tracer(image28)
    h = trace.layers[-1].h
    features = h[list(rows)].reshape(-1)
    # The trace holds probabilities; their log is the logits up to a constant, which softmax
    # ignores. The energy needs the real ones: the readout of the last hidden state.
    logits = np.log(np.clip(trace.probabilities[-1].astype(np.float64), 1e-30, 1.0))
    return verdict_from(logits, features, trust, strokes_extent, float(energy(_readout(source, h[-1])[None])[0]))


def _readout(source, h_last: np.ndarray) -> np.ndarray:
    """The logits (10,) of a last hidden state through the source's readout."""
    if isinstance(source, Tracer):
        return h_last.astype(np.float64) @ source.readout_w + source.readout_b
    readout = getattr(source, "model", source).readout
    return h_last.astype(np.float64) @ readout.weight.detach().cpu().double().numpy().T + readout.bias.detach().cpu().double().numpy()


def judge_batch(model, images, trust: TrustParams | None = None, extents=None) -> list[Verdict]:
    """Verdicts for many images at once (evaluation, benchmarks); trust defaults to the model's."""
    trust = trust if trust is not None else trust_of(model)
    rows = trust.rows if trust is not None else FEATURE_ROWS
    logits, feats = batch_states(model, images, rows)
    extents = [None] * len(logits) if extents is None else extents
    return [verdict_from(l, f, trust, e) for l, f, e in zip(logits, feats, extents)]


def predict_record(path, image28: np.ndarray | None, source) -> dict:
    """One entry of `recognizer predict --json`: {"path", "verdict", "digit", "probabilities", ...}."""
    v = judge(source, image28)
    return {"path": str(path), **v.to_dict(), "words": v.words()}


__all__ = ["KINDS", "SCORES", "TrustParams", "Verdict", "batch_states", "energy", "fit_trust", "fit_trust_on_mnist",
           "held_out_split", "judge", "judge_batch", "predict_record", "trust_from_file", "trust_of",
           "verdict_from"]
