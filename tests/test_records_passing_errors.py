"""Passing errors and read-only records (issue 25, causes 3 and 11): a locked or full file is
never given up (no new file offered, the write tried again off the UI thread and reported); every
tab follows the one records file, and the user can go back to the default one; a read-only file
is refused before training, in the CLI and the Train tab."""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from test_records import add

from recognizer.commands.main import main
from recognizer.errors import RecordsBusyError, RecordsError
from recognizer.store.my_digits import MyDigits
from recognizer.store.records import Records, default_path, path_beside
from recognizer.ui.app import make_application
from recognizer.ui.settings import app_settings


def records_input() -> np.ndarray:
    return np.full((28, 28), 0.5, np.float32)


def test_a_full_disk_is_a_passing_error_and_a_damaged_file_is_not(tmp_path):
    path = tmp_path / "r.db"
    with Records(path) as records:
        add(records)
        pages = records.query("PRAGMA page_count")[0][0]
        records.query(f"PRAGMA max_page_count = {pages}")  # SQLite's own "database or disk is full"
        with pytest.raises(RecordsBusyError, match="full .*try again"):
            add(records, "x" * 100_000)
    path.write_bytes(path.read_bytes()[:4096] + b"\xff" * 8192)  # its pages damaged
    with pytest.raises(RecordsError) as damaged:
        Records(path).runs()
    assert not isinstance(damaged.value, RecordsBusyError)


def test_a_new_records_file_is_named_beside_the_first_never_new_new(tmp_path):
    first = tmp_path / "recognizer.db"
    assert path_beside(first).name == "recognizer-new.db"
    path_beside(first).write_bytes(b"")
    assert path_beside(tmp_path / "recognizer-new.db").name == "recognizer-new-2.db"


def in_child_as_nobody(fn) -> tuple[int, str]:
    """fn() run in a forked child that gave up root where it had it (root writes through chmod
    444): its exit code and what it wrote on stderr."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            os.close(read_end)
            sys.stderr = os.fdopen(write_end, "w")
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            code = fn()
            sys.stderr.flush()
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as said:
        err = said.read()
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), err


def test_the_cli_refuses_a_read_only_records_file_before_training():
    with tempfile.TemporaryDirectory() as folder:  # outside pytest's root-only tmp_path, for nobody
        folder = Path(folder)
        folder.chmod(0o777)
        db = folder / "r.db"
        Records(db).close()
        db.chmod(0o444)
        code, err = in_child_as_nobody(lambda: main(["train", "--db", str(db), "--out", str(folder / "m.safetensors"),
                                                     "--data-dir", str(folder / "no-mnist-here")]))  # fmt: skip
        assert code == 1 and err.count("\n") == 1, err
        assert "readonly" in err and str(db) in err and "Traceback" not in err


def test_the_train_tab_refuses_records_it_cannot_write_before_training(make_tab, mnist, tmp_path, qtbot):
    db = tmp_path / "notes.db"
    db.write_text("not a database")
    tab = make_tab(data=mnist, db_path=db)
    qtbot.mouseClick(tab.start_button, Qt.LeftButton)
    assert tab.state == "idle" and tab.training is None
    assert "not a recognizer records file" in tab.progress_label.text()
    assert db.read_text() == "not a database"


@pytest.fixture
def window(full_main_window):
    full_main_window.show()
    with warnings.catch_warnings():  # key presses reach the window's shortcuts only when it is active
        warnings.simplefilter("ignore", DeprecationWarning)
        QApplication.setActiveWindow(full_main_window)
    return full_main_window


def test_a_locked_file_is_kept_once_free_never_given_up(window, draw, qtbot, no_modal_dialogs, messages):
    with Records() as records:
        MyDigits(records).add(1, records_input())
    holder = sqlite3.connect(default_path(), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        draw(window.inspect_tab.canvas, 3)
        QTest.keyClick(window.inspect_tab.canvas, Qt.Key_3)
        assert "database is locked" in window.inspect_tab.answer_hint.text()  # said at once, not after 10 s
        assert "trying again" in window.inspect_tab.answer_hint.text()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    qtbot.waitUntil(lambda: window.inspect_tab.answer_hint.text().startswith("Kept as 3"), timeout=20_000)
    assert no_modal_dialogs == [] and messages == []  # no new file offered, nothing went wrong
    assert window.keeper.db_path is None and window.digits_tab.db_path is None
    assert sorted(d.label for d in window.digits_tab.state.digits) == [1, 3]


def test_every_tab_follows_the_one_records_file_and_can_go_back(window, draw, qtbot, no_modal_dialogs):
    default_path().parent.mkdir(parents=True, exist_ok=True)
    default_path().write_bytes(b"my diary, not a database" * 50)
    draw(window.inspect_tab.canvas, 3)
    QTest.keyClick(window.inspect_tab.canvas, Qt.Key_3)  # answered "Start a new one beside it"
    beside = default_path().with_name("recognizer-new.db")
    train, digits = window.train_tab, window.digits_tab
    assert [q[0] for q in no_modal_dialogs] == ["Cannot keep the digit"]
    assert train.db_path == train.runs.db_path == train.start_from.db_path == digits.db_path == beside
    assert app_settings().value("my_digits/db_path") == str(beside)
    assert len(digits.state.digits) == 1 and digits.default_button.isVisible() is False  # not on screen yet
    window.tabs.setCurrentWidget(digits)
    assert digits.default_button.isVisible()
    default_path().unlink()  # the diary is moved away: the default file can be used again
    qtbot.mouseClick(digits.default_button, Qt.LeftButton)
    assert window.keeper.db_path is None and train.db_path is None and train.runs.db_path is None
    assert train.start_from.db_path is None and digits.db_path is None and not digits.default_button.isVisible()
    assert app_settings().value("my_digits/db_path") == ""
    assert digits.state.digits == [] and "not an SQLite database" not in digits.message_label.text()


def test_a_digit_deleted_while_another_writer_holds_the_file_goes_once_it_is_free(qtbot, tmp_path, messages):
    from recognizer.ui.digits.tab import DigitsTab

    db = tmp_path / "r.db"
    with Records(db) as records:
        first, second = (MyDigits(records).add(label, records_input()) for label in (2, 5))
    make_application()
    tab = DigitsTab(db)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    qtbot.mouseClick(tab.grid.viewport(), Qt.LeftButton, pos=tab.grid.item_center(0))
    assert tab.selected_digit().id == first
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        qtbot.mouseClick(tab.delete_button, Qt.LeftButton)
        assert "database is locked" in tab.message_label.text() and "trying again" in tab.message_label.text()
        assert [d.id for d in tab.state.digits] == [first, second]  # not yet
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    qtbot.waitUntil(lambda: [d.id for d in tab.state.digits] == [second], timeout=20_000)
    assert tab.undo_button.isEnabled() and messages == []
    assert tab.shutdown(10)


def test_a_run_deleted_while_another_writer_holds_the_file_goes_once_it_is_free(make_tab, tmp_path, qtbot):
    db = tmp_path / "r.db"
    with Records(db) as records:
        older, newer = add(records, "older"), add(records, "newer")
    runs = make_tab(db_path=db).runs
    table = runs.table
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=table.visualItemRect(table.item(1, 1)).center())
    assert runs.selected().id == older
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        qtbot.mouseClick(runs.delete_button, Qt.LeftButton)  # the question is answered "Delete"
        assert "database is locked" in runs.status.text() and "trying again" in runs.status.text()
        assert [r.id for r in runs.runs] == [newer, older]  # not yet
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    qtbot.waitUntil(lambda: [r.id for r in runs.runs] == [newer], timeout=20_000)
    assert runs.table.rowCount() == 1
