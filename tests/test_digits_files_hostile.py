"""Hostile folders for `digits import | export` (issue 25, causes 4, 5, 13 and the duplicates):
names that are not UTF-8, the same folder imported twice, symbolic links in the export folder,
and SIGTERM in the middle of an export; through the CLI (as a subprocess where it is about the
process) and the My digits tab's own buttons."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from child_signals import as_from_a_terminal
from PySide6.QtCore import Qt

from recognizer.commands.main import main
from recognizer.store.my_digits import Digit, MyDigits
from recognizer.store.my_digits_folders import png_bytes
from recognizer.store.records import Records


def bar(k: int) -> np.ndarray:
    ink = np.zeros((28, 28), np.float32)
    ink[5:23, 10 : 12 + k] = 1.0  # k: its width (where it stands on the image, to_mnist makes no matter)
    return ink


def odd_folder(tmp_path) -> Path:
    """3/ holds a digit named b'\\xff.png' (not UTF-8) and one named ok.png; junk named b'\\xfe.txt'."""
    folder = tmp_path / "in"
    (folder / "3").mkdir(parents=True)
    raw = os.fsencode(folder / "3")
    Path(os.fsdecode(raw + b"/\xff.png")).write_bytes(png_bytes(bar(0)))
    (folder / "3" / "ok.png").write_bytes(png_bytes(bar(6)))
    Path(os.fsdecode(raw + b"/\xfe.txt")).write_bytes(b"not an image")
    return folder


def run_cli(*argv, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recognizer", *argv], capture_output=True, text=True,
                          errors="replace", timeout=120, **kwargs)  # fmt: skip


def test_import_reports_every_file_whatever_its_name_and_skips_digits_already_there(tmp_path):
    folder, db = odd_folder(tmp_path), tmp_path / "r.db"
    first = run_cli("digits", "import", str(folder), "--db", str(db))
    assert first.returncode == 0 and "Imported 2 digits; 1 file(s) left out" in first.stdout
    assert first.stderr.count("\n") == 1 and "\\udcfe.txt" in first.stderr and "Traceback" not in first.stderr
    with Records(db) as records:
        assert sorted(d.source for d in MyDigits(records).digits()) == ["import 3/'\\udcff.png'", "import 3/ok.png"]
    again = run_cli("digits", "import", str(folder), "--db", str(db))
    assert again.returncode == 0 and "Imported 0 digits; 2 already there; 1 file(s) left out" in again.stdout
    with Records(db) as records:
        assert MyDigits(records).counts()[3] == 2


def test_the_tab_imports_odd_names_and_skips_what_is_there(qtbot, tmp_path, messages, monkeypatch):
    from recognizer.ui.app import make_application
    from recognizer.ui.dialogs import DIALOGS
    from recognizer.ui.digits.tab import DigitsTab

    folder = odd_folder(tmp_path)
    make_application()
    tab = DigitsTab(tmp_path / "r.db")
    qtbot.addWidget(tab)
    tab.show()
    monkeypatch.setattr(DIALOGS, "ask_folder", lambda *args, **kwargs: str(folder))
    try:
        for said in ("Imported 2 digits; 1 file(s) left out.", "Imported 0 digits; 2 already there; 1 file(s) left out."):
            qtbot.waitUntil(tab.import_button.isEnabled, timeout=20_000)
            qtbot.mouseClick(tab.import_button, Qt.LeftButton)
            qtbot.waitUntil(lambda: tab.message_label.text() == said, timeout=20_000)
            assert len(tab.state.digits) == 2
            kind, title, text, details = messages[-1]
            assert kind == "warning" and "\\udcfe.txt" in details
    finally:
        assert tab.shutdown(10)


def stored(db, count: int) -> None:
    with Records(db) as records:
        MyDigits(records).restore([Digit(id=i, label=i % 10, created="2026-01-01T00:00:00+00:00", source="drawing",
                                         input=bar(i % 12)) for i in range(1, count + 1)])  # fmt: skip


@pytest.mark.parametrize("link", ["subfolder", "file"])
def test_export_never_writes_through_a_link_in_the_folder(tmp_path, capsys, link):
    db, out, outside = tmp_path / "r.db", tmp_path / "out", tmp_path / "outside"
    stored(db, 3)
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    out.mkdir()
    if link == "subfolder":
        (out / "2").symlink_to(outside, target_is_directory=True)
    else:
        (out / "2").mkdir()
        (out / "2" / "digit-2.png").symlink_to(outside / "precious.txt")
    assert main(["digits", "export", str(out), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "symbolic link" in err and "nothing was written" in err
    assert sorted(p.name for p in outside.iterdir()) == ["precious.txt"] and (outside / "precious.txt").read_text() == "keep me"
    assert not list(out.rglob("*.png")) or link == "file" and [p.name for p in out.rglob("*.png")] == ["digit-2.png"]


def test_sigterm_during_an_export_leaves_no_temporary_file(tmp_path):
    # The signal goes once the export is under way (its first file is there). On a loaded machine
    # this process may see that only after the export has ended: then again, with more digits.
    for count in (3000, 20_000):
        db, out = tmp_path / f"r{count}.db", tmp_path / f"out{count}"
        stored(db, count)
        process = subprocess.Popen([sys.executable, "-m", "recognizer", "digits", "export", str(out), "--db", str(db)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=as_from_a_terminal)  # fmt: skip
        try:
            while not any(out.rglob("digit-*.png")) and process.poll() is None:
                os.sched_yield()
            process.send_signal(signal.SIGTERM)
            said, err = process.communicate(timeout=120)
        finally:
            process.kill()
        if said.startswith("Exported"):  # it had ended (exit 0), or was leaving (killed after its last word)
            continue
        assert process.returncode == 143 and err == "recognizer: terminated\n"
        assert len(list(out.rglob("*.png"))) < count  # it stopped part way
        assert [p.name for p in out.rglob("*") if p.is_file() and not p.name.endswith(".png")] == []  # no .part left
        return
    pytest.fail("the export always ended before SIGTERM arrived")
