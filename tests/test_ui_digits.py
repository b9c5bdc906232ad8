"""My digits in the window: a drawing labelled through the real window (mouse events on the
canvas, then a digit key) is in the records after a restart; a corrupt records file is left as it
is and a new one started beside it; the My digits tab shows, filters, relabels, deletes (with
undo), imports and opens digits in Draw & Inspect."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from drawing import DIGIT_STROKES
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from window_tabs import placeholder_tabs

from recognizer.inputs.strokes import CANVAS_PEN_WIDTH, render_canvas, render_strokes
from recognizer.reading import ReadingSession
from recognizer.store.my_digits import MyDigits
from recognizer.store.my_digits_folders import png_bytes
from recognizer.store.records import Records, default_path
from recognizer.ui.app import make_application
from recognizer.ui.digits.tab import DigitsTab
from recognizer.ui.main_window import MainWindow


@pytest.fixture
def windows(qtbot, model_path, monkeypatch, messages):
    """open() -> a new window with Draw & Inspect and My digits only (the others are placeholders)."""
    placeholder_tabs(monkeypatch, keep=("digits",))
    make_application()
    opened = []

    def open_window():
        window = MainWindow(model_path=model_path)
        qtbot.addWidget(window)
        window.ensure_ready()
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        # Key presses reach the window's shortcuts only when it is the active window, which the
        # offscreen platform does not make the first window of a process by itself.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            QApplication.setActiveWindow(window)
        opened.append(window)
        return window

    yield open_window
    for window in opened:
        window.close()


def wait_answers(qtbot, tab):
    qtbot.waitUntil(lambda: not tab.busy, timeout=20_000)


def test_a_drawing_labelled_in_the_window_is_there_after_a_restart(windows, draw, qtbot):
    first = windows()
    draw(first.inspect_tab.canvas, 7)
    assert first.inspect_tab.state.trace.prediction == 7
    QTest.keyClick(first.inspect_tab.canvas, Qt.Key_1)  # "no, it's a 1"
    assert first.inspect_tab.answer_hint.text() == "Kept as 1 (the network said 7)."
    wait_answers(qtbot, first.digits_tab)
    assert [d.label for d in first.digits_tab.state.digits] == [1]
    first.close()

    second = windows()  # a new window on the same records file
    tab = second.digits_tab
    wait_answers(qtbot, tab)
    (digit,) = tab.state.digits
    assert digit.label == 1 and tab.state.is_misread(digit) and tab.grid.count() == 1
    with Records(default_path()) as records:
        whole = MyDigits(records).digit(digit.id)
    assert whole.answer == 7 and whole.source == "drawing" and whole.model == "default.safetensors"
    assert len(whole.strokes) == len(DIGIT_STROKES[7]) and whole.pixels.shape == (280, 280) and whole.pixels.max() > 0
    np.testing.assert_allclose(render_strokes(whole.strokes), whole.input, atol=1e-3)  # the input can be made again

    second.tabs.setCurrentWidget(tab)
    pos = tab.grid.item_center(0)
    qtbot.mouseClick(tab.grid.viewport(), Qt.LeftButton, pos=pos)  # the first click of the double-click
    qtbot.mouseDClick(tab.grid.viewport(), Qt.LeftButton, pos=pos)
    assert second.tabs.currentWidget() is second.inspect_tab
    assert second.inspect_tab.state.source == f"My digit #{digit.id}, labelled 1"
    np.testing.assert_allclose(second.inspect_tab.state.image28, whole.input, atol=1 / 255)
    # The canvas shows the strokes that were kept, drawn again with the canvas's pen (issue 24:
    # it showed the 28x28 blown up, blurred and cut): sharp edges, the 7's own extent.
    shown = second.inspect_tab.canvas.pixels().astype(int)
    kept = render_canvas(whole.strokes, CANVAS_PEN_WIDTH).astype(int)
    assert np.abs(shown - kept).mean() < 3
    ink = shown > 127
    assert ((shown > 30) & (shown < 225)).sum() < 0.15 * ink.sum()


def test_the_digit_keys_keep_nothing_when_nothing_is_drawn(windows):
    window = windows()
    QTest.keyClick(window.inspect_tab.canvas, Qt.Key_4)
    assert "Nothing to keep" in window.inspect_tab.answer_hint.text()
    assert not default_path().exists() or MyDigits(Records(default_path())).counts() == [0] * 10


def test_a_corrupt_records_file_is_left_alone_and_a_new_one_started_beside_it(windows, draw, no_modal_dialogs):
    default_path().parent.mkdir(parents=True, exist_ok=True)
    default_path().write_bytes(b"my diary, not a database" * 50)
    before = default_path().read_bytes()
    window = windows()
    draw(window.inspect_tab.canvas, 3)
    QTest.keyClick(window.inspect_tab.canvas, Qt.Key_3)  # the dialog is answered "Start a new one beside it"
    (title, text, choices) = no_modal_dialogs[-1]
    assert title == "Cannot keep the digit" and "not an SQLite database" in text and choices[0].startswith("Start a new")
    assert default_path().read_bytes() == before
    beside = default_path().with_name("recognizer-new.db")
    with Records(beside) as records:
        assert MyDigits(records).counts()[3] == 1
    assert window.digits_tab.db_path == beside and len(window.digits_tab.state.digits) == 1
    assert window.inspect_tab.answer_hint.text().startswith("Kept as 3")


@pytest.fixture
def tab(qtbot, tmp_path, mnist, model_path, messages):
    """A My digits tab on a records file holding 30 test digits, six of them labelled wrong."""
    db = tmp_path / "r.db"
    with Records(db) as records:
        store = MyDigits(records)
        for i in range(30):
            label = int(mnist.test_labels[i])
            store.add((label + 1) % 10 if i < 6 else label, mnist.test_images[i] / 255.0)
    make_application()
    tab = DigitsTab(db)
    qtbot.addWidget(tab)
    tab.resize(1000, 700)
    tab.show()
    tab.set_model_in_use(ReadingSession.load(model_path))
    wait_answers(qtbot, tab)
    yield tab
    assert tab.shutdown(10)


def test_the_tab_shows_accuracy_filters_relabels_deletes_and_undoes(tab, qtbot):
    state = tab.state
    assert tab.grid.count() == 30 and "reads 80% of your 30 digits right (24); 6 misread." in tab.accuracy_label.text()
    tab.misread_check.setChecked(True)
    assert tab.grid.count() == 6 and all(state.is_misread(d) for d in tab._visible)
    first = tab._visible[0]
    tab.grid.select_row(0)
    tab.relabel_selected(state.answers[first.id])  # put right: the model agrees now
    wait_answers(qtbot, tab)
    assert tab.grid.count() == 5 and "(25)" in tab.accuracy_label.text()
    tab.misread_check.setChecked(False)
    tab.filter_combo.setCurrentIndex(tab.filter_combo.findData(7))
    assert tab.grid.count() == sum(d.label == 7 for d in state.digits) > 0
    tab.grid.select_row(0)
    gone = tab.selected_digit()
    tab.delete_selected()
    assert gone.id not in {d.id for d in state.digits} and tab.undo_button.isEnabled()
    assert "Deleted 1 digit" in tab.message_label.text()
    tab.undo_delete()
    assert gone.id in {d.id for d in state.digits} and not tab.undo_button.isEnabled()


def test_the_tab_imports_a_folder_and_names_the_bad_files(tab, qtbot, tmp_path, messages):
    folder = tmp_path / "in"
    (folder / "4").mkdir(parents=True)
    ink = np.zeros((28, 28), np.float32)
    ink[4:24, 12:16] = 1
    (folder / "4" / "good.png").write_bytes(png_bytes(ink))
    (folder / "4" / "bad.png").write_bytes(b"junk")
    tab.import_folder(folder)
    # the files slot is busy: its bar shows and no second import can start until it is over
    assert tab.state.files_job.busy and tab.progress.isVisibleTo(tab) and not tab.import_button.isEnabled()
    qtbot.waitUntil(lambda: "Imported" in tab.message_label.text(), timeout=20_000)
    assert len(tab.state.digits) == 31
    assert not tab.progress.isVisibleTo(tab) and tab.import_button.isEnabled()
    (kind, title, text, details) = messages[-1]
    assert kind == "warning" and "bad.png" in details and "good.png" not in details


def test_the_tab_imports_a_pen_file_through_its_file_dialog(tab, qtbot, tmp_path, messages, monkeypatch):
    from recognizer.datasets.unipen import write_pen_file
    from recognizer.ui.dialogs import DIALOGS

    pen = tmp_path / "class.unp.gz"
    write_pen_file(pen, [("7", DIGIT_STROKES[7], "ann 1"), ("4", DIGIT_STROKES[4], "ann 2"), ("K", DIGIT_STROKES[1], "ann 3")])
    asked = []
    monkeypatch.setattr(DIALOGS, "ask_open_path", lambda parent, title, file_filter, start="": asked.append(file_filter) or str(pen))
    qtbot.mouseClick(tab.import_pen_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "Imported" in tab.message_label.text(), timeout=20_000)
    assert "*.unp.gz" in asked[0] and "*.unp" in asked[0]
    assert tab.message_label.text() == "Imported 2 digits; 1 segment(s) left out."
    mine = [d for d in tab.state.digits if d.source.startswith("import class.unp.gz")]
    assert sorted(d.label for d in mine) == [4, 7]
    with Records(tab.db_path) as records:
        seven = MyDigits(records).digit(next(d.id for d in mine if d.label == 7))
    assert len(seven.strokes) == 1  # kept as vectors; the input is drawn from them (read back as float32)
    np.testing.assert_allclose(seven.input, render_strokes(seven.strokes), atol=1e-4)
    (kind, title, text, details) = messages[-1]
    assert kind == "warning" and "not labelled with a digit (K)" in details
