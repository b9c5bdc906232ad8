"""Model files: round trip, atomic writes, metadata checks. The catalogue of bad files is in
tests/bad_files.py, checked through the core, the CLI and the window in test_bad_input.py."""

import json
import os
import struct

import pytest
import torch

from recognizer.errors import ModelFileError
from recognizer.model import ModelConfig, RowLSTM
from recognizer.modelfile import load_model, make_metadata, save_model


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


def test_metadata_problems(tmp_path):
    """Beyond the bad files of tests/bad_files.py (checked in test_bad_input.py)."""
    path, _ = saved(tmp_path, test_accuracy=7)
    expect_refusal(path, "accuracy")

    path, _ = saved(tmp_path)
    rewrite_header(path, lambda h: h["__metadata__"].update(recognizer="{not json"))
    expect_refusal(path, "JSON")

    path, _ = saved(tmp_path, format="someone-elses-model")
    expect_refusal(path, "format")

    path, _ = saved(tmp_path, architecture={"hidden_sizes": [0], "cols": 28, "classes": 10})
    expect_refusal(path, "hidden sizes")
