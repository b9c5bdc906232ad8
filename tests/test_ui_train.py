"""The Train tab through its real buttons: start, live curves, pause, resume, stop, use the model;
faults (NaN loss, a crash in the worker, closing mid-run); remembered settings; getting MNIST by
download from a local server or from a chosen folder; the whole thing inside MainWindow.

Runs use tiny data (512 training and 500 test images, batch 64) so that the file stays fast.
"""

from __future__ import annotations

import csv
import functools
import re
import shutil
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pyqtgraph as pg
import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from recognizer.datasets.mnist import FILES, MNIST, load_mnist
from recognizer.files.model_file import LoadedModel, load_model
from recognizer.network.hidden_sizes import parse_hidden_sizes
from recognizer.reading import ReadingSession
from recognizer.training.trainer import BatchProgress, TrainConfig
from recognizer.ui import data_dialog
from recognizer.ui.dialogs import DIALOGS
from recognizer.ui.plot_menu import plot_menu
from recognizer.ui.train import tab as tab_module
from recognizer.ui.train.state import read_train_settings, write_train_settings
from recognizer.ui.train.tab import TrainTab


@pytest.fixture(scope="module")
def small(mnist_dir) -> MNIST:
    m = load_mnist(mnist_dir)
    return MNIST(m.train_images[:512], m.train_labels[:512], m.test_images[:500], m.test_labels[:500])


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """User data (MNIST downloads, auto-saved models) under tmp_path; no cached MNIST."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    data_dialog.forget_cache()
    yield
    data_dialog.forget_cache()


def configure(tab: TrainTab, *, epochs=2, subset=512, batch=64, lr="0.005", schedule="constant", fit_verdict=False):
    form = tab.form
    form.subset_spin.setValue(subset)
    form.epochs_spin.setValue(epochs)
    form.batch_spin.setValue(batch)
    form.lr_edit.setText(lr)
    form.schedule_combo.setCurrentIndex(form.schedule_combo.findData(schedule))
    form.hidden_edit.setText("32")
    form.augment_check.setChecked(False)
    form.verdict_check.setChecked(fit_verdict)  # a tiny run skips the fit unless a test asks for it


def click(qtbot, button):
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.LeftButton)


def batches_counted(tab: TrainTab) -> int:
    """The batches on the curves and those still queued for them (an epoch's result may be queued
    too: it is no batch)."""
    queued = sum(isinstance(payload, BatchProgress) for _, kind, payload in tab.runner._events if kind == "partial")
    return tab.curves.batches.n + queued


def batches_seen(tab: TrainTab) -> int:
    return len(tab.plots.raw_loss.getData()[0] if tab.plots.raw_loss.getData()[0] is not None else [])


def test_start_pause_resume_stop_and_use_the_model(qtbot, make_tab, small, tmp_path, monkeypatch):
    tab = make_tab(data=small)
    configure(tab, epochs=300)  # far more than the test lets it run: Stop ends it
    click(qtbot, tab.start_button)
    assert tab.state == "running" and not tab.start_button.isEnabled()
    qtbot.waitUntil(lambda: batches_seen(tab) >= 3, timeout=15000)  # points on the real curve
    assert tab.plots.smooth_loss.getData()[0] is not None and len(tab.plots.lr_curve.getData()[0]) >= 3
    assert re.match(r"Epoch \d+ of 300 · .* images/s", tab.progress_label.text())

    click(qtbot, tab.pause_button)
    assert tab.state == "paused" and tab.pause_button.text() == "Resume"
    trainer = tab.training.trainer
    qtbot.waitUntil(trainer.held.is_set, timeout=15000)  # the batch under way when Pause was pressed landed
    held = batches_counted(tab)
    QApplication.processEvents()  # the runner hands over what was sent before the hold, and nothing more comes
    assert trainer.held.is_set() and batches_counted(tab) == held  # nothing trains
    assert "Paused" in tab.progress_label.text()

    click(qtbot, tab.pause_button)  # Resume
    assert tab.state == "running" and tab.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: tab.curves.batches.n > held + 8, timeout=15000)  # past the first epoch
    qtbot.waitUntil(lambda: tab.curves.epochs.n >= 2, timeout=15000)
    assert len(tab.plots.acc_test.getData()[0]) >= 2

    with qtbot.waitSignal(tab.run_finished, timeout=20000) as finished:
        click(qtbot, tab.stop_button)
    outcome = finished.args[0]
    assert outcome.result.stopped and tab.state == "finished" and tab.start_button.isEnabled()
    assert tab.result.confusion.matrix.sum() == 500 and tab.result.accuracy_label.text().endswith("%")
    assert outcome.saved is not None and outcome.saved.parent == tmp_path / "models"
    kept = load_model(outcome.saved)  # the weights at the stop, complete and loadable
    assert kept.metadata["training"]["weights"] == "stopped" and "-stopped" in outcome.saved.name
    assert not list((tmp_path / "models").glob("*.part")) and not list((tmp_path / "models").glob(".*"))

    with qtbot.waitSignal(tab.model_ready) as ready:
        click(qtbot, tab.result.use_button)
    loaded = ready.args[0]
    assert isinstance(loaded, LoadedModel) and loaded.model.config.hidden_sizes == (32,)
    assert "In use on Draw & Inspect" in tab.result.result_label.text()
    tab.set_model_in_use(ReadingSession.load(outcome.saved))  # the window switched to another model
    assert "In use" not in tab.result.result_label.text()
    tab.set_model_in_use(ReadingSession(loaded))
    assert "In use on Draw & Inspect" in tab.result.result_label.text()
    assert loaded.metadata["test_accuracy"] == pytest.approx(outcome.result.test_accuracy)
    with torch.no_grad():
        logits = loaded.model(torch.as_tensor(small.test_images, dtype=torch.float32) / 255)
    accuracy = float((logits.argmax(1).numpy() == small.test_labels).mean())
    assert logits.shape == (500, 10) and accuracy == pytest.approx(loaded.metadata["test_accuracy"])
    assert accuracy > 0.15  # it learned something (chance is 0.1)

    monkeypatch.setattr(DIALOGS, "ask_save_path", lambda *a: str(tmp_path / "mine"))  # "Save model as…", no suffix typed
    with qtbot.waitSignal(tab.model_saved) as saved:
        click(qtbot, tab.result.save_button)
    assert load_model(tmp_path / "mine.safetensors").metadata["test_accuracy"] == loaded.metadata["test_accuracy"]
    # Nothing calls it unsaved any more: the window hears the path, the tab says where it went.
    assert saved.args[0].model is loaded.model and saved.args[0].name == "mine.safetensors"
    assert "mine.safetensors" in tab.result.autosave_label.text() and tab.result_model().name == "mine.safetensors"


def test_second_run_overlays_the_first_and_curves_export_to_csv(qtbot, make_tab, small, tmp_path, monkeypatch):
    tab = make_tab(data=small)
    configure(tab, epochs=1)
    assert not tab.export_button.isEnabled()  # no run, no curves to export
    for _ in range(2):
        with qtbot.waitSignal(tab.run_finished, timeout=20000):
            click(qtbot, tab.start_button)
    assert "after 1 epoch." in tab.result.result_label.text() and "512 training images" in tab.result.result_label.text()
    assert len(tab.plots.prev_loss.getData()[0]) == 8 and len(tab.plots.prev_acc_test.getData()[0]) == 1  # faint overlay
    monkeypatch.setattr(DIALOGS, "ask_save_path", lambda *a: str(tmp_path / "curves.csv"))
    click(qtbot, tab.export_button)
    rows = list(csv.DictReader(open(tmp_path / "curves.csv")))
    assert [r["run"] for r in rows].count("current") == 8 + 1 and [r["run"] for r in rows].count("previous") == 9
    epoch_row = next(r for r in rows if r["kind"] == "epoch" and r["run"] == "current")
    assert 0 <= float(epoch_row["test_accuracy"]) <= 1 and float(epoch_row["test_loss"]) > 0
    from pyqtgraph.exporters import CSVExporter  # the plots' own context-menu export works too

    CSVExporter(tab.plots.accuracy_plot.getPlotItem()).export(str(tmp_path / "plot.csv"))
    assert (tmp_path / "plot.csv").read_text().strip()


def test_nan_loss_stops_with_a_lower_learning_rate_hint(qtbot, make_tab, small, monkeypatch):
    import recognizer.training.trainer as train

    real = train.F.cross_entropy
    monkeypatch.setattr(train.F, "cross_entropy", lambda *a, **k: real(*a, **k) * float("nan"))
    tab = make_tab(data=small)
    configure(tab, lr="1e6")
    with qtbot.waitSignal(tab.run_failed, timeout=20000):
        click(qtbot, tab.start_button)
    kind, title, text, _ = tab.messages[-1]
    assert kind == "warning" and "lower learning rate" in text and "1e+06" in text
    assert tab.state == "failed" and tab.start_button.isEnabled() and not tab.running


def test_a_crash_in_the_run_is_shown_with_its_traceback_and_the_tab_keeps_working(qtbot, make_tab, small, monkeypatch):
    import recognizer.training.trainer as train

    real_run = train.Trainer.run
    monkeypatch.setattr(train.Trainer, "run", lambda self: 1 / 0)
    tab = make_tab(data=small)
    configure(tab, epochs=1)
    with qtbot.waitSignal(tab.run_failed, timeout=10000):
        click(qtbot, tab.start_button)
    kind, title, text, details = tab.messages[-1]  # what reached DIALOGS.show_message
    assert kind == "critical" and "ZeroDivisionError" in text and "Traceback" in details and "1 / 0" in details
    monkeypatch.setattr(train.Trainer, "run", real_run)
    with qtbot.waitSignal(tab.run_finished, timeout=20000):
        click(qtbot, tab.start_button)
    assert tab.outcome is not None and tab.result.use_button.isEnabled()


def test_bad_settings_are_refused_inline_every_one_marked(qtbot, make_tab, small):
    tab = make_tab(data=small)
    form = tab.form
    form.hidden_edit.setText("32, zero")
    form.lr_edit.setText("fast")
    assert not tab.start() and tab.state == "idle"
    assert form.settings_error.isVisibleTo(tab) and "Hidden sizes" in form.settings_error.text()
    assert "Learning rate" in form.settings_error.text()
    assert form.hidden_edit.property("invalid") and form.lr_edit.property("invalid") and not form.clip_edit.property("invalid")
    form.lr_edit.setText("0.003")
    assert not tab.start() and not form.lr_edit.property("invalid") and form.hidden_edit.property("invalid")
    assert parse_hidden_sizes("32, 64") == (32, 64) and parse_hidden_sizes(" 128 ") == (128,)
    for bad in ("", "0", "5000", "1,2,3,4,5", "1.5", "9" * 5000, ",".join(["1"] * 10000)):
        with pytest.raises(ValueError):
            parse_hidden_sizes(bad)


def test_shutdown_mid_run_joins_the_worker_and_leaves_no_partial_file(qtbot, make_tab, small, tmp_path):
    tab = make_tab(data=small)
    configure(tab, epochs=300)
    click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: tab.curves.epochs.n >= 1 and tab.curves.batches.n >= 10, timeout=20000)
    assert tab.shutdown(30)
    assert not tab.runner._thread.is_alive()
    files = sorted((tmp_path / "models").iterdir())
    assert len(files) == 1 and files[0].suffix == ".safetensors"  # the best epoch, no temp files
    assert load_model(files[0]).metadata["training"]["stopped"] is True


def test_settings_are_remembered_and_bad_stored_values_fall_back(qtbot, make_tab, small):
    tab = make_tab(data=small)
    configure(tab, epochs=7, subset=1000, batch=32, lr="0.01")
    tab.form.seed_edit.setText("5")
    tab.save_settings()
    again = make_tab(data=small)
    c = again.config()
    assert (c.epochs, c.train_subset, c.batch_size, c.learning_rate, c.seed, c.hidden_sizes) == (7, 1000, 32, 0.01, 5, (32,))
    assert c.schedule == "constant" and c.augment is False

    store = data_dialog.app_settings()
    for key, value in {"epochs": "lots", "batch_size": -3, "learning_rate": "nan", "schedule": "sawtooth",
                       "hidden_sizes": "0, 0", "train_subset": 10**9, "seed": 1.5, "augment": "maybe",
                       "weight_decay": -1, "grad_clip": "inf", "device": "tpu", "warmup_steps": [1, 2]}.items():  # fmt: skip
        store.setValue("train/" + key, value)
    store.sync()
    d = TrainConfig()
    assert read_train_settings(store).to_dict() == {**d.to_dict(), "device": "cuda" if torch.cuda.is_available() else "cpu",
                                                    "fit_verdict": False}  # as saved above, not among the bad ones
    write_train_settings(store, d)
    assert read_train_settings(store).learning_rate == d.learning_rate


class SlowHandler(SimpleHTTPRequestHandler):
    """Serves files in 64 kB pieces with a pause between them, like a slow link."""

    def log_message(self, *args):
        pass

    def copyfile(self, source, outputfile):
        while chunk := source.read(1 << 16):
            outputfile.write(chunk)
            time.sleep(0.004)


@pytest.fixture
def mirror(mnist_dir):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SlowHandler, directory=str(mnist_dir)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_no_data_yet_download_from_a_mirror_then_train(qtbot, make_tab, mirror, monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    tab = make_tab(mirrors=[mirror])
    configure(tab, epochs=1, subset=64)
    click(qtbot, tab.start_button)
    request = tab.data_request
    assert tab.state == "loading" and request.prompt is not None and request.prompt.isVisible()
    assert str(tmp_path / "data" / "recognizer" / "mnist") in request.prompt.informativeText()
    click(qtbot, request.buttons["download"])
    qtbot.waitUntil(lambda: request.progress is not None and " MB" in request.progress.labelText(), timeout=10000)
    assert "of" in request.progress.labelText() and request.progress.maximum() > 0  # bytes, with a total
    assert not request.progress.isModal()  # the window stays usable meanwhile
    with qtbot.waitSignal(tab.run_finished, timeout=40000):
        pass
    folder = tmp_path / "data" / "recognizer" / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f + ".gz" for f in FILES)
    assert tab.outcome.result.evaluation.confusion.sum() == 10_000


def test_cancel_then_choose_a_folder(qtbot, mnist_dir, monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    gave_up, ready = [], []
    request = data_dialog.ensure_mnist(parent, ready.append, on_give_up=gave_up.append)
    click(qtbot, request.buttons["cancel"])
    qtbot.waitUntil(lambda: gave_up == [""], timeout=5000)
    assert not ready and not (tmp_path / "data" / "recognizer" / "mnist").exists()  # nothing downloaded

    request = data_dialog.ensure_mnist(parent, ready.append, on_give_up=gave_up.append)
    request.choose_folder(tmp_path)  # no MNIST there: asked again
    assert request.prompt is not None and "lacks" in request.prompt.text()
    local = tmp_path / "mine"
    shutil.copytree(mnist_dir, local)
    request.choose_folder(local)
    qtbot.waitUntil(lambda: len(ready) == 1, timeout=20000)
    assert len(ready[0].train_images) == 60_000
    assert data_dialog.app_settings().value(data_dialog.SETTINGS_KEY) == str(local)  # remembered
    assert data_dialog.ensure_mnist(parent, ready.append) is None and len(ready) == 2  # cached


def test_inside_the_main_window(qtbot, full_main_window, small, draw, monkeypatch):
    window = full_main_window
    tab = window.train_tab
    assert tab is not None and window.tabs.indexOf(tab) >= 0
    tab.data = small
    configure(tab, epochs=300)
    window.tabs.setCurrentWidget(tab)
    click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: tab.curves.batches.n >= 2, timeout=15000)
    before = window.current_model
    window.tabs.setCurrentWidget(window.inspect_tab)  # drawing keeps working while it trains
    draw(window.inspect_tab.canvas, 7)
    assert window.inspect_tab.trace is not None and window.current_model is before
    with qtbot.waitSignal(tab.run_finished, timeout=20000):
        tab.stop()
    with qtbot.waitSignal(tab.model_ready):
        click(qtbot, tab.result.use_button)
    assert window.current_model.model is tab.outcome.result.model  # swapped in at once...
    with torch.no_grad():  # ...and the drawing was traced again with it
        expected = torch.softmax(tab.outcome.result.model(torch.as_tensor(window.inspect_tab.trace.image)[None]), 1)[0]
    np.testing.assert_allclose(window.inspect_tab.trace.probabilities[-1], expected.numpy(), atol=1e-4)

    click(qtbot, tab.start_button)  # closing the window mid-run asks first
    qtbot.waitUntil(lambda: tab.curves.batches.n >= 2, timeout=15000)
    from recognizer.ui.dialogs import DIALOGS

    keep = lambda parent, title, text, choices, default=0: choices.index("Keep training")  # noqa: E731
    with monkeypatch.context() as m:
        m.setattr(DIALOGS, "ask_choice", keep)
        window.close()
        assert window.isVisible() and tab.running  # kept training
    window.close()  # "Stop and quit" (the tests' default answer): stops the run, joins the thread
    assert DIALOGS.asked[-1][0] == "Training is running"
    assert not tab.runner._thread.is_alive()


def test_cancelling_a_download_leaves_no_files_and_the_gpu_is_offered_only_when_there(qtbot, make_tab, mirror, monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    gave_up = []
    request = data_dialog.ensure_mnist(parent, lambda m: None, on_give_up=gave_up.append, mirrors=[mirror])
    click(qtbot, request.buttons["download"])
    qtbot.waitUntil(lambda: request.progress is not None and request.progress.value() > 0, timeout=10000)
    from PySide6.QtWidgets import QPushButton

    click(qtbot, request.progress.findChild(QPushButton))  # the dialog's Cancel button
    qtbot.waitUntil(lambda: gave_up == [""], timeout=10000)
    folder = tmp_path / "data" / "recognizer" / "mnist"
    assert not [p for p in folder.iterdir() if p.name.startswith(".") or p.name.endswith(".part")]

    assert [tab_device for tab_device in _devices(make_tab(data=None))] == (["cuda", "cpu"] if torch.cuda.is_available() else ["cpu"])
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "Imaginary GPU")
    tab = make_tab(data=None)
    assert _devices(tab) == ["cuda", "cpu"] and "Imaginary GPU" in tab.form.device_combo.itemText(0)
    assert tab.config().device == "cuda"  # the GPU is the default where there is one


def _devices(tab) -> list[str]:
    combo = tab.form.device_combo
    return [combo.itemData(i) for i in range(combo.count())]


# --- polish -------------------------------------------------------------------------------------
def test_the_progress_bar_stands_still_while_paused(qtbot, make_tab, small, monkeypatch):
    tab = make_tab(data=small)
    configure(tab, epochs=30)
    click(qtbot, tab.start_button)
    qtbot.waitUntil(lambda: tab.progress_bar.value() >= 1, timeout=20000)
    click(qtbot, tab.pause_button)
    qtbot.waitUntil(tab.training.trainer.held.is_set, timeout=15000)  # the batch under way landed
    qtbot.waitUntil(lambda: not tab.runner._events, timeout=15000)  # and was handed over
    value, text = tab.progress_bar.value(), tab.progress_label.text()
    later = time.perf_counter() + 600  # ten minutes on: the bar used to climb on with the wall clock
    monkeypatch.setattr(tab_module.time, "perf_counter", lambda: later)
    tab._update_progress()
    assert (tab.progress_bar.value(), tab.progress_label.text()) == (value, text) and text.startswith("Paused")
    with qtbot.waitSignal(tab.run_finished, timeout=20000):
        click(qtbot, tab.stop_button)


def test_the_tab_fits_a_1024_pixel_window_with_nothing_cut_off(qtbot, make_tab):
    tab = make_tab()
    assert tab.minimumSizeHint().width() <= 1024 - 40  # the window's tab frame and margins take the rest
    tab.resize(1024 - 40, 700 - 90)
    qtbot.wait(50)
    inner, visible = tab.left_scroll.widget(), tab.left_scroll.viewport().width()
    form = tab.form
    for widget in (form.defaults_button, form.device_combo, form.lr_edit, form.schedule_combo, form.subset_spin):
        assert widget.width() >= widget.minimumSizeHint().width(), widget
        assert widget.mapTo(inner, QPoint(widget.width(), 0)).x() <= visible, widget
    for widget in (tab.stop_button, tab.result.save_button):  # below the scrolling settings, always in view
        assert widget.width() >= widget.minimumSizeHint().width(), widget
        assert widget.mapTo(tab, QPoint(widget.width(), widget.height())).y() <= tab.height(), widget
        assert widget.mapTo(tab, QPoint(widget.width(), 0)).x() < tab.plots.mapTo(tab, QPoint(0, 0)).x(), widget
    form.lr_edit.setText("0.00003")
    assert form.lr_edit.fontMetrics().horizontalAdvance(form.lr_edit.text()) < form.lr_edit.width() - 8


def test_legends_sit_beside_the_data_not_on_it(qtbot, make_tab):
    tab = make_tab()
    qtbot.wait(50)
    for widget in tab.plots.widgets:  # under the plot, in the same cell
        assert widget.legend.parentWidget() is widget.parentWidget() and widget.legend.isVisibleTo(tab)
        assert widget.legend.y() >= widget.y() + widget.height() and "━━" in widget.legend.text()


def test_a_warm_up_longer_than_the_run_is_flagged_before_start(make_tab, small):
    tab = make_tab(data=small)
    configure(tab, epochs=1, schedule="cosine")  # 512 images in batches of 64: 8 batches
    form = tab.form
    form.warmup_spin.setValue(200)
    assert form.warmup_warning.isVisibleTo(tab) and "(8 batches)" in form.warmup_warning.text()
    form.epochs_spin.setValue(30)
    assert not form.warmup_warning.isVisibleTo(tab)
    form.schedule_combo.setCurrentIndex(form.schedule_combo.findData("constant"))
    form.epochs_spin.setValue(1)
    assert not form.warmup_warning.isVisibleTo(tab) and not form.warmup_spin.isEnabled()  # no warm-up there


def test_counts_read_as_words(make_tab):
    form = make_tab().form
    form.subset_spin.setValue(3000)
    assert form.subset_spin.text() == "3,000 images"
    form.subset_spin.setValue(0)
    assert form.subset_spin.text() == "all 60,000"
    form.warmup_spin.setValue(1)
    assert form.warmup_spin.text() == "1 batch"
    form.subset_spin.lineEdit().setText("12,000 images")  # typed back as shown
    form.subset_spin.interpretText()
    assert form.subset_spin.value() == 12_000


def test_a_right_click_offers_export_and_reset_only(qtbot, make_tab, tmp_path, monkeypatch):
    tab = make_tab()
    widget = tab.plots.accuracy_plot
    menu = plot_menu(widget)
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "Export as PNG image…", "Export as SVG drawing…", "Export data as CSV…", "Reset view"]  # fmt: skip
    for view in tab.plots.widgets:
        assert not any(item.menuEnabled() for item in view.scene().items() if isinstance(item, (pg.PlotItem, pg.ViewBox)))
    viewport = widget.viewport()  # a real right-click opens the short menu, not pyqtgraph's
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Mouse, QPoint(20, 20), viewport.mapToGlobal(QPoint(20, 20))))
    popup = QApplication.activePopupWidget()
    assert popup is not None and [a.text() for a in popup.actions() if not a.isSeparator()][0] == "Export as PNG image…"
    popup.close()
    monkeypatch.setattr(DIALOGS, "ask_save_path", lambda *a: str(tmp_path / "accuracy.png"))
    menu.actions()[0].trigger()
    assert (tmp_path / "accuracy.png").stat().st_size > 0
    widget.getPlotItem().setXRange(5, 6, padding=0)
    next(a for a in menu.actions() if a.text() == "Reset view").trigger()
    assert widget.getPlotItem().viewRange()[0][0] < 0.5
