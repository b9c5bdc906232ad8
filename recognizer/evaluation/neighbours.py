"""The digits a drawing's memory resembles (issue 26): for each row t, the training digits whose
hidden state after row t (the last layer's h) is nearest to the drawing's.

The index holds a fixed sample of training digits (SAMPLE of them, chosen with SEED): their
images, labels, their states after every row quantized to one byte per unit (h lies in (-1, 1)
for every cell, so a step of 1/127 is far below the distances that separate digits), and per row
a PCA of the states to DIMS dimensions. A query ranks the sample by the reduced distance, then
ranks the best CANDIDATES again by the stored full states: the PCA keeps the search fast, the
re-ranking keeps the neighbours those of an exact search (benchmarks/bench_neighbours.py).

Built once per model and cached in user_data_dir()/neighbours/<model key>.npz; a cache file that
fails any check (damaged, another model's, another version) is built again, never trusted.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..files.paths import user_data_dir
from ..files.safe_io import atomic_write, read_regular
from ..network.dims import ROWS

SAMPLE = 10_000
SEED = 0
DIMS = 32
CANDIDATES = 64  # reduced-distance candidates re-ranked by the full states
K = 8
BATCH = 500
VERSION = 1
MAX_FILE_BYTES = 100 * 1024 * 1024
_SCALE = 127.0  # h in (-1, 1) -> int8
_KEYS = ("version", "model_key", "indices", "images", "labels", "states", "mean", "components", "reduced")


def model_key(tracer) -> str:
    """A key from the model's content: its cell and every weight (an unsaved model has one too)."""
    digest = hashlib.sha256(tracer.cell.encode())
    for w_ih, w_hh, bias, candidate_bias, _ in tracer.layers:
        for a in (w_ih, w_hh, bias) + (() if candidate_bias is None else (candidate_bias,)):
            digest.update(np.ascontiguousarray(a, np.float32).tobytes())
    digest.update(np.ascontiguousarray(tracer.readout_w, np.float32).tobytes())
    return digest.hexdigest()[:32]


def cache_path(key: str) -> Path:
    return user_data_dir() / "neighbours" / f"{key}.npz"


def sample_size(hidden: int, dims: int = DIMS) -> int:
    """SAMPLE, or fewer digits where a wide last layer would make the file pass MAX_FILE_BYTES
    (about 5,300 digits for 512 units): a cache too large to read would be built every time."""
    per_digit = ROWS * (hidden + 4 * min(dims, hidden)) + ROWS * ROWS + 8 + 1
    return min(SAMPLE, (MAX_FILE_BYTES - (1 << 20)) // per_digit)  # 1 MiB for the mean, the components, the headers


def sample_indices(count: int, size: int = SAMPLE, seed: int = SEED) -> np.ndarray:
    """The fixed sample of training digits: the same positions for every model."""
    return np.sort(np.random.default_rng(seed).choice(count, size=min(size, count), replace=False))


def last_states(tracer, images: np.ndarray, progress=None, should_stop=None) -> np.ndarray | None:
    """(N, 28, 28) uint8 images -> (N, 28, n) float32, the last layer's h after each row; None
    when should_stop() said so."""
    out = np.empty((len(images), ROWS, tracer.hidden_sizes[-1]), np.float32)
    for start in range(0, len(images), BATCH):
        if should_stop is not None and should_stop():
            return None
        batch = images[start : start + BATCH].astype(np.float32) / 255.0
        _, recorded, _ = tracer.run_batch(batch, None, record=True)
        out[start : start + len(batch)] = recorded[-1][0]
        if progress is not None:
            progress(start + len(batch), len(images))
    return out


@dataclass(frozen=True, eq=False)
class NeighbourIndex:
    model_key: str
    indices: np.ndarray  # (S,) positions in the training set
    images: np.ndarray  # (S, 28, 28) uint8
    labels: np.ndarray  # (S,) uint8
    states: np.ndarray  # (28, S, n) int8: h * 127, rounded
    mean: np.ndarray  # (28, n) float32
    components: np.ndarray  # (28, n, d) float32
    reduced: np.ndarray  # (28, S, d) float32

    def __len__(self) -> int:
        return len(self.indices)

    def full_states(self, row: int) -> np.ndarray:
        return self.states[row].astype(np.float32) / _SCALE

    def query(self, h: np.ndarray, row: int, k: int = K) -> np.ndarray:
        """Positions in the sample of the k digits nearest to state h after row (0-based), nearest first."""
        h = np.asarray(h, np.float32)
        q = (h - self.mean[row]) @ self.components[row]
        reduced = self.reduced[row]
        d = np.einsum("ij,ij->i", reduced, reduced) - 2.0 * (reduced @ q)
        m = min(max(CANDIDATES, k), len(d))
        candidates = np.argpartition(d, m - 1)[:m] if m < len(d) else np.arange(len(d))
        full = self.states[row, candidates].astype(np.float32) / _SCALE - h
        exact = np.einsum("ij,ij->i", full, full)
        return candidates[np.argsort(exact, kind="stable")[:k]]

    def search(self, units, rows: tuple[int, int], threshold: float) -> np.ndarray:
        """The LSTMVis search: positions of the digits whose units are all >= threshold at every
        row from rows[0] to rows[1] (0-based, both included), from the stored full states."""
        a, b = sorted(int(r) for r in rows)
        units = np.asarray(list(units), np.intp)
        n = self.states.shape[2]
        if not 0 <= a <= b < ROWS or len(units) == 0 or units.min() < 0 or units.max() >= n:
            raise ValueError(f"units must be in 0..{n - 1} and rows in 1..{ROWS}")
        level = np.int8(np.clip(np.ceil(threshold * _SCALE - 1e-6), -128, 127))
        picked = self.states[a : b + 1][:, :, units]  # (rows, S, units)
        return np.flatnonzero((picked >= level).all(axis=(0, 2)))


def build(tracer, train_images: np.ndarray, train_labels: np.ndarray, *, size: int = SAMPLE, dims: int = DIMS,
          progress=None, should_stop=None) -> NeighbourIndex | None:
    """Trace the sample and fit each row's PCA; None when should_stop() said so."""
    indices = sample_indices(len(train_images), size)
    images = np.ascontiguousarray(train_images[indices], np.uint8)
    states = last_states(tracer, images, progress, should_stop)
    if states is None:
        return None
    states = states.transpose(1, 0, 2)  # (28, S, n): each row's states contiguous for its query
    quantized = np.clip(np.rint(states * _SCALE), -127, 127).astype(np.int8)
    full = quantized.astype(np.float32) / _SCALE  # the PCA fits what the re-ranking will see
    mean = full.mean(axis=1)
    d = min(dims, full.shape[2], full.shape[1])
    components = np.empty((ROWS, full.shape[2], d), np.float32)
    reduced = np.empty((ROWS, full.shape[1], d), np.float32)
    for t in range(ROWS):
        centred = full[t] - mean[t]
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        components[t] = vt[:d].T
        reduced[t] = centred @ components[t]
    labels = np.asarray(train_labels[indices], np.uint8)
    return NeighbourIndex(model_key(tracer), indices, images, labels, quantized, mean.astype(np.float32),
                          components, reduced)  # fmt: skip


def save(index: NeighbourIndex, path: Path | None = None) -> Path:
    path = cache_path(index.model_key) if path is None else path
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, version=np.int64(VERSION), model_key=np.array(index.model_key),
             **{name: getattr(index, name) for name in _KEYS[2:]})  # fmt: skip
    return atomic_write(path, buffer.getvalue())


def load(key: str, hidden: int, path: Path | None = None) -> NeighbourIndex | None:
    """The cached index of the model with this key and last-layer size, or None when there is
    none or the file fails a check (it is then built again)."""
    path = cache_path(key) if path is None else path
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            # a compressed member may unpack to far more than the file: the sizes it declares are
            # the most zipfile will unpack, so memory stays bounded by them
            if sum(info.file_size for info in z.infolist()) > MAX_FILE_BYTES:
                return None
        with np.load(io.BytesIO(raw), allow_pickle=False) as f:
            if sorted(f.files) != sorted(_KEYS):
                return None
            a = {name: f[name] for name in _KEYS}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError):
        return None
    if a["version"].shape != () or int(a["version"]) != VERSION or str(a["model_key"]) != key:
        return None
    s = len(a["indices"])
    d = a["components"].shape[-1] if a["components"].ndim == 3 else -1
    expected = {"indices": ((s,), np.int64), "images": ((s, ROWS, ROWS), np.uint8), "labels": ((s,), np.uint8),
                "states": ((ROWS, s, hidden), np.int8), "mean": ((ROWS, hidden), np.float32),
                "components": ((ROWS, hidden, d), np.float32), "reduced": ((ROWS, s, d), np.float32)}  # fmt: skip
    for name, (shape, dtype) in expected.items():
        if a[name].shape != shape or a[name].dtype != dtype:
            return None
    if s == 0 or d <= 0 or not all(np.isfinite(a[n]).all() for n in ("mean", "components", "reduced")):
        return None
    if a["labels"].max() > 9:
        return None
    return NeighbourIndex(key, *(a[name] for name in _KEYS[2:]))


def cached_index(tracer) -> NeighbourIndex | None:
    """The model's index if its cache file is there and sound; never builds."""
    key = model_key(tracer)
    return load(key, tracer.hidden_sizes[-1]) if cache_path(key).exists() else None


def parse_units(text: str, hidden: int) -> list[int]:
    """"3, 17 40" or "3-5" -> the units, numbered from 0 as the heatmap numbers them; ValueError
    with the reason for anything else."""
    units: list[int] = []
    for part in text.replace(",", " ").split():
        low, _, high = part.partition("-")
        try:
            a, b = int(low), int(high or low)
        except ValueError:
            raise ValueError(f"Units are numbers from 0 to {hidden - 1} (like 3, 17 or 20-24), not {part[:20]!r}") from None
        if not 0 <= a <= b < hidden:
            raise ValueError(f"Units are numbers from 0 to {hidden - 1}; {part[:20]} is not")
        units.extend(range(a, b + 1))
    if not units:
        raise ValueError("Name at least one unit (like 3, 17 or 20-24).")
    return sorted(set(units))


def index_for(tracer, train_images, train_labels, *, size: int | None = None, progress=None, should_stop=None):
    """The model's index of size digits (sample_size's when None): from the cache when it is
    there and sound, else built and cached. Returns (index or None when stopped, whether it was built)."""
    size = sample_size(tracer.hidden_sizes[-1]) if size is None else size
    key = model_key(tracer)
    cached = load(key, tracer.hidden_sizes[-1])
    if cached is not None and len(cached) == min(size, len(train_images)):
        return cached, False
    index = build(tracer, train_images, train_labels, size=size, progress=progress, should_stop=should_stop)
    if index is not None:
        save(index)
    return index, True
