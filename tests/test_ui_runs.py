"""The Runs panel of the Train tab: runs recorded by the CLI show after a restart and the tab
opens on the last one; checked runs overlay their curves in colours of their own; rename,
delete, Use this model, Train again; a run trained in the tab is recorded."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from test_records import add, curves

from recognizer.commands.main import main
from recognizer.datasets.mnist import MNIST
from recognizer.files.model_file import LoadedModel
from recognizer.store.records import Records
from recognizer.ui.dialogs import DIALOGS
from recognizer.ui.train.runs_state import OVERLAY_COLOURS


@pytest.fixture(scope="module")
def small(mnist) -> MNIST:
    return MNIST(mnist.train_images[:256], mnist.train_labels[:256], mnist.test_images[:300], mnist.test_labels[:300])


def cli_train(tmp_path, name="m", epochs="1"):
    out = tmp_path / f"{name}.safetensors"
    assert main(["train", "--out", str(out), "--hidden", "8", "--epochs", epochs, "--subset", "256",
                 "--batch-size", "64", "--no-augment", "--no-fit-verdict", "--device", "cpu"]) == 0  # fmt: skip
    return out


def test_a_cli_run_shows_after_a_restart_and_its_model_can_be_used(qtbot, make_tab, tmp_path, capsys):
    out = cli_train(tmp_path, epochs="2")
    for _ in range(2):  # the window opened twice: the record is on disk, not in memory
        tab = make_tab()
        assert tab.runs.table.rowCount() == 1
        name = tab.runs.table.item(0, 0).text()
        assert name.startswith("LSTM 8") and tab.runs.table.item(0, 3).text() == "2 of 2"
        # The tab opens on the last run, not on "No run yet".
        assert name in tab.result.result_label.text() and tab.result.accuracy_label.text().endswith("%")
        assert tab.result.confusion.matrix.sum() == 10_000
        assert len(tab.plots.raw_loss.getData()[0]) == 2 * 4 and len(tab.plots.acc_test.getData()[0]) == 2
    with qtbot.waitSignal(tab.model_ready) as ready:
        qtbot.mouseClick(tab.result.use_button, Qt.LeftButton)
    loaded = ready.args[0]
    assert isinstance(loaded, LoadedModel) and loaded.path == out.resolve() and loaded.model.config.hidden_sizes == (8,)


def test_checked_runs_overlay_their_curves_each_in_its_colour(make_tab, tmp_path):
    with Records() as records:
        add(records, "slow", 0.9, curves(batches=30, epochs=3))
        add(records, "fast", 0.97, curves(batches=20, epochs=2))
    tab = make_tab()
    assert [tab.runs.table.item(r, 0).text() for r in range(2)] == ["fast", "slow"]
    for run in tab.runs.runs:
        tab.runs.set_checked(run.id)
    overlays = tab.plots.overlays
    assert len(overlays) == 2 * 4  # smoothed loss, rate, test loss, test accuracy of each run
    loss_items = [item for widget, item in overlays if widget is tab.plots.loss_plot]
    assert [len(item.getData()[0]) for item in loss_items] == [20, 30]
    colours = {item.opts["pen"].color().name() for _, item in overlays}
    assert colours == {OVERLAY_COLOURS[0], OVERLAY_COLOURS[1]}
    legend = tab.plots.accuracy_plot.legend.text()
    assert "fast" in legend and "slow" in legend
    tab.runs.set_checked(tab.runs.runs[0].id, False)
    assert len(tab.plots.overlays) == 4 and "fast" not in tab.plots.accuracy_plot.legend.text()


def test_rename_delete_and_train_again(make_tab, monkeypatch):
    with Records() as records:
        keep, gone = add(records, "keep"), add(records, "gone")
    tab = make_tab()
    tab.runs.select(keep)
    tab.runs.table.item(tab.runs._row_of(keep), 0).setText("kept, renamed")  # what editing the cell does
    tab.runs.select(gone)
    monkeypatch.setattr(DIALOGS, "ask_choice", lambda *a, **k: 0)  # "Delete"
    tab.runs.delete_selected()
    with Records() as records:
        assert [r.name for r in records.runs()] == ["kept, renamed"]
    assert tab.runs.table.rowCount() == 1
    tab.runs.select(keep)
    tab.runs.train_again_selected()
    assert tab.form.hidden_edit.text() == "32" and tab.form.epochs_spin.value() == 2


def test_a_run_in_the_tab_is_recorded(qtbot, make_tab, small):
    tab = make_tab(data=small)
    assert tab.runs.table.rowCount() == 0 and tab.result.record is None
    form = tab.form
    form.subset_spin.setValue(256)
    form.epochs_spin.setValue(1)
    form.batch_spin.setValue(64)
    form.hidden_edit.setText("8")
    form.augment_check.setChecked(False)
    form.verdict_check.setChecked(False)
    with qtbot.waitSignal(tab.run_finished, timeout=30000) as finished:
        qtbot.mouseClick(tab.start_button, Qt.LeftButton)
    outcome = finished.args[0]
    assert outcome.record_id is not None and outcome.record_error is None
    assert tab.runs.table.rowCount() == 1
    with Records() as records:
        run = records.run(outcome.record_id)
    assert run.model_path == str(outcome.saved) and run.test_accuracy == pytest.approx(outcome.result.test_accuracy)
    assert len(run.curves["batch"]["step"]) == 4


@pytest.mark.parametrize("changes", [
    {"seed": 2**31 + 9},  # beyond a QSpinBox: the form raised OverflowError (issue 23)
    {"epochs": 5000},  # the form capped epochs at 1000
    {"seed": 2**63 - 1, "batch_size": 10_000, "learning_rate": 0.0012345678901234, "warmup_steps": 7,
     "weight_decay": 1.5e-7, "device": "auto", "fit_verdict": False, "other_sources": True},
])  # fmt: skip
def test_train_again_restores_a_run_exactly(qtbot, make_tab, changes):
    from recognizer.training.trainer import TrainConfig

    config = TrainConfig(hidden_sizes=(32, 64), cell="gru", **changes)  # as `recognizer train` records it
    with Records() as records:
        run_id = records.add_run(name="cli run", config=config.to_dict(), duration=1.0, result={"test_accuracy": 0.9},
                                 curves=curves().to_dict(), model_path=None)  # fmt: skip
    tab = make_tab()
    tab.runs.select(run_id)
    qtbot.mouseClick(tab.runs.again_button, Qt.LeftButton)
    assert tab.form.check() == config and not tab.form.settings_error.isVisibleTo(tab)
    tab.save_settings()  # and what the tab remembers reads back the same
    assert make_tab().config() == config
