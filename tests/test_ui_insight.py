"""The Train tab's "Inside the training" page: its Qt-free state on a real Recorder's record, the
panel's choosers and plots, a tiny run through the tab (live distributions, the record it leaves,
the learning-rate multiplier on the plotted rate)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from recognizer.datasets.mnist import MNIST, load_mnist
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.training.insight import QUANTILES, Recorder
from recognizer.ui.plot_menu import plot_menu
from recognizer.ui.train.insight_state import EMPTY_TEXT, InsightState


def recorded(epochs=2, batches=3, hidden=(5, 4)) -> dict:
    """A Recorder's record of a few real optimizer steps on random images."""
    torch.manual_seed(0)
    model = RowRNN(ModelConfig(hidden))
    images, labels = torch.rand(8, 28, 28), torch.randint(0, 10, (8,))
    recorder = Recorder(model, images, labels)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    record = None
    for epoch in range(1, epochs + 1):
        for b in range(batches):
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            recorder.after_backward(last_in_epoch=b == batches - 1)
            optimizer.step()
        record = recorder.end_epoch(epoch)
    return record


def test_the_state_gives_each_plot_its_arrays():
    s = InsightState()
    assert s.empty and s.caption() == EMPTY_TEXT and s.histograms() is None
    s.set_record(recorded())
    assert s.block == "layer 1 input→input" and s.epochs == [0, 1, 2] and s.shown_epoch == 2
    x, q = s.bands()
    assert x.tolist() == [0, 1, 2] and q.shape == (3, len(QUANTILES)) and (np.diff(q, axis=1) >= 0).all()
    (edges, density), (first_edges, _) = s.histograms()
    assert len(edges) == len(density) + 1 and np.sum(density * np.diff(edges)) == pytest.approx(1.0)
    assert not np.allclose(edges, first_edges)  # two epochs of SGD at 0.5 moved the weights
    steps, norms = s.norms()
    assert steps.tolist() == pytest.approx([1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2]) and (norms > 0).all()
    s.choose(block="layer 2 hidden→forget", kind="gradients", epoch=1, flow_key="c")
    assert s.layer == 1 and s.epochs == [1, 2] and s.shown_epoch == 1
    epochs, image = s.flow_map()
    assert epochs.tolist() == [0, 1, 2] and image.shape == (3, 28)
    assert s.flow_line() == pytest.approx(10 ** image[1])  # the line is the chosen epoch's column
    assert "layer 2 hidden→forget: its gradient" in s.caption() and "epoch 1 against epoch 1" in s.caption()
    s.choose(block="readout bias")
    assert s.layer == 1  # the readout reads the last layer
    s.set_record(recorded(hidden=(5,)))  # another run: a block it lacks falls back to its first
    assert s.block == "readout bias" and s.layers == 1


def test_the_panel_draws_the_chosen_block_and_epoch(qtbot):
    from recognizer.ui.train.insight_views import InsightPanel

    panel = InsightPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 600)
    panel.show()
    assert not panel.block_box.isEnabled() and panel.caption.text() == EMPTY_TEXT
    panel.show_record(recorded())
    assert panel.block_box.count() == 2 * 12 + 2 and [panel.epoch_box.itemText(i) for i in range(3)] == ["start", "1", "2"]
    median = panel.median_curve.getData()[1]
    assert median == pytest.approx(panel.state.bands()[1][:, 4])
    panel.block_box.setCurrentText("readout weights")
    assert panel.median_curve.getData()[1] == pytest.approx(panel.state.bands()[1][:, 4])
    assert not np.allclose(panel.median_curve.getData()[1], median)
    panel.epoch_box.setCurrentIndex(1)
    assert panel.state.shown_epoch == 1 and panel.epoch_marker.value() == 1
    assert panel.flow_image.image.shape == (28, 3)  # rows × epochs
    assert len(panel.norm_curve.getData()[0]) == 6
    draws = panel.draws
    panel.show_record(recorded(epochs=3))  # a new epoch arrives: the choices hold, the data follows
    assert panel.state.block == "readout weights" and panel.state.shown_epoch == 1 and panel.draws == draws + 1
    assert "Export data as CSV…" in [a.text() for a in plot_menu(panel.bands_plot).actions()]


@pytest.fixture(scope="module")
def small(mnist_dir) -> MNIST:
    m = load_mnist(mnist_dir)
    return MNIST(m.train_images[:256], m.train_labels[:256], m.test_images[:300], m.test_labels[:300])


def test_a_run_shows_its_distributions_and_the_lr_multiplier_is_the_plotted_rate(qtbot, make_tab, small, tmp_path):
    tab = make_tab(data=small, db_path=tmp_path / "runs.db")
    form = tab.form
    form.subset_spin.setValue(256)
    form.epochs_spin.setValue(2)
    form.batch_spin.setValue(32)
    form.lr_edit.setText("0.002")
    form.schedule_combo.setCurrentIndex(form.schedule_combo.findData("constant"))
    form.hidden_edit.setText("8")
    form.augment_check.setChecked(False)
    form.verdict_check.setChecked(False)  # a tiny run: no fit after it
    assert not tab.lr_multiplier.isEnabled()  # only while a run goes on
    with qtbot.waitSignal(tab.run_finished, timeout=60000):
        tab.start()
        assert tab.lr_multiplier.isEnabled()
        tab.lr_multiplier.setValue(2.5)
    rates = tab.curves.batch("learning_rate")
    assert len(rates) == 16 and rates[-1] == pytest.approx(0.005)  # the rate used, as plotted
    assert set(np.round(rates, 9)) <= {0.002, 0.005}
    assert tab.insight.state.epochs == [0, 1, 2] and tab.insight.block_box.count() == 14
    record = tab.runs.last_run()
    assert record.distributions["weights"]["epochs"] == [0, 1, 2]
    assert len(record.distributions["grad_norms"]["step"]) == 16
