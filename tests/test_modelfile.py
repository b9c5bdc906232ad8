"""Model files: round trip, atomic writes, and a clear refusal of anything that is not ours."""

import json
import os
import pickle
import struct

import pytest
import torch
from safetensors.torch import save_file

from recognizer.errors import ModelFileError
from recognizer.model import ModelConfig, RowLSTM
from recognizer.modelfile import FORMAT_VERSION, load_model, make_metadata, save_model


def saved(tmp_path, sizes=(16,), **changes):
    model = RowLSTM(ModelConfig(sizes))
    meta = make_metadata(model, {"epochs": 1}, 0.5)
    meta.update(changes)
    return save_model(tmp_path / "m.safetensors", model, meta), model


def rewrite_header(path, edit):
    """Change a saved file's JSON header in place, keeping its tensor bytes."""
    blob = path.read_bytes()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    edit(header)
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + blob[8 + n :])


def test_round_trip(tmp_path):
    path, model = saved(tmp_path, (8, 12))
    loaded = load_model(path)
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[k], v)
    assert loaded.metadata["architecture"]["hidden_sizes"] == [8, 12]
    assert loaded.test_accuracy == 0.5 and loaded.name == "m.safetensors"
    assert not [p for p in tmp_path.iterdir() if p.name != "m.safetensors"]  # no temp file left


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path, _ = saved(tmp_path)
    before = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError):
        save_model(path, RowLSTM(ModelConfig((16,))), make_metadata(RowLSTM(ModelConfig((16,))), {}, None))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def expect_refusal(path, fragment):
    with pytest.raises(ModelFileError) as e:
        load_model(path)
    assert str(path) in str(e.value) and fragment in str(e.value)
    assert "\n" not in str(e.value)


def test_empty_truncated_and_random(tmp_path):
    path, _ = saved(tmp_path)
    blob = path.read_bytes()
    (tmp_path / "empty").write_bytes(b"")
    expect_refusal(tmp_path / "empty", "too short")
    (tmp_path / "cut").write_bytes(blob[: len(blob) // 2])
    expect_refusal(tmp_path / "cut", "")
    (tmp_path / "cut-header").write_bytes(blob[:40])
    expect_refusal(tmp_path / "cut-header", "truncated")
    (tmp_path / "random").write_bytes(os.urandom(5000))
    expect_refusal(tmp_path / "random", "")
    expect_refusal(tmp_path / "missing.safetensors", "No such file")
    expect_refusal(tmp_path, "folder")


def test_pickle_is_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps(Payload()))
    expect_refusal(path, "")
    torch_file = tmp_path / "evil.pt"
    torch.save({"x": Payload()}, torch_file)
    expect_refusal(torch_file, "")
    assert not marker.exists()


def test_foreign_safetensors(tmp_path):
    path = tmp_path / "foreign.safetensors"
    save_file({"weight": torch.zeros(3)}, path)
    expect_refusal(path, "not a recognizer model")


def test_wrong_shape_dtype_and_values(tmp_path):
    model = RowLSTM(ModelConfig((16,)))
    meta = {"recognizer": json.dumps(make_metadata(model, {}, None))}
    state = {k: v.clone() for k, v in model.state_dict().items()}

    bad_shape = dict(state, **{"readout.weight": torch.zeros(10, 17)})
    save_file(bad_shape, tmp_path / "shape", metadata=meta)
    expect_refusal(tmp_path / "shape", "shape")

    bad_dtype = dict(state, **{"readout.bias": state["readout.bias"].double()})
    save_file(bad_dtype, tmp_path / "dtype", metadata=meta)
    expect_refusal(tmp_path / "dtype", "float64")

    for value in (float("nan"), float("inf")):
        weights = state["readout.weight"].clone()
        weights[0, 0] = value
        save_file(dict(state, **{"readout.weight": weights}), tmp_path / "nan", metadata=meta)
        expect_refusal(tmp_path / "nan", "NaN or infinite")

    missing = {k: v for k, v in state.items() if k != "readout.bias"}
    save_file(missing, tmp_path / "missing", metadata=meta)
    expect_refusal(tmp_path / "missing", "readout.bias")


def test_huge_header(tmp_path):
    path = tmp_path / "huge"
    path.write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    expect_refusal(path, "header")


def test_metadata_problems(tmp_path):
    path, _ = saved(tmp_path)
    rewrite_header(path, lambda h: h["__metadata__"].update(recognizer=json.dumps({"format": "recognizer-row-lstm"})))
    expect_refusal(path, "lacks")

    path, _ = saved(tmp_path, format_version=FORMAT_VERSION + 1)
    expect_refusal(path, "newer")

    path, _ = saved(tmp_path, test_accuracy=7)
    expect_refusal(path, "accuracy")

    path, _ = saved(tmp_path)
    rewrite_header(path, lambda h: h["__metadata__"].update(recognizer="{not json"))
    expect_refusal(path, "JSON")
