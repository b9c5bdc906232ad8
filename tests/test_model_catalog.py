"""The model catalog: shipped and own models with accuracy and size, bad files as reasons."""

from __future__ import annotations

import os

import torch

from recognizer.files.model_catalog import SHIPPED, YOURS, ModelCatalog
from recognizer.files.model_file import load_model, make_metadata, save_model
from recognizer.network.model import ModelConfig, RowRNN, count_parameters
from recognizer.store.records import Records


def _save(path, sizes=(8,), accuracy=None, seed=0):
    torch.manual_seed(seed)
    model = RowRNN(ModelConfig(sizes))
    save_model(path, model, make_metadata(model, {"note": "test"}, accuracy))
    return model


def _record(db, name, model_path):
    with Records(db) as records:
        return records.add_run(name=name, config={}, result={"test_accuracy": 0.5}, curves={}, duration=1.0,
                               model_path=model_path)  # fmt: skip


def test_the_app_lists_its_shipped_model_first_with_its_accuracy_and_size():
    entries = ModelCatalog().entries()  # conftest gives an empty user data folder
    first = entries[0]
    assert first.path.name == "default.safetensors" and first.group == SHIPPED and first.usable
    shipped = load_model(first.path)  # the file's own numbers, not a copy that a retrained model outdates
    assert first.accuracy == shipped.test_accuracy and first.architecture == "LSTM 128"
    assert first.parameters == count_parameters(RowRNN(ModelConfig((128,)))) == count_parameters(shipped.model)
    assert first.label == f"default.safetensors (LSTM 128, {shipped.test_accuracy:.2%}, {first.parameters:,} parameters)"
    assert all(e.group == SHIPPED for e in entries)


def test_shipped_then_recorded_runs_then_autosaves_and_bad_files_with_reasons(tmp_path):
    shipped, runs, elsewhere = tmp_path / "shipped", tmp_path / "runs", tmp_path / "elsewhere"
    _save(shipped / "zeta.safetensors", (4,), 0.25)
    _save(shipped / "default.safetensors", (8,), 0.5)
    (shipped / "broken.safetensors").write_bytes(b"not a model at all")
    _save(runs / "run-old.safetensors", (6,), 0.75)
    os.utime(runs / "run-old.safetensors", (1_000_000, 1_000_000))
    _save(runs / "run-new.safetensors", (16, 8), 0.875)
    _save(elsewhere / "saved-as.safetensors", (12,), None)
    db = tmp_path / "records.db"
    _record(db, "first run", runs / "run-new.safetensors")  # also in the folder: listed once, by name
    _record(db, "second run", elsewhere / "saved-as.safetensors")
    _record(db, "deleted file", elsewhere / "gone.safetensors")

    entries = ModelCatalog(shipped, runs, db).entries()
    names = [(e.group, e.path.name, e.title) for e in entries]
    assert names == [
        (SHIPPED, "default.safetensors", "default.safetensors"),
        (SHIPPED, "broken.safetensors", "broken.safetensors"),
        (SHIPPED, "zeta.safetensors", "zeta.safetensors"),
        (YOURS, "gone.safetensors", "deleted file"),
        (YOURS, "saved-as.safetensors", "second run"),
        (YOURS, "run-new.safetensors", "first run"),
        (YOURS, "run-old.safetensors", "run-old.safetensors"),
    ]
    by_name = {e.path.name: e for e in entries}
    broken = by_name["broken.safetensors"]
    assert not broken.usable and broken.error.startswith("not a model file: its first 8 bytes announce a header")
    assert "broken.safetensors" not in broken.error  # the menu names the file, the reason does not repeat it
    assert broken.label.startswith("broken.safetensors (cannot be loaded: ")
    assert not by_name["gone.safetensors"].usable and "No such file" in by_name["gone.safetensors"].error
    stacked = by_name["run-new.safetensors"]
    assert stacked.usable and stacked.architecture == RowRNN(ModelConfig((16, 8))).describe()
    assert stacked.details == f"{stacked.architecture}, 87.50%, {count_parameters(RowRNN(ModelConfig((16, 8)))):,} parameters"
    assert by_name["saved-as.safetensors"].details.endswith(", accuracy unknown, " + f"{by_name['saved-as.safetensors'].parameters:,} parameters")


def test_reopening_reads_only_files_that_changed(tmp_path):
    shipped, runs = tmp_path / "shipped", tmp_path / "runs"
    _save(shipped / "default.safetensors", (8,), 0.5)
    _save(runs / "a.safetensors", (8,), 0.5)
    catalog = ModelCatalog(shipped, runs, tmp_path / "no.db")
    pending = catalog.entries(read=False)
    assert [e.pending for e in pending] == [True, True] and not any(e.usable for e in pending)
    assert pending[1].label == "a.safetensors (reading…)" and catalog.files_read == 0
    assert len(catalog.entries()) == 2 and catalog.files_read == 2
    assert not any(e.pending for e in ModelCatalog(shipped, runs, tmp_path / "no.db").entries(read=False))  # shared cache
    catalog.entries()
    assert catalog.files_read == 2
    _save(runs / "a.safetensors", (4,), 0.125, seed=3)
    entries = catalog.entries()
    assert catalog.files_read == 3 and entries[1].accuracy == 0.125
    assert not (tmp_path / "no.db").exists()  # listing never creates the records


def test_unreadable_records_still_list_the_folders(tmp_path):
    shipped, runs = tmp_path / "shipped", tmp_path / "runs"
    _save(shipped / "default.safetensors")
    _save(runs / "a.safetensors")
    db = tmp_path / "records.db"
    db.write_bytes(b"garbage that is not SQLite")
    assert [e.path.name for e in ModelCatalog(shipped, runs, db).entries()] == ["default.safetensors", "a.safetensors"]
