"""Model files: safetensors weights plus JSON metadata, never pickle.

The metadata rides in the safetensors header under the key "recognizer" so that one file holds
everything. Loading checks the header before any tensor is read, then every key, shape, dtype and
value, so a foreign, truncated or tampered file is refused with a message that names the problem.
"""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import torch
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes

from . import __version__
from .errors import ModelFileError
from .hidden_sizes import check_hidden_sizes
from .model import CLASSES, COLS, ModelConfig, RowLSTM

FORMAT = "recognizer-row-lstm"
FORMAT_VERSION = 1
METADATA_KEY = "recognizer"
MAX_HEADER_BYTES = 1 << 20  # our headers are a few kB; a larger one is not ours
MAX_FILE_BYTES = 64 << 20  # 256 hidden units in 4 layers is ~5 MB
REQUIRED_FIELDS = ("format", "format_version", "architecture", "training", "test_accuracy", "created", "app_version")


@dataclass(frozen=True)
class LoadedModel:
    model: RowLSTM
    metadata: dict
    path: Path | None = None
    trust: object | None = None  # verdict.TrustParams when the file has rejection parameters

    @property
    def name(self) -> str:
        return self.path.name if self.path else "unsaved model"

    @property
    def test_accuracy(self) -> float | None:
        return self.metadata.get("test_accuracy")


def make_metadata(model: RowLSTM, training: dict, test_accuracy: float | None) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": model.config.to_dict(),
        "training": training,
        "test_accuracy": test_accuracy,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "app_version": __version__,
    }


def save_model(path: str | Path, model: RowLSTM, metadata: dict, trust=None) -> Path:
    """Write atomically: a temporary file beside the target, then a rename, so the file on disk is
    always the old one or the complete new one. trust: verdict.TrustParams to store with the
    weights (default: the model's own `trust` attribute, set by the Trainer and the loader)."""
    path = Path(path)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    trust = trust if trust is not None else getattr(model, "trust", None)
    if trust is not None:  # optional extras: tensors "trust.*" and metadata["trust"]
        from .verdict import METADATA_KEY as TRUST_KEY

        tensors.update(trust.to_tensors())
        metadata = {**metadata, TRUST_KEY: trust.to_metadata()}
    blob = save_safetensors_bytes(tensors, metadata={METADATA_KEY: json.dumps(metadata)})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _read_header(blob: bytes) -> dict:
    if len(blob) < 8:
        raise ModelFileError("too short to be a safetensors file")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER_BYTES:
        raise ModelFileError(f"header of {n} bytes is far larger than a model file's")
    if 8 + n > len(blob):
        raise ModelFileError("truncated: the header runs past the end of the file")
    try:
        header = json.loads(blob[8 : 8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelFileError("not a safetensors file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise ModelFileError("not a safetensors file (its header is not a JSON object)")
    return header


def _check_metadata(header: dict) -> dict:
    raw = (header.get("__metadata__") or {}).get(METADATA_KEY)
    if raw is None:
        raise ModelFileError("a safetensors file, but not a recognizer model (no recognizer metadata)")
    try:
        meta = json.loads(raw)
    except json.JSONDecodeError:
        raise ModelFileError("its metadata is not valid JSON") from None
    if not isinstance(meta, dict):
        raise ModelFileError("its metadata is not a JSON object")
    missing = [k for k in REQUIRED_FIELDS if k not in meta]
    if missing:
        raise ModelFileError(f"metadata lacks {', '.join(missing)}")
    if meta["format"] != FORMAT:
        raise ModelFileError(f"format is {meta['format']!r}, expected {FORMAT!r}")
    version = meta["format_version"]
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(f"format version {version!r} is not valid")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"made by a newer recognizer (format version {version}; this one reads up to {FORMAT_VERSION})"
        )
    arch = meta["architecture"]
    if not isinstance(arch, dict) or arch.get("cols", COLS) != COLS or arch.get("classes", CLASSES) != CLASSES:
        raise ModelFileError(f"architecture {arch!r} is not a 28-row, 10-class model")
    sizes = arch.get("hidden_sizes")
    if not isinstance(sizes, list):
        raise ModelFileError("its hidden sizes are not a list")
    try:
        check_hidden_sizes(sizes)
    except ValueError as e:
        raise ModelFileError(f"its hidden sizes are not valid: {e}") from None
    return meta


def load_model(path: str | Path) -> LoadedModel:
    """Read and check a model file; any problem raises ModelFileError naming the file."""
    path = Path(path)
    try:
        return _load(path)
    except ModelFileError as e:
        raise ModelFileError(f"cannot load model {path}: {e}") from None
    except OSError as e:
        raise ModelFileError(f"cannot load model {path}: {e.strerror or e}") from None


def _load(path: Path) -> LoadedModel:
    if path.is_dir():
        raise ModelFileError("it is a folder, not a file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ModelFileError(f"{size} bytes is far larger than a model file")
    blob = path.read_bytes()
    meta = _check_metadata(_read_header(blob))
    model = RowLSTM(ModelConfig(tuple(meta["architecture"]["hidden_sizes"])))
    expected = model.state_dict()
    try:
        tensors = load_safetensors_bytes(blob)
    except Exception as e:  # safetensors raises its own error type for any malformed layout
        raise ModelFileError(f"malformed safetensors data ({e})") from None
    from .verdict import METADATA_KEY as TRUST_KEY, TENSOR_PREFIX, trust_from_file

    extras = {k: tensors.pop(k) for k in [k for k in tensors if k.startswith(TENSOR_PREFIX)]}
    trust = trust_from_file(extras, meta.get(TRUST_KEY), model.layers[-1].hidden_size)
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise ModelFileError(f"tensors do not match the architecture (missing {missing}, unexpected {extra})")
    for key, want in expected.items():
        got = tensors[key]
        if got.dtype != torch.float32:
            raise ModelFileError(f"tensor {key} is {got.dtype}, expected float32")
        if got.shape != want.shape:
            raise ModelFileError(f"tensor {key} has shape {tuple(got.shape)}, expected {tuple(want.shape)}")
        if not torch.isfinite(got).all():
            raise ModelFileError(f"tensor {key} holds NaN or infinite values")
    model.load_state_dict(tensors)
    model.eval()
    model.trust = trust
    acc = meta["test_accuracy"]
    if acc is not None and not (isinstance(acc, (int, float)) and math.isfinite(acc) and 0 <= acc <= 1):
        raise ModelFileError(f"test accuracy {acc!r} is not a fraction")
    return LoadedModel(model=model, metadata=meta, path=path, trust=trust)
