"""My digits in the records file: kept, listed, relabelled, deleted and restored; the migration of
a file from before the digits table; the held-out split; a writer killed by SIGKILL at random
moments; corrupt and foreign files refused and left as they are; folders imported (with bad
files among them) and exported."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from recognizer.errors import RecordsError
from recognizer.store.my_digits import MyDigits, held_out_mask
from recognizer.store.my_digits_folders import export_folder, import_folder, png_bytes
from recognizer.store.records import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, Records


def digit_image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((28, 28), dtype=np.float32)


def test_digits_are_kept_whole_and_come_back_after_reopening(tmp_path):
    path = tmp_path / "r.db"
    strokes = [np.array([[10.5, 20.25], [30, 40]], np.float32), np.array([[5, 5]], np.float32)]
    pixels = np.arange(12, dtype=np.uint8).reshape(3, 4)
    with Records(path) as records:
        store = MyDigits(records)
        first = store.add(7, digit_image(1), strokes=strokes, pixels=pixels, answer=1, model="default.safetensors")
        second = store.add(3, digit_image(2), source="import 3/a.png")
    with Records(path) as records:
        store = MyDigits(records)
        assert [(d.id, d.label) for d in store.digits()] == [(second, 3), (first, 7)]  # by label
        whole = store.digit(first)
        assert whole.answer == 1 and whole.model == "default.safetensors" and whole.source == "drawing"
        np.testing.assert_array_equal(whole.input, digit_image(1))
        np.testing.assert_array_equal(whole.pixels, pixels)
        assert [s.tolist() for s in whole.strokes] == [s.tolist() for s in strokes]
        assert store.digit(second).strokes is None and store.counts() == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0]


def test_relabel_delete_and_restore(tmp_path):
    with Records(tmp_path / "r.db") as records:
        store = MyDigits(records)
        ids = [store.add(d % 10, digit_image(d)) for d in range(5)]
        store.relabel(ids[0], 9)
        assert store.digit(ids[0]).label == 9
        gone = store.delete(ids[1:3])
        assert [d.id for d in store.digits()] == [ids[3], ids[4], ids[0]]
        store.restore(gone)  # undo: the same ids, the same inputs
        assert sorted(d.id for d in store.digits()) == sorted(ids)
        np.testing.assert_array_equal(store.digit(ids[2]).input, digit_image(2))
        with pytest.raises(ValueError, match="0 to 9"):
            store.relabel(ids[0], 10)
        assert store.clear() == 5 and store.digits() == []
        with pytest.raises(RecordsError, match="not in My digits"):
            store.digit(ids[0])


def test_a_file_from_before_the_digits_table_is_migrated_and_keeps_its_runs(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute(MIGRATIONS[0])
    db.execute("INSERT INTO runs (name, created, duration, epochs_completed, config, result, curves) "
               "VALUES ('old run', '2026-01-01T00:00:00+00:00', 1.0, 0, '{}', '{}', '{}')")  # fmt: skip
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Records(path) as records:
        assert [r.name for r in records.runs()] == ["old run"]
        MyDigits(records).add(4, digit_image(0))
        assert MyDigits(records).counts()[4] == 1
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2


def test_a_damaged_digit_is_left_out_without_hiding_the_others(tmp_path):
    path = tmp_path / "r.db"
    with Records(path) as records:
        good, bad = MyDigits(records).add(1, digit_image(1)), MyDigits(records).add(2, digit_image(2))
    db = sqlite3.connect(path)
    db.execute("UPDATE digits SET input = x'0102' WHERE id = ?", (bad,))
    db.commit()
    db.close()
    with Records(path) as records:
        store = MyDigits(records)
        assert [d.id for d in store.digits()] == [good] and list(store.unreadable) == [bad]
        with pytest.raises(RecordsError, match=f"Digit {bad} is damaged"):
            store.digit(bad)


def test_the_held_out_part_is_a_fifth_of_each_label_and_stays_put():
    ids = np.arange(1, 101)
    labels = ids % 10
    mask = held_out_mask(ids, labels)
    assert [int(mask[labels == d].sum()) for d in range(10)] == [2] * 10
    more_ids = np.arange(1, 201)  # more digits later: most held-out ones stay held out
    again = held_out_mask(more_ids, more_ids % 10)
    assert again[:100][mask].mean() > 0.5
    assert held_out_mask([5, 6, 7], [3, 3, 4]).tolist().count(True) == 1  # a lone 4 is trained on
    np.testing.assert_array_equal(held_out_mask(ids, labels), mask)  # seeded: the same every time


WRITER = """
import sys
import numpy as np
from recognizer.store.records import Records
from recognizer.store.my_digits import MyDigits
strokes = [np.random.default_rng(0).random((400, 2)) * 280 for _ in range(3)]
pixels = np.zeros((280, 280), np.uint8)
with Records(sys.argv[1]) as records:
    store = MyDigits(records)
    i = 0
    while True:
        store.add(i % 10, np.full((28, 28), (i % 97) / 97, np.float32), source=f"n {i}", strokes=strokes, pixels=pixels)
        print(i, flush=True)
        i += 1
"""


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_writer_killed_at_any_moment_loses_at_most_the_digit_it_was_writing(tmp_path, seed):
    path = tmp_path / "r.db"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    committed = -1
    try:
        committed = int(writer.stdout.readline())  # the file exists and holds a digit
        time.sleep(random.Random(seed).uniform(0.0, 0.6))
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    committed = max([committed, *(int(line) for line in writer.stdout.read().split())])  # printed after COMMIT
    with Records(path) as records:
        digits = MyDigits(records).digits()
        numbers = sorted(int(d.source.split()[1]) for d in digits)
        assert numbers == list(range(len(numbers)))  # no gap, no half digit
        assert len(numbers) - 1 >= committed  # every committed digit is there (one more may be)
        assert all(d.input[0, 0] == pytest.approx((n % 97) / 97) for d, n in zip(sorted(digits, key=lambda d: d.id), numbers))
        assert len(MyDigits(records).digit(digits[-1].id).strokes) == 3
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize("kind", ["not sqlite", "foreign", "damaged"])
def test_a_corrupt_or_foreign_file_is_refused_and_never_overwritten(tmp_path, kind):
    path = tmp_path / "r.db"
    if kind == "not sqlite":
        path.write_bytes(b"\x00garbage" * 500)
    elif kind == "foreign":
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE digits (photo BLOB)")
        db.commit()
        db.close()
    else:
        with Records(path) as records:
            for i in range(50):
                MyDigits(records).add(i % 10, digit_image(i))
        sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        data = bytearray(path.read_bytes())
        data[4096:] = b"\xee" * (len(data) - 4096)
        path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(RecordsError, match="left as it is") as error:
        with Records(path) as records:
            MyDigits(records).add(1, digit_image(1))
    assert "\n" not in str(error.value)
    assert path.read_bytes() == before


def test_a_folder_with_bad_files_imports_the_rest_and_names_each_bad_one(tmp_path):
    folder = tmp_path / "mine"
    for label in (2, 5):
        (folder / str(label)).mkdir(parents=True)
    ink = np.zeros((28, 28), np.float32)
    ink[6:22, 12:16] = 1.0  # a bar: something to read
    (folder / "2" / "a.png").write_bytes(png_bytes(ink))
    (folder / "2" / "b.png").write_bytes(png_bytes(ink.T))
    (folder / "5" / "c.png").write_bytes(png_bytes(ink))
    (folder / "5" / "notes.txt").write_text("not an image")
    (folder / "5" / "blank.png").write_bytes(png_bytes(np.zeros((28, 28))))
    (folder / "5" / "cut.png").write_bytes(png_bytes(ink)[:40])
    (folder / "5" / ".hidden.png").write_bytes(b"skipped")
    (folder / "other").mkdir()  # not a label: not looked into
    (folder / "other" / "x.png").write_bytes(png_bytes(ink))
    with Records(tmp_path / "r.db") as records:
        store = MyDigits(records)
        report = import_folder(folder, store)
        assert len(report.added) == 3 and store.counts() == [0, 0, 2, 0, 0, 1, 0, 0, 0, 0]
        assert len(report.problems) == 3
        for name in ("notes.txt", "blank.png", "cut.png"):
            assert sum(name in p for p in report.problems) == 1
        assert report.summary() == "Imported 3 digits; 3 file(s) left out"
        assert store.digit(report.added[0]).source == "import 2/a.png"

        out = tmp_path / "exported"
        assert export_folder(out, store) == 3
        assert sorted(p.relative_to(out).parts[0] for p in out.rglob("*.png")) == ["2", "2", "5"]
        again = import_folder(out, store)  # the same layout comes back in: as the very same digits
        assert again.problems == [] and again.added == [] and again.already == 3
        assert store.counts() == [0, 0, 2, 0, 0, 1, 0, 0, 0, 0]
