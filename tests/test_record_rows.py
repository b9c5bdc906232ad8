"""Damaged rows in the records file (issue 25, causes 1, 8 and 12): every class of bad field in a
run or a digit is left out and named, never fatal; an oversized row is left out by its SQL length,
never fetched; `digits list` and the real main window survive them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
from test_records import add
from window_tabs import placeholder_tabs

from recognizer.errors import RecordsError
from recognizer.store.my_digits import MyDigits, held_out_mask
from recognizer.store.records import MAX_ROW_CHARS, Records, default_path, left_out

NAN_INPUT = np.full((28, 28), np.nan, np.float32).tobytes()
# (column, stored value, what the reason names): one case per class of bad field in a run row
BAD_RUN_FIELDS = [
    ("duration", "NaN", "duration"), ("duration", "inf", "duration"), ("duration", -5.0, "duration"),
    ("duration", float("inf"), "duration"), ("test_accuracy", "x", "test accuracy"),
    ("test_accuracy", 7.5, "test accuracy"), ("created", "9999-12-31T23:59:59-12:00", "date"),
    ("created", "0001-01-01T00:00:00+14:00", "date"), ("created", "yesterday", "date"), ("created", 5, "date"),
    ("epochs_completed", 3.5, "epoch count"), ("epochs_completed", "two", "epoch count"), ("name", b"\xff", "name"),
    ("config", '{"learning_rate": "0.001"}', "learning rate"), ("config", '{"hidden_sizes": "big"}', "hidden sizes"),
    ("config", '{"hidden_sizes": [0]}', "hidden size"), ("config", '{"epochs": 2.5}', "epoch count"),
    ("config", "[1, 2]", "settings"), ("config", "{not json", "settings"), ("result", "null", "result"),
    ("model_path", b"\0", "model file"),
]  # fmt: skip
# the same for a digit row (label as text or 3.5, a NaN or infinite input, ...)
BAD_DIGIT_FIELDS = [
    ("label", "x", "label"), ("label", 3.5, "label"), ("label", 12, "label"), ("input", NAN_INPUT, "input"),
    ("input", np.full((28, 28), np.inf, np.float32).tobytes(), "input"), ("input", b"\0" * 100, "input"),
    ("input", "text", "input"), ("created", "9999-12-31T23:59:59-12:00", "date"), ("answer", "seven", "answer"),
    ("source", b"\xfe", "source"),
]  # fmt: skip


def damage(path, table: str, column: str, value, row_id: int) -> None:
    db = sqlite3.connect(path)
    if table == "digits" and column == "label":  # the CHECK constraint stands in the way of a damaged file
        db.execute("PRAGMA ignore_check_constraints = ON")
    db.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (value, row_id))
    db.commit()
    db.close()


@pytest.mark.parametrize("column, value, named", BAD_RUN_FIELDS)
def test_a_run_with_any_bad_field_is_left_out_and_named(tmp_path, column, value, named):
    path = tmp_path / "r.db"
    with Records(path) as records:
        good, bad = add(records, "good"), add(records, "bad")
    damage(path, "runs", column, value, bad)
    with Records(path) as records:
        assert [r.id for r in records.runs()] == [good]
        assert list(records.unreadable) == [bad] and named in records.unreadable[bad]
        assert f"#{bad}: its {named}" in left_out(records.unreadable, "run record")
        assert records.last_run().id == good  # the newest one that reads whole
        with pytest.raises(RecordsError, match=f"Run {bad} .* damaged .*{named}"):
            records.run(bad)


@pytest.mark.parametrize("column, value, named", BAD_DIGIT_FIELDS)
def test_a_digit_with_any_bad_field_is_left_out_named_and_never_counted(tmp_path, column, value, named):
    path = tmp_path / "r.db"
    with Records(path) as records:
        store = MyDigits(records)
        ids = [store.add(label, np.full((28, 28), 0.5, np.float32)) for label in (3, 3, 3, 4)]
    damage(path, "digits", column, value, ids[0])
    with Records(path) as records:
        store = MyDigits(records)
        assert [d.id for d in store.digits()] == ids[1:]
        assert list(store.unreadable) == [ids[0]] and named in store.unreadable[ids[0]]
        assert store.counts()[3] == 2 and sum(store.counts()) == 3  # never counted, whatever its label says
        found, _, labels = store.arrays()
        assert list(found) == ids[1:] and held_out_mask(found, labels).sum() == 1  # one of the two 3s
        with pytest.raises(RecordsError, match=f"Digit {ids[0]} is damaged"):
            store.digit(ids[0])


@pytest.mark.parametrize("column", ["config", "curves"])
def test_an_oversized_run_is_left_out_by_its_length_in_bounded_memory(tmp_path, column):
    path = tmp_path / "r.db"
    with Records(path) as records:
        good, big = add(records, "good"), add(records, "big")
    huge = '{"batch": {"step": [' + "1.2345678," * (MAX_ROW_CHARS // 10) + "1]}}"
    damage(path, "runs", column, huge, big)
    del huge
    tracemalloc.start()
    with Records(path) as records:
        listed = [r.id for r in records.runs()]
        if column == "config":  # what a listing fetches is measured by the listing
            assert listed == [good] and "more than" in records.unreadable[big]
        else:  # the curves, when the run is read whole
            assert listed == [big, good] and records.unreadable == {}
        assert records.last_run().id == good
        with pytest.raises(RecordsError, match=f"Run {big} .* more than"):
            records.run(big)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4_000_000  # the 16 MB never reached Python (decoding them would take 20 times that)


def test_digits_list_and_export_skip_damaged_digits_and_name_them(tmp_path):
    path = tmp_path / "r.db"
    with Records(path) as records:
        store = MyDigits(records)
        ids = [store.add(label, np.full((28, 28), 0.5, np.float32)) for label in (1, 2, 2)]
    damage(path, "digits", "label", "x", ids[0])
    damage(path, "digits", "input", NAN_INPUT, ids[1])
    done = subprocess.run([sys.executable, "-m", "recognizer", "digits", "list", "--json", "--db", str(path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"]["2"] == 1 and json.loads(done.stdout)["total"] == 1
    assert "Traceback" not in done.stderr and "2 damaged digit(s) left out" in done.stderr
    assert f"#{ids[0]}: its label is 'x'" in done.stderr
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "recognizer", "digits", "export", str(out), "--db", str(path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0 and "Exported 1 digits" in done.stdout and "2 damaged digit(s) left out" in done.stderr
    assert [p.name for p in out.rglob("*.png")] == [f"digit-{ids[2]}.png"] and "Warning" not in done.stderr


def test_the_window_opens_whole_on_a_records_file_with_damaged_rows(request):
    with Records() as records:
        good, bad = add(records, "good"), add(records, "bad")
        MyDigits(records).add(5, np.full((28, 28), 0.5, np.float32))
        damaged_digit = MyDigits(records).add(6, np.full((28, 28), 0.5, np.float32))
    for column, value in (("duration", "NaN"), ("test_accuracy", "x"), ("created", "9999-12-31T23:59:59-12:00")):
        damage(default_path(), "runs", column, value, bad)
    damage(default_path(), "digits", "label", 3.5, damaged_digit)
    damage(default_path(), "runs", "distributions", '{"blocks": 5, "weights": "x"}', good)  # JSON, but not insight's
    window = request.getfixturevalue("full_main_window")  # started on the damaged file
    assert window.current_model is not None and window.messages == []
    assert window.train_tab is not None and window.evaluate_tab is not None and window.lab_tab is not None
    runs = window.train_tab.runs
    assert [r.id for r in runs.runs] == [good] and f"#{bad}: its" in runs.status.text()
    assert window.train_tab.result.record.id == good  # it opens on the newest run that reads whole
    assert window.train_tab.insight.state.empty  # without the distributions it cannot show
    digits = window.digits_tab
    assert len(digits.state.digits) == 1 and f"#{damaged_digit}: its label is 3.5" in digits.message_label.text()


def test_a_tab_that_cannot_open_says_why_in_its_place_and_the_rest_loads(monkeypatch, request):
    from PySide6.QtWidgets import QLabel

    class Broken:
        def __init__(self, *args):
            raise RecordsError("Cannot use the records r.db: disk I/O error")

    placeholder_tabs(monkeypatch, digits=Broken)
    window = request.getfixturevalue("full_main_window")
    assert window.current_model is not None and window.digits_tab is None
    said = window.tabs.widget(4)
    assert isinstance(said, QLabel) and "could not be opened: Cannot use the records r.db: disk I/O error" in said.text()
