"""Model files: safetensors weights plus JSON metadata, never pickle.

The metadata rides in the safetensors header under the key "recognizer" so that one file holds
everything. Loading reads and checks in an order that allocates nothing the file merely claims:
the 8-byte header length (capped), the JSON header (every type and shape checked: our metadata,
then the tensor list, dtypes, shapes and byte offsets against the architecture the metadata
claims, whose sizes hidden_sizes.py caps), and only then exactly the bytes those tensors need;
then their values. Any failure is a ModelFileError of one line, "Cannot load model PATH: why".
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import torch
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes

from .. import __version__
from ..errors import ModelFileError
from ..network.cells import CELLS, DEFAULT_CELL, gate_blocks
from ..network.dims import CLASSES, COLS, ROWS
from ..network.hidden_sizes import MAX_HIDDEN, MAX_LAYERS, check_hidden_sizes
from ..network.model import ModelConfig, RowRNN
from ..trust.params import METADATA_KEY as TRUST_KEY
from ..trust.params import TENSOR_PREFIX, TrustParams, largest_trust_shapes, trust_from_file, trust_tensor_shapes
from .safe_io import FileTooLarge, atomic_write, brief, open_regular, read_at_most, shown

FORMAT = "recognizer-row-lstm"
FORMAT_VERSION = 1
METADATA_KEY = "recognizer"
MAX_HEADER_BYTES = 1 << 20  # our headers are a few kB; a larger one is not ours
REQUIRED_FIELDS = ("format", "format_version", "architecture", "training", "test_accuracy", "created", "app_version")
_MAX_REASON = 300  # characters: a message about a hostile file stays one readable line


def tensor_shapes(hidden_sizes, cell: str = DEFAULT_CELL) -> dict[str, tuple[int, ...]]:
    """The state_dict names and shapes of a RowRNN with these layer sizes and this cell kind,
    without building it."""
    shapes: dict[str, tuple[int, ...]] = {}
    for i, (n_in, h) in enumerate(zip((COLS, *hidden_sizes), hidden_sizes)):
        rows = gate_blocks(cell) * h
        shapes |= {f"layers.{i}.weight_ih_l0": (rows, n_in), f"layers.{i}.weight_hh_l0": (rows, h),
                   f"layers.{i}.bias_ih_l0": (rows,), f"layers.{i}.bias_hh_l0": (rows,)}  # fmt: skip
    return shapes | {"readout.weight": (CLASSES, hidden_sizes[-1]), "readout.bias": (CLASSES,)}


# The largest file the loader accepts: the biggest model hidden_sizes.py allows (an LSTM, the cell
# with the most weights), float32, plus the largest header. Derived, so the two limits cannot drift apart.
MAX_TENSOR_BYTES = 4 * sum(
    math.prod(s) for s in (tensor_shapes((MAX_HIDDEN,) * MAX_LAYERS) | largest_trust_shapes(MAX_HIDDEN)).values()
)
MAX_FILE_BYTES = 8 + MAX_HEADER_BYTES + MAX_TENSOR_BYTES


@dataclass(frozen=True)
class LoadedModel:
    """A model file's contents: the network, its metadata and, beside the network (never on it),
    the verdict's parameters when the file has them."""

    model: RowRNN
    metadata: dict
    path: Path | None = None
    trust: TrustParams | None = None

    @property
    def name(self) -> str:
        return self.path.name if self.path else "unsaved model"

    @property
    def test_accuracy(self) -> float | None:
        return self.metadata.get("test_accuracy")


def make_metadata(model: RowRNN, training: dict, test_accuracy: float | None) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": model.config.to_dict(),
        "training": training,
        "test_accuracy": test_accuracy,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "app_version": __version__,
    }


def save_model(path: str | Path, model: RowRNN, metadata: dict, *, exclusive: bool = False,
               trust: TrustParams | None = None) -> Path:
    """Write atomically (safe_io.atomic_write: the old file or the complete new one, the usual
    permissions, a symlink written through). exclusive: FileExistsError rather than replace.
    trust: the verdict's parameters to store with the weights (None: the file has none, whatever
    metadata["trust"] said: it describes the tensors written here). Raises OSError naming path on
    failure; the folder is created if needed."""
    path = Path(path)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    metadata = {k: v for k, v in metadata.items() if k != TRUST_KEY}
    if trust is not None:  # optional extras: tensors "trust.*" and metadata["trust"]
        tensors.update(trust.to_tensors())
        metadata = {**metadata, TRUST_KEY: trust.to_metadata()}
    blob = save_safetensors_bytes(tensors, metadata={METADATA_KEY: json.dumps(metadata)})
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, blob, exclusive=exclusive)


def _json(raw, what: str):
    try:
        return json.loads(raw)
    except RecursionError:
        raise ModelFileError(f"{what} is nested too deeply to be ours") from None
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, an integer of 5,000 digits
        raise ModelFileError(f"{what} is not valid JSON ({brief(str(e), 80)})") from None


def _read_header(f) -> tuple[bytes, dict]:
    """The raw bytes up to the end of the header, and the header as a dict."""
    prefix = f.read(8)
    if len(prefix) < 8:
        raise ModelFileError(f"too short to be a safetensors file ({len(prefix)} bytes)")
    (n,) = struct.unpack("<Q", prefix)
    if n > MAX_HEADER_BYTES:
        raise ModelFileError(
            f"not a model file: its first 8 bytes announce a header of {n:,} bytes, and a model "
            f"file's header is at most {MAX_HEADER_BYTES:,} bytes"
        )
    raw = f.read(n)
    if len(raw) < n:
        raise ModelFileError("truncated: the header runs past the end of the file")
    header = _json(raw, "its header")
    if not isinstance(header, dict):
        raise ModelFileError("not a safetensors file (its header is not a JSON object)")
    return prefix + raw, header


def _check_metadata(header: dict) -> dict:
    extra = header.get("__metadata__")
    if extra is not None and not isinstance(extra, dict):
        raise ModelFileError(f"its __metadata__ is {brief(extra, 40)}, not a JSON object")
    raw = (extra or {}).get(METADATA_KEY)
    if raw is None:
        raise ModelFileError("a safetensors file, but not a recognizer model (no recognizer metadata)")
    if not isinstance(raw, str):
        raise ModelFileError(f"its recognizer metadata is {brief(raw, 40)}, not a JSON string")
    meta = _json(raw, "its metadata")
    if not isinstance(meta, dict):
        raise ModelFileError("its metadata is not a JSON object")
    missing = [k for k in REQUIRED_FIELDS if k not in meta]
    if missing:
        raise ModelFileError(f"metadata lacks {', '.join(missing)}")
    if meta["format"] != FORMAT:
        raise ModelFileError(f"format is {brief(meta['format'])}, expected {FORMAT!r}")
    version = meta["format_version"]
    if type(version) is not int or version < 1:
        raise ModelFileError(f"format version {brief(version)} is not valid")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"made by a newer recognizer (format version {version}; this one reads up to {FORMAT_VERSION})"
        )
    arch = meta["architecture"]
    if not isinstance(arch, dict) or any(arch.get(k, v) != v for k, v in (("rows", ROWS), ("cols", COLS), ("classes", CLASSES))):
        raise ModelFileError(f"architecture {brief(arch)} is not a 28-row, 10-class model")
    cell = arch.get("cell", DEFAULT_CELL)  # files from before GRU and RNN hold LSTMs and do not say so
    if cell not in CELLS:
        raise ModelFileError(f"its cell kind {brief(cell, 20)} is not one of {', '.join(CELLS)}")
    sizes = arch.get("hidden_sizes")
    if not isinstance(sizes, list):
        raise ModelFileError("its hidden sizes are not a list")
    try:
        check_hidden_sizes(sizes)
    except ValueError as e:
        raise ModelFileError(f"its hidden sizes are not valid: {e}") from None
    acc = meta["test_accuracy"]
    if acc is not None and not (type(acc) in (int, float) and math.isfinite(acc) and 0 <= acc <= 1):
        raise ModelFileError(f"test accuracy {brief(acc)} is not a fraction")
    for key, kind in (("training", dict), ("created", str), ("app_version", str)):
        if not isinstance(meta[key], kind):
            raise ModelFileError(f"its {key} is {brief(meta[key], 40)}, not a {'JSON object' if kind is dict else 'string'}")
    return meta


def _names(names: list[str]) -> str:
    shown_names = ", ".join(brief(n, 40) for n in names[:4])
    return shown_names + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _check_tensor_table(header: dict, sizes: tuple[int, ...], cell: str, trust_meta) -> int:
    """Check the header's tensor entries against the architecture (and the rejection parameters
    the metadata announces); the data bytes they need."""
    want = tensor_shapes(sizes, cell) | trust_tensor_shapes(trust_meta, sizes[-1])
    have = [k for k in header if k != "__metadata__"]
    missing, extra = [k for k in want if k not in header], [k for k in have if k not in want]
    if missing or extra:
        parts = ([f"missing {_names(missing)}"] if missing else []) + ([f"unexpected {_names(extra)}"] if extra else [])
        raise ModelFileError(f"tensors do not match the architecture ({'; '.join(parts)})")
    spans = []
    for key, shape in want.items():
        entry = header[key]
        if not isinstance(entry, dict):
            raise ModelFileError(f"tensor {key} is described by {brief(entry, 40)}, not a JSON object")
        dtype, got, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype != "F32":
            raise ModelFileError(f"tensor {key} is {brief(dtype, 20)}, expected float32 (F32)")
        if not (isinstance(got, list) and all(type(d) is int for d in got)):
            raise ModelFileError(f"tensor {key} has shape {brief(got, 40)}, not a list of whole numbers")
        if tuple(got) != shape:
            raise ModelFileError(f"tensor {key} has shape {brief(tuple(got), 40)}, expected {shape}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets)
                and offsets[1] - offsets[0] == 4 * math.prod(shape)):  # fmt: skip
            raise ModelFileError(f"tensor {key} has byte offsets {brief(offsets, 40)} that do not fit its shape")
        spans.append(tuple(offsets))
    end = 0
    for start, stop in sorted(spans):
        if start != end:
            raise ModelFileError("its tensors' byte ranges overlap or leave gaps")
        end = stop
    return end


def overflow_bound(tensors: dict[str, torch.Tensor], layers: int) -> float:
    """The largest magnitude any sum before an activation can reach, whatever the image: the
    inputs are pixels in [0, 1], every hidden state (an LSTM's, a GRU's, a plain RNN's) is in
    [-1, 1], so a unit's sum is at most its row's absolute weights plus its biases. Below
    MAX_PREACTIVATION every answer is finite: sigmoid and tanh of finite sums, finite logits."""
    t = {k: v.double() for k, v in tensors.items()}
    rows = [t[f"layers.{i}.weight_ih_l0"].abs().sum(1) + t[f"layers.{i}.weight_hh_l0"].abs().sum(1)
            + t[f"layers.{i}.bias_ih_l0"].abs() + t[f"layers.{i}.bias_hh_l0"].abs() for i in range(layers)]  # fmt: skip
    rows.append(t["readout.weight"].abs().sum(1) + t["readout.bias"].abs())
    return max(float(r.max()) for r in rows)


# Far below float32's largest (3.4e38), so that the verdict's sums over logits and their squares
# stay finite too, and far above any trained model's (the shipped ones' are 20 to 45).
MAX_PREACTIVATION = 1e15


def _check_no_overflow(tensors: dict[str, torch.Tensor], layers: int) -> None:
    bound = overflow_bound(tensors, layers)
    if not bound <= MAX_PREACTIVATION:
        raise ModelFileError(f"its weights are so large that its answers would overflow to NaN (sums of up to "
                             f"{bound:.3g} before an activation; at most {MAX_PREACTIVATION:g} is kept finite)")


def load_model(path: str | Path) -> LoadedModel:
    """Read and check a model file; any problem raises ModelFileError naming the file, in one line."""
    path = Path(path)
    try:
        return _load(path)
    except ModelFileError as e:
        reason = str(e)
    except OSError as e:
        reason = e.strerror or " ".join(str(e).split())
    except MemoryError:
        reason = "not enough memory to read it"
    except Exception as e:  # whatever else a hostile file provokes: still one line, still ours
        reason = f"unexpected {type(e).__name__} ({' '.join(str(e).split())})"
    if len(reason) > _MAX_REASON:
        reason = reason[: _MAX_REASON - 3] + "..."
    raise ModelFileError(f"Cannot load model {shown(path)}: {reason}") from None


def _load(path: Path) -> LoadedModel:
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size  # a quick refusal only: the reads below are bounded anyway
        if size > MAX_FILE_BYTES:
            raise ModelFileError(f"{size:,} bytes is larger than any model file can be ({MAX_FILE_BYTES:,})")
        head, header = _read_header(f)
        meta = _check_metadata(header)
        sizes = tuple(meta["architecture"]["hidden_sizes"])
        cell = meta["architecture"].get("cell", DEFAULT_CELL)
        data_bytes = _check_tensor_table(header, sizes, cell, meta.get(TRUST_KEY))
        try:
            data = read_at_most(f, data_bytes, path)
        except FileTooLarge:
            raise ModelFileError("trailing data after its tensors") from None
    if len(data) < data_bytes:
        raise ModelFileError(f"truncated: its tensors need {data_bytes:,} bytes, the file holds {len(data):,}")
    try:
        tensors = load_safetensors_bytes(head + data)
    except Exception as e:  # safetensors raises its own error type for any malformed layout
        raise ModelFileError(f"malformed safetensors data ({brief(str(e), 80)})") from None
    extras = {k: tensors.pop(k) for k in [k for k in tensors if k.startswith(TENSOR_PREFIX)]}
    trust = trust_from_file(extras, meta.get(TRUST_KEY), sizes[-1])
    for key, tensor in tensors.items():
        if not torch.isfinite(tensor).all():
            raise ModelFileError(f"tensor {key} holds NaN or infinite values")
    _check_no_overflow(tensors, len(sizes))
    model = RowRNN(ModelConfig(sizes, cell))
    model.load_state_dict(tensors)
    model.eval()
    return LoadedModel(model=model, metadata=meta, path=path, trust=trust)
