"""The Train tab's "Start from" (a new model, or the model in use, with a fine-tune's settings
filled in) and "Include my digits" (mixed into every batch, the held-out part plotted per epoch)."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.datasets.mnist import MNIST, load_mnist
from recognizer.files.model_file import load_model
from recognizer.reading import ReadingSession
from recognizer.store.my_digits import MyDigits
from recognizer.store.records import Records
from recognizer.training.finetune import FINE_TUNE
from recognizer.ui.train.start_from import IN_USE, NEW


@pytest.fixture(scope="module")
def small(mnist_dir) -> MNIST:
    m = load_mnist(mnist_dir)
    return MNIST(m.train_images[:256], m.train_labels[:256], m.test_images[:300], m.test_labels[:300])


def test_the_model_in_use_is_continued_with_my_digits_mixed_in(make_tab, small, model_path, tmp_path, qtbot):
    db = tmp_path / "r.db"
    with Records(db) as records:
        for i in range(20):
            MyDigits(records).add(int(small.test_labels[i]), small.test_images[i] / 255.0)
    tab = make_tab(data=small, db_path=db)
    box = tab.start_from
    assert box.combo.currentIndex() == NEW and not box.combo.model().item(IN_USE).isEnabled()
    loaded = load_model(model_path)
    tab.set_model_in_use(ReadingSession(loaded))
    assert box.combo.model().item(IN_USE).isEnabled() and loaded.name in box.combo.model().item(IN_USE).toolTip()
    tab.form.warmup_spin.setValue(50)  # a warm-up set by hand gives way to the rule's, as `train --init` has it
    box.combo.setCurrentIndex(IN_USE)
    config = tab.config()
    assert (config.epochs, config.learning_rate, config.warmup_steps, config.train_subset) == (
        FINE_TUNE["epochs"], FINE_TUNE["learning_rate"], None, FINE_TUNE["train_subset"])  # fmt: skip
    box.my_digits_check.setChecked(True)
    tab.form.augment_check.setChecked(False)
    tab.form.verdict_check.setChecked(False)
    with qtbot.waitSignal(tab.run_finished, timeout=60_000) as finished:
        assert tab.start()
    result = finished.args[0].result
    assert result.config.init_model == str(loaded.path) and result.config.my_digits
    assert result.config.hidden_sizes == loaded.model.config.hidden_sizes
    assert tab.curves.batch("batch_loss")[0] < 0.5  # it started from the trained weights (a new model: about 2.3)
    mine = tab.curves.epoch("my_digits_accuracy")
    assert len(mine) == 1 and 0 <= mine[0] <= 1
    xs, ys = tab.plots.acc_mine.getData()
    assert len(xs) == 1 and ys[0] == pytest.approx(100 * mine[0])
    assert "my&nbsp;digits&nbsp;(held&nbsp;out)" in tab.plots.accuracy_plot.legend.text()


def test_include_my_digits_without_any_says_so_and_stays_idle(make_tab, small, tmp_path):
    tab = make_tab(data=small, db_path=tmp_path / "empty.db")
    tab.start_from.my_digits_check.setChecked(True)
    tab.start()
    assert tab.state == "idle" and "nothing to train on" in tab.progress_label.text()
    assert np.isnan(tab.curves.epoch("my_digits_accuracy")).all()
