"""What a first-time user hit in the window (issue 24), each through the real widgets: the wheel
over the Train form, the window's size on a small screen, where file dialogs start, and more."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from drawing import DIGIT_STROKES, draw_stroke
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QFileDialog, QWidget

from recognizer.reading import ReadingSession
from recognizer.ui import data_dialog
from recognizer.ui.dialogs import DIALOGS
from recognizer.ui.train import runs_state


def wheel(widget, notches: int = 1) -> None:
    """Turn the mouse wheel over the middle of widget, through the window system as a real wheel
    would (Qt passes such an event up the parents; one sent to a widget goes to it alone).
    notches > 0 turns it away from the user (up), < 0 towards (down)."""
    top = widget.window()
    centre = QPointF(widget.mapTo(top, QPoint(widget.width() // 2, widget.height() // 2)))
    QTest.wheelEvent(top.windowHandle(), centre, QPoint(0, 120 * notches))
    QApplication.processEvents()


def value_of(widget):
    return widget.currentIndex() if isinstance(widget, QComboBox) else widget.text()


def test_the_wheel_scrolls_the_train_form_and_changes_a_setting_only_once_it_is_focused(qtbot, full_main_window):
    window = full_main_window
    window.resize(1024, 600)  # short enough that the settings column scrolls
    tab = window.train_tab
    window.tabs.setCurrentWidget(tab)
    qtbot.wait(50)
    fields = [w for w in tab.form.findChildren(QAbstractSpinBox) + tab.form.findChildren(QComboBox)
              if w.isVisibleTo(tab) and w.isEnabled()]  # fmt: skip
    assert len(fields) >= 5
    bar = tab.left_scroll.verticalScrollBar()
    assert bar.maximum() > 0
    for field in fields:
        tab.left_scroll.ensureWidgetVisible(field)
        before, scrolled = value_of(field), bar.value()
        wheel(field, -1 if scrolled < bar.maximum() else 1)  # down, or up at the bottom
        assert value_of(field) == before, field
        assert not field.hasFocus(), field
        assert bar.value() != scrolled, field  # the wheel scrolled the form instead
    spin = next(f for f in fields if isinstance(f, QAbstractSpinBox))
    with warnings.catch_warnings():  # the offscreen platform activates no window by itself
        warnings.simplefilter("ignore", DeprecationWarning)
        QApplication.setActiveWindow(window)
    tab.left_scroll.ensureWidgetVisible(spin)
    spin.setFocus(Qt.MouseFocusReason)  # clicked into: now the wheel is for it
    assert spin.hasFocus()
    before = spin.text()
    wheel(spin, 1)
    assert spin.text() != before


SMALL_SCREEN = {"screens": [{"name": "small", "x": 0, "y": 0, "width": 1024, "height": 768, "logicalDpi": 96,
                               "logicalBaseDpi": 96, "dpr": 1}]}  # fmt: skip
FIRST_LAUNCH = """
from recognizer.ui.app import make_application
from recognizer.ui.main_window import MainWindow
app = make_application()
window = MainWindow()
window.show()
app.processEvents()
free, frame = window.screen().availableGeometry(), window.frameGeometry()
print(free.width(), free.height(), frame.x(), frame.y(), frame.width(), frame.height())
"""


def test_the_first_launch_fits_a_1024x768_screen(tmp_path):
    """A fresh user (no settings) on a 1024x768 screen, as its own process: the offscreen platform
    is told the screen's size before Qt starts."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps(SMALL_SCREEN))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"))  # fmt: skip
    done = subprocess.run([sys.executable, "-c", FIRST_LAUNCH], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    width, height, x, y, frame_width, frame_height = map(int, done.stdout.split())
    assert (width, height) == (1024, 768)
    assert x >= 0 and y >= 0 and x + frame_width <= width and y + frame_height <= height
    assert frame_width >= 1000  # and it takes the room there is


@pytest.fixture
def down_mirror():
    """A port that was just free and is now closed: connecting is refused, as with no network."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def test_no_internet_is_said_in_one_sentence_with_no_command_line_hint(qtbot, make_tab, down_mirror, monkeypatch):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    data_dialog.forget_cache()
    tab = make_tab(mirrors=[down_mirror, down_mirror, down_mirror])
    label_height = tab.progress_label.height()
    qtbot.mouseClick(tab.start_button, Qt.LeftButton)
    request = tab.data_request
    qtbot.mouseClick(request.buttons["download"], Qt.LeftButton)
    qtbot.waitUntil(lambda: request.prompt is not None and "Try again" in request.buttons["download"].text(), timeout=10000)
    prompt = request.prompt
    assert prompt.text() == "Could not reach the internet."
    assert prompt.informativeText() == "Choose a folder that holds MNIST, or try again."
    assert down_mirror in prompt.detailedText()  # what each mirror answered, behind Show Details…
    qtbot.mouseClick(request.buttons["cancel"], Qt.LeftButton)
    qtbot.waitUntil(lambda: tab.state == "idle", timeout=5000)
    assert tab.progress_label.text() == "No training data: Could not reach the internet."
    qtbot.wait(20)
    assert tab.progress_label.height() == label_height  # the Run panel keeps its size


def test_the_window_takes_data_dir_and_every_tab_looks_there(qtbot, tmp_path, monkeypatch):
    from recognizer.__main__ import main
    from recognizer.ui import app as app_module

    opened, run_app = [], app_module.run_app
    monkeypatch.setattr(app_module, "run_app", lambda **kwargs: opened.append(kwargs) or 0)
    assert main(["--data-dir", str(tmp_path)]) == 0
    assert opened == [{"model_path": None, "data_dir": tmp_path}]

    monkeypatch.setattr(app_module.QApplication, "exec", lambda *args: 0)  # run_app returns at once
    monkeypatch.setattr(data_dialog, "_given", None)  # whatever run_app sets is undone after the test
    monkeypatch.setattr(app_module, "MainWindow", lambda **kwargs: opened.append(kwargs) or QWidget())
    run_app(data_dir=tmp_path)
    assert data_dialog.data_folder() == (tmp_path, "argument")  # before $MNIST_DIR and the folder chosen before
    parent = QWidget()
    qtbot.addWidget(parent)
    request = data_dialog.ensure_mnist(parent, lambda mnist: None)
    assert request.prompt.text().startswith(f"The MNIST folder ({tmp_path}) lacks")
    assert "--data-dir" not in request.prompt.text() + request.prompt.informativeText()
    request.cancel()


def answer_file_dialog(choose: Path, seen: list[str]) -> None:
    """Once the modal file dialog is up: note the folder it starts in, pick choose, accept."""

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(10, answer)
            return
        seen.append(dialog.directory().absolutePath())
        dialog.selectFile(str(choose))
        dialog.accept()

    QTimer.singleShot(0, answer)


def test_file_dialogs_start_in_pictures_or_documents_then_where_the_last_file_was(qtbot, main_window, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # platformdirs' Pictures and Documents: ~/Pictures, ~/Documents
    monkeypatch.delenv("XDG_PICTURES_DIR", raising=False)
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no user-dirs.dirs there
    for name in ("Pictures", "Documents", "elsewhere"):
        (tmp_path / name).mkdir()
    (tmp_path / "elsewhere" / "none.png").write_text("not an image")
    for name in ("ask_open_path", "ask_save_path"):
        monkeypatch.delattr(DIALOGS, name)  # the real pickers, not the tests' guards
    monkeypatch.chdir(Path(__file__).parent)  # started from the source tree, as `make run` does
    window = main_window
    seen: list[str] = []
    answer_file_dialog(tmp_path / "elsewhere" / "none.png", seen)
    window.inspect_actions.open_image_dialog()
    answer_file_dialog(tmp_path / "elsewhere" / "none.png", seen)
    window.inspect_actions.open_image_dialog()  # the folder of the last image opened
    assert seen == [str(tmp_path / "Pictures"), str(tmp_path / "elsewhere")]
    assert [m[1] for m in window.messages] == ["Cannot open image"] * 2

    for stroke in DIGIT_STROKES[3]:
        draw_stroke(window.inspect_tab.canvas, stroke)
    answer_file_dialog(tmp_path / "Documents" / "trace.csv", seen)
    window.inspect_actions.save_trace_dialog()  # a table, not an image: Documents
    assert seen[2] == str(tmp_path / "Documents") and (tmp_path / "Documents" / "trace.csv").is_file()


def test_the_loss_plot_follows_this_run_and_the_rate_axis_reads_one_way(qtbot):
    from recognizer.training.curves import RunCurves
    from recognizer.training.trainer import BatchProgress
    from recognizer.ui.train.plots import TrainingPlots

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(900, 500)
    plots.show()
    previous, current = RunCurves(), RunCurves()
    previous.add([BatchProgress(1, b, 20, 9.0, 0.05, 100.0) for b in range(1, 21)])  # a run that diverged
    current.add([BatchProgress(1, b, 20, 2.0 - b / 20, 1.2e-4 * b / 20, 100.0) for b in range(1, 21)])
    plots.begin(1, 1.2e-4, previous)
    plots.draw(current)
    qtbot.wait(20)
    assert plots.loss_plot.getPlotItem().viewRange()[1][1] < 3  # not squashed under the old run's 9
    axis = plots.lr_plot.getPlotItem().getAxis("left")
    image = QImage(axis.boundingRect().size().toSize(), QImage.Format_ARGB32)
    painter = QPainter(image)
    labels = [text for _, _, text in axis.generateDrawSpecs(painter)[2]]  # what the axis draws
    painter.end()
    assert len(labels) >= 2 and not any("e" in text for text in labels), labels
    assert len({len(text.split(".")[-1]) for text in labels}) == 1, labels  # as many places on every tick


def test_train_shows_ten_rows_of_the_confusion_matrix_and_no_count_spills_out_of_its_cell(qtbot, full_main_window, full_matrix):
    window = full_main_window
    tab = window.train_tab
    window.tabs.setCurrentWidget(tab)
    tab.result.confusion.set_matrix(full_matrix)
    for width, height in ((1024, 700), (1280, 800)):
        window.resize(width, height)
        qtbot.wait(50)
        assert (window.width(), window.height()) == (width, height)  # the window's minimum fits
        view = tab.result.confusion
        top, bottom = view.cell_center(0, 0), view.cell_center(9, 0)
        half = view.cell_pixels() / 2
        assert top.y() - half >= 0 and bottom.y() + half <= view.height(), (width, height)  # rows 0 to 9 all in view
        shown = window.tabs.currentWidget().rect()  # and the view within what the tab shows
        assert shown.contains(view.mapTo(tab, QPoint(view.width() - 1, view.height() - 1)))
        for t, p in ((1, 1), (0, 0), (2, 7)):
            label = view.labels[t][p]
            if label.isVisible():
                wide = QFontMetrics(label.textItem.font()).horizontalAdvance(label.toPlainText())
                assert wide <= view.cell_pixels(), (width, height, label.toPlainText())


@pytest.fixture
def full_matrix():
    """A confusion matrix as a good model leaves it: four-digit counts on the diagonal."""
    import numpy as np

    matrix = np.full((10, 10), 3)
    np.fill_diagonal(matrix, [970, 1135, 1020, 1000, 970, 880, 950, 1020, 960, 1000])
    return matrix


def test_the_result_buttons_and_three_runs_are_in_view_in_a_1280x800_window(qtbot, make_tab):
    tab = make_tab()
    tab.resize(1280 - 40, 800 - 90)
    qtbot.wait(50)
    for button in (tab.result.use_button, tab.result.save_button, tab.start_button):
        assert button.isVisibleTo(tab)
        assert button.mapTo(tab, QPoint(0, button.height())).y() <= tab.height(), button.text()
        assert not tab.left_scroll.isAncestorOf(button)  # not behind the settings' scroll bar either
    table = tab.runs.table
    assert table.viewport().height() >= 3 * table.verticalHeader().defaultSectionSize()


@pytest.fixture
def digits_tab(qtbot, tmp_path, mnist, model_path, messages):
    """A My digits tab on 150 test digits, in a window small enough that the grid scrolls."""
    from recognizer.store.my_digits import MyDigits
    from recognizer.store.records import Records
    from recognizer.ui.digits.tab import DigitsTab

    db = tmp_path / "r.db"
    with Records(db) as records:
        store = MyDigits(records)
        for i in range(150):
            store.add(int(mnist.test_labels[i]), mnist.test_images[i] / 255.0)
    tab = DigitsTab(db)
    qtbot.addWidget(tab)
    tab.resize(900, 500)
    tab.show()
    tab.set_model_in_use(ReadingSession.load(model_path))
    qtbot.waitUntil(lambda: not tab.busy, timeout=20_000)
    yield tab
    assert tab.shutdown(10)


def test_my_digits_buttons_stay_put_and_the_selection_stays_in_view(qtbot, digits_tab):
    tab = digits_tab
    grid = tab.grid
    row = grid.count() - 3  # far down: the grid has to scroll to it
    qtbot.mouseClick(grid.viewport(), Qt.LeftButton, pos=grid.item_center(row))
    chosen = tab.selected_digit()
    assert chosen is not None and grid.verticalScrollBar().value() > 0
    where = {b: b.mapTo(tab, QPoint(0, 0)) for b in (tab.relabel_button, tab.delete_button, tab.undo_button)}
    relabel = tab.relabel_button.menu().actions()[(chosen.label + 1) % 10]
    relabel.trigger()  # what choosing it in the button's menu does
    qtbot.waitUntil(lambda: not tab.busy, timeout=20_000)
    assert tab.message_label.text() == f"Digit #{chosen.id} is now a {(chosen.label + 1) % 10}."
    assert {b: b.mapTo(tab, QPoint(0, 0)) for b in where} == where  # the status line moved nothing
    assert tab.selected_digit().id == chosen.id  # still selected, though it moved to another label
    index = grid.digits.index(grid.currentIndex().row())
    assert grid.viewport().rect().intersects(grid.visualRect(index))  # and in view
    qtbot.mouseClick(tab.delete_button, Qt.LeftButton)
    assert tab.message_label.text().startswith("Deleted 1 digit")
    assert {b: b.mapTo(tab, QPoint(0, 0)) for b in where} == where
    assert tab.selected_digit() is not None and tab.delete_button.isEnabled()  # the next one, ready for another click


def test_include_my_digits_says_how_many_are_trained_on_and_held_out(qtbot, make_tab, tmp_path, mnist):
    from recognizer.store.my_digits import MyDigits
    from recognizer.store.records import Records

    db = tmp_path / "mine.db"
    with Records(db) as records:
        store = MyDigits(records)
        for i in range(3):  # one of each digit: nothing can be held out yet
            store.add(int(mnist.test_labels[i]), mnist.test_images[i] / 255.0)
    tab = make_tab(db_path=db)
    box = tab.start_from
    on_box = QPoint(8, box.my_digits_check.height() // 2)  # the check box itself, not the row's empty end
    qtbot.mouseClick(box.my_digits_check, Qt.LeftButton, pos=on_box)
    assert box.my_digits_label.text() == "My digits: 3 trained on, none held out yet (keep or import at least two of a digit)"
    qtbot.mouseClick(box.my_digits_check, Qt.LeftButton, pos=on_box)
    assert box.my_digits_label.text() == ""
    with Records(db) as records:
        for i in range(3, 40):
            MyDigits(records).add(int(mnist.test_labels[i]), mnist.test_images[i] / 255.0)
    qtbot.mouseClick(box.my_digits_check, Qt.LeftButton, pos=on_box)
    trained, held = (int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", box.my_digits_label.text()))
    assert box.my_digits_label.text() == f"My digits: {trained} trained on, {held} held out" and held > 0 and trained + held == 40


def test_a_run_stopped_mid_epoch_loads_at_the_accuracy_it_is_listed_at(qtbot, make_tab, mnist):
    from recognizer.datasets.mnist import MNIST

    small = MNIST(mnist.train_images[:512], mnist.train_labels[:512], mnist.test_images[:500], mnist.test_labels[:500])
    tab = make_tab(data=small)
    form = tab.form
    form.subset_spin.setValue(512)
    form.epochs_spin.setValue(50)
    form.batch_spin.setValue(64)  # 8 batches an epoch
    form.hidden_edit.setText("32")
    form.warmup_spin.setValue(0)  # full rate from the first batch: every batch moves the weights
    form.lr_edit.setText("0.01")
    qtbot.mouseClick(tab.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: tab.curves.epochs.n >= 1 and tab.curves.batches.n >= 12, timeout=30000)  # into epoch 2
    with qtbot.waitSignal(tab.run_finished, timeout=30000) as finished:
        qtbot.mouseClick(tab.stop_button, Qt.LeftButton)
    outcome = finished.args[0]
    assert outcome.result.stopped and outcome.result.best_epoch is not None  # an epoch was saved before the stop
    listed = tab.runs.table.item(0, runs_state.COLUMNS.index("Test accuracy")).text()
    assert tab.result.accuracy_label.text() == listed
    tab.runs.table.selectRow(0)
    with qtbot.waitSignal(tab.runs.model_ready) as ready:
        qtbot.mouseClick(tab.runs.use_button, Qt.LeftButton)
    loaded = ready.args[0]  # what the window's status bar and Models menu then show
    assert f"{loaded.test_accuracy:.2%}" == listed
