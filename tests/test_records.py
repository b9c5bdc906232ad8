"""The records file: runs written, listed, renamed, deleted; migrations; files that are not ours,
damaged or newer refused and left as they are; a damaged record beside good ones; a writer
killed mid-write; and `recognizer train` recording every run (with --db)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from recognizer.commands.main import main
from recognizer.errors import RecordsError
from recognizer.store.records import APPLICATION_ID, SCHEMA_VERSION, Records, default_path
from recognizer.training.curves import MAX_STORED_POINTS, RunCurves
from recognizer.training.trainer import BatchProgress, EpochResult


def curves(batches=20, epochs=2) -> RunCurves:
    c = RunCurves()
    per = batches // epochs
    c.add([BatchProgress(1 + i // per, 1 + i % per, per, 2.0 / (i + 1), 1e-3, 100.0) for i in range(batches)])
    c.add([EpochResult(e, 0.5, 0.8, 0.4, 0.9 + e / 100, 1.0) for e in range(1, epochs + 1)])
    return c


def add(records: Records, name="run", accuracy=0.95, c: RunCurves | None = None) -> int:
    return records.add_run(name=name, config={"hidden_sizes": [32], "epochs": 2}, duration=12.5,
                           result={"test_accuracy": accuracy, "epochs_completed": 2},
                           curves=(c or curves()).to_dict(), model_path="/tmp/m.safetensors")  # fmt: skip


def test_runs_are_kept_listed_renamed_and_deleted(tmp_path):
    path = tmp_path / "r.db"
    with Records(path) as records:
        first, second = add(records, "first", 0.9), add(records, "second", 0.97)
    with Records(path) as records:  # a new process would see the same
        assert [r.name for r in records.runs()] == ["second", "first"]  # newest first
        whole = records.run(first)
        back = RunCurves.from_dict(whole.curves)
        assert back.batches.n == 20 and list(back.epoch("test_accuracy")) == pytest.approx([0.91, 0.92])
        assert whole.test_accuracy == 0.9 and whole.duration == 12.5 and whole.config["hidden_sizes"] == [32]
        records.rename_run(first, "renamed")
        records.delete_run(second)
        assert [r.name for r in records.runs()] == ["renamed"] and records.last_run().id == first
        with pytest.raises(RecordsError, match="not in the records"):
            records.run(second)
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_the_default_file_is_in_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_path() == tmp_path / "recognizer" / "recognizer.db"
    with Records() as records:
        add(records)
    assert default_path().is_file()


def test_long_runs_keep_a_few_thousand_batch_points(tmp_path):
    long = curves(batches=14_070, epochs=30)
    stored = long.to_dict()
    assert len(stored["batch"]["batch_loss"]) == MAX_STORED_POINTS and len(stored["epoch"]["epoch"]) == 30
    steps = stored["batch"]["step"]
    assert steps[0] == 1 and steps[-1] == 14_070 and steps == sorted(steps)  # first and last kept


def test_a_damaged_record_does_not_hide_the_others(tmp_path):
    path = tmp_path / "r.db"
    with Records(path) as records:
        good, bad, half = add(records, "good"), add(records, "bad"), add(records, "half")
    db = sqlite3.connect(path)
    db.execute("UPDATE runs SET config = '{not json' WHERE id = ?", (bad,))
    db.execute("UPDATE runs SET curves = '[1, 2' WHERE id = ?", (half,))
    db.commit()
    db.close()
    with Records(path) as records:
        assert [r.name for r in records.runs()] == ["half", "good"] and list(records.unreadable) == [bad]
        with pytest.raises(RecordsError, match=f"Run {half} .* is damaged"):
            records.run(half)
        assert records.run(good).name == "good"
        assert records.last_run().id == good  # the newest one that reads whole


@pytest.mark.parametrize("kind", ["not sqlite", "foreign", "newer"])
def test_files_that_are_not_ours_are_refused_and_left_alone(tmp_path, kind):
    path = tmp_path / "r.db"
    if kind == "not sqlite":
        path.write_bytes(b"my thesis, draft 3\n" * 100)
    else:
        db = sqlite3.connect(path)
        if kind == "foreign":
            db.execute("CREATE TABLE songs (title TEXT)")
        else:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
            db.execute("CREATE TABLE future (x)")
        db.commit()
        db.close()
    before = path.read_bytes()
    message = {"not sqlite": "not an SQLite database", "foreign": "another program's database",
               "newer": "newer recognizer"}[kind]  # fmt: skip
    with pytest.raises(RecordsError, match=message) as error:
        Records(path)
    assert "left as it is" in str(error.value) and "\n" not in str(error.value)
    assert path.read_bytes() == before


def test_a_damaged_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "r.db"
    with Records(path) as records:
        for i in range(30):
            add(records, f"run {i}")
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # every page after the first
    path.write_bytes(bytes(data))
    with pytest.raises(RecordsError, match="Cannot use the records .*damaged"):
        with Records(path) as records:
            records.runs()
    assert path.read_bytes() == bytes(data)


WRITER = """
import sys
from recognizer.store.records import Records
from recognizer.training.curves import RunCurves
from recognizer.training.trainer import BatchProgress
c = RunCurves()
c.add([BatchProgress(1, i + 1, 5000, 1.0 / (i + 1), 1e-3, 1.0) for i in range(5000)])
stored = c.to_dict()
with Records(sys.argv[1]) as records:
    i = 0
    while True:
        records.add_run(name=f"run {i}", config={"i": i}, result={"epochs_completed": 1}, curves=stored, duration=1.0)
        i += 1
        if i == 1:
            print("first", flush=True)
"""


def test_a_writer_killed_mid_write_loses_at_most_that_run(tmp_path):
    path = tmp_path / "r.db"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "first"
        time.sleep(0.5)  # many writes, one of them under way when the kill comes
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    with Records(path) as records:
        runs = records.runs()
        assert len(runs) >= 1 and records.unreadable == {}
        assert sorted(r.config["i"] for r in runs) == list(range(len(runs)))  # no gap, no half run
        assert all(len(records.run(r.id).curves["batch"]["step"]) == MAX_STORED_POINTS for r in runs)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cli_training_is_recorded(tmp_path, capsys):
    db = tmp_path / "runs.db"
    out = tmp_path / "m.safetensors"
    code = main(["train", "--out", str(out), "--hidden", "8", "--epochs", "2", "--subset", "256", "--batch-size", "64",
                 "--no-augment", "--no-fit-verdict", "--device", "cpu", "--db", str(db)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    with Records(db) as records:
        (run,) = records.runs()
        whole = records.run(run.id)
    assert run.model_path == str(out.resolve()) and run.epochs_completed == 2 and run.duration > 0
    assert run.config["hidden_sizes"] == [8] and 0 <= run.test_accuracy <= 1
    back = RunCurves.from_dict(whole.curves)
    assert back.batches.n == 2 * 4 and back.epochs.n == 2
    assert json.dumps(run.result["confusion"]).count(",") == 99  # 10 x 10


def test_cli_refuses_a_foreign_records_file_before_training(tmp_path, capsys):
    db = tmp_path / "notes.txt"
    db.write_text("not a database")
    code = main(["train", "--out", str(tmp_path / "m.safetensors"), "--db", str(db), "--data-dir", str(tmp_path)])
    assert code == 1 and "not a recognizer records file" in capsys.readouterr().err
    assert db.read_text() == "not a database" and not (tmp_path / "m.safetensors").exists()
