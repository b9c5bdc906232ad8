"""The Train tab's "Pen data" option through its real checkbox and Start button: on by default,
the run trains on the pen data folder's train writers and its record and model say so; off, not."""

from __future__ import annotations

import pytest
from pen_files import write_pen_dir
from PySide6.QtCore import Qt

from recognizer.datasets.mnist import MNIST
from recognizer.files.model_file import load_model


@pytest.fixture
def small(mnist) -> MNIST:
    return MNIST(mnist.train_images[:256], mnist.train_labels[:256], mnist.test_images[:200], mnist.test_labels[:200])


def run_once(qtbot, tab):
    form = tab.form
    form.subset_spin.setValue(256)
    form.epochs_spin.setValue(1)
    form.batch_spin.setValue(64)
    form.hidden_edit.setText("16")
    with qtbot.waitSignal(tab.run_finished, timeout=60000) as finished:
        qtbot.mouseClick(tab.start_button, Qt.LeftButton)
    return finished.args[0]


def test_the_pen_data_checkbox_decides_what_a_run_trains_on(qtbot, make_tab, small, tmp_path, monkeypatch):
    monkeypatch.setenv("PEN_DATA_DIR", str(write_pen_dir(tmp_path / "pen")))
    tab = make_tab(data=small)
    assert tab.form.pen_check.isChecked() and tab.form.pen_check.text() == "real handwriting"
    outcome = run_once(qtbot, tab)
    assert outcome.result.config.pen_data is True
    assert outcome.result.pen_sets["pendigits"]["test_writers"] == ["3", "6", "9", "12"]
    assert load_model(outcome.saved).metadata["training"]["pen_sets"]["omniglot"]["samples"]["train"] == 12
    assert outcome.result.trust.info["held_out_pen_digits"] == 30
    # the result says how the run reads the writers it never trained on, beside its MNIST accuracy
    tally = outcome.result.held_out_hands
    assert tally["samples"] > 0 and f"({tally['samples']:,} pen digits)" in tab.result.result_label.text()

    qtbot.mouseClick(tab.form.pen_check, Qt.LeftButton)
    assert not tab.form.pen_check.isChecked()
    outcome = run_once(qtbot, tab)
    assert outcome.result.config.pen_data is False and outcome.result.pen_sets is None
    assert outcome.result.held_out_hands is None and "pen digits" not in tab.result.result_label.text()
