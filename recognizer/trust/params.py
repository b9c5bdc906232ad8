"""The verdict's fitted parameters (TrustParams) and their place in a model file: tensors named
"trust.*" beside the weights and a "trust" entry in the metadata (files/model_file.py reads and writes
them through this module). Only what loading and answering need lives here; the fitting is in
trust_fit.py, so that loading a model file never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..errors import ModelFileError
from ..files.safe_io import brief
from ..network.dims import CLASSES, ROWS

TENSOR_PREFIX = "trust."
METADATA_KEY = "trust"
FEATURE_ROWS = (9, 18, 27)  # 0-based rows whose hidden states are compared
SCORES = ("mahalanobis", "energy")


def nearest_distance(features: np.ndarray, factor: np.ndarray, projected_means: np.ndarray) -> np.ndarray:
    """(N, D) features -> (N,) squared Mahalanobis distance to the nearest of the class means,
    given the precision's factor L (L L^T = precision) and the means already multiplied by it."""
    z = np.asarray(features, np.float32) @ factor
    return ((z[:, None, :] - projected_means[None]) ** 2).sum(axis=-1).min(axis=1)


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
        return nearest_distance(features, self.factor, self._projected)

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
