"""Model files that are not what they claim, for the model-file, CLI and window tests alike.

Each maker writes one bad file into a folder and returns its path and a fragment that the error
message must contain.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
from pathlib import Path

import torch
from safetensors.torch import save_file

from recognizer.files.model_file import FORMAT_VERSION, make_metadata, save_model
from recognizer.network.model import ModelConfig, RowRNN

PICKLE_MARKER = "pickle-payload-ran"  # the file a pickle payload would create if it ever ran


class _Payload:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _good(folder: Path, name="good.safetensors", sizes=(16,), **meta_changes) -> Path:
    model = RowRNN(ModelConfig(sizes))
    meta = make_metadata(model, {"epochs": 1}, 0.5)
    meta.update(meta_changes)
    return save_model(folder / name, model, meta)


def _state_and_meta(sizes=(16,)):
    model = RowRNN(ModelConfig(sizes))
    return {k: v.clone() for k, v in model.state_dict().items()}, {"recognizer": json.dumps(make_metadata(model, {}, None))}


def _rewrite_metadata(path: Path, edit) -> Path:
    blob = path.read_bytes()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    meta = json.loads(header["__metadata__"]["recognizer"])
    edit(meta)
    header["__metadata__"]["recognizer"] = json.dumps(meta)
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + blob[8 + n :])
    return path


def empty(d):
    (d / "empty.safetensors").write_bytes(b"")
    return d / "empty.safetensors", "too short"


def truncated(d):
    blob = _good(d).read_bytes()
    (d / "truncated.safetensors").write_bytes(blob[: len(blob) // 2])
    return d / "truncated.safetensors", "truncated"


def random_bytes(d):
    (d / "random.safetensors").write_bytes(os.urandom(4096))
    return d / "random.safetensors", "Cannot load model"


def pickle_payload(d):
    path = d / "pickle.safetensors"
    path.write_bytes(pickle.dumps({"weights": _Payload(d / PICKLE_MARKER)}))
    return path, "Cannot load model"


def torch_pickle(d):
    path = d / "model.pt"
    torch.save({"weights": _Payload(d / PICKLE_MARKER)}, path)
    return path, "Cannot load model"


def foreign_safetensors(d):
    save_file({"embedding": torch.zeros(4, 4)}, d / "foreign.safetensors")
    return d / "foreign.safetensors", "not a recognizer model"


def wrong_shape(d):
    state, meta = _state_and_meta()
    state["readout.weight"] = torch.zeros(10, 17)
    save_file(state, d / "shape.safetensors", metadata=meta)
    return d / "shape.safetensors", "shape"


def wrong_dtype(d):
    state, meta = _state_and_meta()
    state["readout.bias"] = state["readout.bias"].half()
    save_file(state, d / "dtype.safetensors", metadata=meta)
    return d / "dtype.safetensors", "F16"


def nan_weights(d):
    state, meta = _state_and_meta()
    state["layers.0.weight_hh_l0"][3, 3] = float("nan")
    save_file(state, d / "nan.safetensors", metadata=meta)
    return d / "nan.safetensors", "NaN or infinite"


def infinite_weights(d):
    state, meta = _state_and_meta()
    state["readout.weight"][0, 0] = float("inf")
    save_file(state, d / "inf.safetensors", metadata=meta)
    return d / "inf.safetensors", "NaN or infinite"


def huge_header(d):
    path = d / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    return path, "header"


def missing_metadata_field(d):
    return _rewrite_metadata(_good(d, "missing.safetensors"), lambda m: m.pop("architecture")), "lacks architecture"


def newer_format(d):
    return _good(d, "newer.safetensors", format_version=FORMAT_VERSION + 1), "newer"


def folder_not_file(d):
    (d / "folder.safetensors").mkdir()
    return d / "folder.safetensors", "folder"


def missing_file(d):
    return d / "nowhere.safetensors", "No such file"


def _raw_header(d: Path, name: str, header_json: bytes, tail: bytes = b"") -> Path:
    """A file whose header is exactly header_json (any bytes), followed by tail."""
    path = d / name
    path.write_bytes(struct.pack("<Q", len(header_json)) + header_json + tail)
    return path


def _with_metadata(d: Path, name: str, metadata) -> Path:
    return _raw_header(d, name, json.dumps({"__metadata__": metadata}).encode())


def metadata_is_a_list(d):
    return _with_metadata(d, "meta-list.safetensors", ["x"]), "not a JSON object"


def recognizer_metadata_is_a_number(d):
    return _with_metadata(d, "meta-number.safetensors", {"recognizer": 5}), "not a JSON string"


def deeply_nested_header(d):
    return _raw_header(d, "nested.safetensors", b"[" * 1100 + b"]" * 1100), "nested too deeply"


def deeply_nested_metadata(d):
    return _with_metadata(d, "nested-meta.safetensors", {"recognizer": "[" * 100_000 + "]" * 100_000}), "nested too deeply"


def huge_integer(d):
    header = b'{"__metadata__": {}, "x": ' + b"9" * 5000 + b"}"
    return _raw_header(d, "bigint.safetensors", header), "not valid JSON"


def _claimed(d: Path, name: str, **meta_changes) -> Path:
    """Valid metadata (with changes), and tensors only as far as the header goes."""
    model = RowRNN(ModelConfig((16,)))
    meta = make_metadata(model, {}, None)
    meta.update(meta_changes)
    return _with_metadata(d, name, {"recognizer": json.dumps(meta)})


def ten_thousand_layers(d):
    arch = {"hidden_sizes": [512] * 10_000, "rows": 28, "cols": 28, "classes": 10}
    return _claimed(d, "layers.safetensors", architecture=arch), "at most 4 layers, got 10000"


def a_billion_units(d):
    arch = {"hidden_sizes": [10**9], "rows": 28, "cols": 28, "classes": 10}
    return _claimed(d, "units.safetensors", architecture=arch), "1 to 512 units"


def architecture_is_a_string(d):
    return _claimed(d, "arch.safetensors", architecture="x" * 100_000), "not a 28-row, 10-class model"


def training_is_a_list(d):
    return _claimed(d, "training.safetensors", training=[1, 2]), "its training is [1, 2]"


def accuracy_is_true(d):
    return _claimed(d, "bool.safetensors", test_accuracy=True), "not a fraction"


def shape_claims_a_terabyte(d):
    """The header claims the right names but a huge readout: refused before anything is read."""
    state, meta = _state_and_meta()
    path = d / "claims.safetensors"
    save_file(state, path, metadata=meta)
    blob = path.read_bytes()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    header["readout.weight"]["shape"] = [10, 1 << 40]
    return _raw_header(d, "claims.safetensors", json.dumps(header).encode(), blob[8 + n :]), "expected (10, 16)"


def offsets_overlap(d):
    state, meta = _state_and_meta()
    path = d / "overlap.safetensors"
    save_file(state, path, metadata=meta)
    blob = path.read_bytes()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    header["readout.bias"]["data_offsets"] = [0, 40]  # the same bytes as another tensor
    return _raw_header(d, "overlap.safetensors", json.dumps(header).encode(), blob[8 + n :]), "overlap"


def trailing_data(d):
    path = _good(d, "trailing.safetensors")
    path.write_bytes(path.read_bytes() + b"\0" * 100)
    return path, "trailing data"


def ten_thousand_foreign_tensors(d):
    state, meta = _state_and_meta()
    header = {"__metadata__": meta} | {f"t{i}": {"dtype": "F32", "shape": [1], "data_offsets": [4 * i, 4 * i + 4]}
                                       for i in range(10_000)}  # fmt: skip
    return _raw_header(d, "many.safetensors", json.dumps(header).encode()), "and 9996 more"


def fifo(d):
    path = d / "pipe.safetensors"
    os.mkfifo(path)  # nobody writes: a plain open() would hang
    return path, "named pipe, not a regular file"


def dev_zero(d):
    path = d / "zero.safetensors"
    path.symlink_to("/dev/zero")
    return path, "device, not a regular file"


BAD_MODEL_FILES = [empty, truncated, random_bytes, pickle_payload, torch_pickle, foreign_safetensors, wrong_shape,
                   wrong_dtype, nan_weights, infinite_weights, huge_header, missing_metadata_field, newer_format,
                   folder_not_file, missing_file, metadata_is_a_list, recognizer_metadata_is_a_number,
                   deeply_nested_header, deeply_nested_metadata, huge_integer, ten_thousand_layers,
                   a_billion_units, architecture_is_a_string, training_is_a_list, accuracy_is_true,
                   shape_claims_a_terabyte, offsets_overlap, trailing_data, ten_thousand_foreign_tensors, fifo,
                   dev_zero]  # fmt: skip



# --- cell kinds: the tensor table is checked against the cell the metadata claims --------------


def _cell_mismatch(d: Path, name: str, real_cell: str, claimed_cell: str | None) -> Path:
    """The weights of a real_cell model under metadata that claims claimed_cell (None: no cell
    kind, as in the files from before GRU and RNN, which are LSTMs)."""
    model = RowRNN(ModelConfig((16,), real_cell))
    meta = make_metadata(model, {}, None)
    if claimed_cell is None:
        del meta["architecture"]["cell"]
    else:
        meta["architecture"]["cell"] = claimed_cell
    path = d / name
    save_file({k: v.clone() for k, v in model.state_dict().items()}, path, metadata={"recognizer": json.dumps(meta)})
    return path


def lstm_weights_claimed_gru(d):
    return _cell_mismatch(d, "lstm-as-gru.safetensors", "lstm", "gru"), "expected (48, 28)"


def gru_weights_without_a_cell_kind(d):
    return _cell_mismatch(d, "gru-as-lstm.safetensors", "gru", None), "expected (64, 28)"


def rnn_weights_claimed_lstm(d):
    return _cell_mismatch(d, "rnn-as-lstm.safetensors", "rnn", "lstm"), "expected (64, 28)"


def unknown_cell(d):
    return _cell_mismatch(d, "cell.safetensors", "lstm", "transformer"), "its cell kind 'transformer' is not one of lstm, gru, rnn"


def cell_is_a_list(d):
    return _cell_mismatch(d, "cell-list.safetensors", "lstm", ["lstm"] * 1000), "is not one of lstm, gru, rnn"


BAD_MODEL_FILES += [lstm_weights_claimed_gru, gru_weights_without_a_cell_kind, rnn_weights_claimed_lstm, unknown_cell,
                    cell_is_a_list]  # fmt: skip


# --- finite weights whose answers overflow to NaN: refused at load ----------------------------


def overflowing_readout(d):
    state, meta = _state_and_meta()
    state["readout.weight"][:] = 1e37  # finite; sixteen of them on a hidden state near 1 are not
    save_file(state, d / "loud.safetensors", metadata=meta)
    return d / "loud.safetensors", "answers would overflow"


def overflowing_input_weights(d):
    state, meta = _state_and_meta()
    state["layers.0.weight_ih_l0"][::2] = 3e38  # inf - inf inside the gates: NaN everywhere after
    state["layers.0.weight_ih_l0"][1::2] = -3e38
    save_file(state, d / "huge.safetensors", metadata=meta)
    return d / "huge.safetensors", "answers would overflow"


BAD_MODEL_FILES += [overflowing_readout, overflowing_input_weights]


# --- running a hostile case in a child with a memory ceiling ----------------------------------

LIMIT_AS_BYTES = 3 << 30  # a regression that reads a bomb into memory fails here instead of swapping

LIMITED_PREAMBLE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
"""


def run_limited(code: str, *args, limit: int = LIMIT_AS_BYTES, timeout: float = 60):
    """Run Python code in a child process whose address space is capped at limit bytes; the
    CompletedProcess (text). The child sees this checkout first on its path."""
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, "-c", LIMITED_PREAMBLE.format(limit=limit) + code, *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)  # fmt: skip


def gzip_bomb(path: Path, gigabytes: int = 4) -> Path:
    """A few MB of gzip that inflate to `gigabytes` GB of zeros: 64 MB members, concatenated
    (gzip allows several members), so making it costs one 64 MB compression."""
    import gzip

    member = gzip.compress(bytes(64 << 20), compresslevel=9)
    with open(path, "wb") as f:
        for _ in range(gigabytes * 16):
            f.write(member)
    return path
