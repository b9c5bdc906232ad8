"""Model files: round trip, atomic writes, metadata checks. The catalogue of bad files is in
tests/bad_files.py, checked through the core, the CLI and the window in test_bad_input.py."""

import errno
import json
import os
import stat
import struct

import pytest
import torch

from recognizer.errors import ModelFileError
from recognizer.files.model_file import (
    MAX_FILE_BYTES,
    MAX_HEADER_BYTES,
    load_model,
    make_metadata,
    save_model,
    tensor_shapes,
)
from recognizer.network.hidden_sizes import MAX_HIDDEN, MAX_LAYERS
from recognizer.network.model import ModelConfig, RowRNN


def saved(tmp_path, sizes=(16,), **changes):
    model = RowRNN(ModelConfig(sizes))
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
        save_model(path, RowRNN(ModelConfig((16,))), make_metadata(RowRNN(ModelConfig((16,))), {}, None))
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


def test_tensor_shapes_are_the_models_own():
    for sizes in [(16,), (32, 64), (512,) * 4]:
        model = RowRNN(ModelConfig(sizes))
        assert tensor_shapes(sizes) == {k: tuple(v.shape) for k, v in model.state_dict().items()}


def test_the_file_size_limit_follows_the_largest_model():
    """The largest model, plus the largest rejection parameters a file may carry (4 rows of the
    last layer's units: means (10, 4H) and a (4H, 4H) factor)."""
    largest = RowRNN(ModelConfig((MAX_HIDDEN,) * MAX_LAYERS))
    d = 4 * MAX_HIDDEN
    trust = 10 * d + d * d
    assert MAX_FILE_BYTES == 8 + MAX_HEADER_BYTES + 4 * (sum(p.numel() for p in largest.parameters()) + trust)


def test_the_largest_model_round_trips(tmp_path):
    model = RowRNN(ModelConfig((MAX_HIDDEN,) * MAX_LAYERS))
    path = save_model(tmp_path / "big.safetensors", model, make_metadata(model, {}, None))
    assert path.stat().st_size <= MAX_FILE_BYTES
    assert load_model(path).model.config.hidden_sizes == (MAX_HIDDEN,) * MAX_LAYERS


def test_a_failed_write_names_the_file(tmp_path, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    model = RowRNN(ModelConfig((16,)))
    with pytest.raises(OSError) as caught:
        save_model(tmp_path / "new.safetensors", model, make_metadata(model, {}, None))
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(tmp_path / "new.safetensors")
    assert list(tmp_path.iterdir()) == []


def test_new_files_get_the_usual_mode_and_old_ones_keep_theirs(tmp_path):
    old = os.umask(0o027)
    try:
        path, model = saved(tmp_path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640  # 0o666 & ~umask, not mkstemp's 0o600
        path.chmod(0o604)
        save_model(path, model, make_metadata(model, {}, None))
        assert stat.S_IMODE(path.stat().st_mode) == 0o604
    finally:
        os.umask(old)


def test_a_symlink_is_written_through(tmp_path):
    target, model = saved(tmp_path)
    link = tmp_path / "link.safetensors"
    link.symlink_to(target.name)
    other = RowRNN(ModelConfig((8,)))
    save_model(link, other, make_metadata(other, {}, None))
    assert link.is_symlink() and os.readlink(link) == target.name
    assert load_model(target).model.config.hidden_sizes == (8,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.safetensors", "m.safetensors"]


def test_exclusive_never_replaces(tmp_path):
    path, model = saved(tmp_path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        save_model(path, model, make_metadata(model, {"other": 1}, None), exclusive=True)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]
