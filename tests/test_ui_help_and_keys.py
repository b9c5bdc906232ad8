"""Help › Keyboard shortcuts and the digit keys, through the real window: F1 opens the real
message box (not a recorder) and it lists every shortcut; pressing a digit key twice for one
drawing keeps one digit, relabelled."""

from __future__ import annotations

import warnings

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from recognizer.my_digits import MyDigits
from recognizer.records import Records, default_path
from recognizer.ui import main_window as main_window_module
from recognizer.ui.app import make_application
from recognizer.ui.main_window import MainWindow
from recognizer.ui.menus import SHORTCUTS


@pytest.fixture
def window(qtbot, model_path, monkeypatch):
    """A shown, active window (key presses reach its shortcuts only then) with the real dialogs."""
    monkeypatch.setattr(main_window_module, "_optional_tab", lambda module, name: None)
    make_application()
    w = MainWindow(model_path=model_path)
    qtbot.addWidget(w)
    w.ensure_ready()
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        QApplication.setActiveWindow(w)
    yield w
    w.close()


def test_f1_lists_every_shortcut_whole(window, qtbot):
    QTest.keyClick(window.inspect_tab.canvas, Qt.Key_F1)
    qtbot.waitUntil(lambda: any(b.isVisible() for b in window.findChildren(QMessageBox)))
    box = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
    assert box.windowTitle() == "Keyboard shortcuts"
    assert box.textFormat() == Qt.RichText
    for keys, words in SHORTCUTS:
        assert keys in box.text() and words in box.text(), keys
    assert box.detailedText() == ""  # no raw HTML behind "Show Details…"
    box.close()


def test_a_second_digit_key_relabels_the_drawing_it_kept(window, draw):
    canvas = window.inspect_tab.canvas
    draw(canvas, 7)
    QTest.keyClick(canvas, Qt.Key_1)
    QTest.keyClick(canvas, Qt.Key_7)  # "oops, I meant 7"
    with Records(default_path()) as records:
        assert [d.label for d in MyDigits(records).digits()] == [7]
    assert window.inspect_tab.answer_hint.text().startswith("Relabelled as 7")
    canvas.clear()
    draw(canvas, 7)  # a new drawing is a new digit
    QTest.keyClick(canvas, Qt.Key_7)
    with Records(default_path()) as records:
        assert [d.label for d in MyDigits(records).digits()] == [7, 7]
