"""The views with a GRU and a plain RNN: Draw & Inspect's heatmap and the View menu offer what the
cell has, the Lab pins only the cell's gates (none for an RNN) and silences units of every cell,
and the Train tab trains the chosen cell and remembers the choice."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from drawing import draw_digit
from PySide6.QtCore import Qt

from recognizer.datasets.mnist import MNIST, load_mnist
from recognizer.files.model_file import load_model, make_metadata, save_model
from recognizer.network.cells import SERIES
from recognizer.network.interventions import CELL_PINS
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.reading import ReadingSession
from recognizer.ui.inspect.state_panel import series_levels
from recognizer.ui.lab.tab import LabTab
from recognizer.ui.train.state import read_train_settings, write_train_settings


def random_model(folder, cell: str, sizes=(24,), seed=0):
    torch.manual_seed(seed)
    model = RowRNN(ModelConfig(sizes, cell))
    return save_model(folder / f"{cell}.safetensors", model, make_metadata(model, {"note": "random, for tests"}, None))


def test_the_heatmap_and_the_view_menu_offer_what_the_cell_has(main_window, qtbot, tmp_path, shipped_model_path):
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    panel, actions = tab.state_panel, main_window.menus.heatmap_actions
    actions["forget"].trigger()
    main_window.set_model(load_model(random_model(tmp_path, "gru")))
    draw_digit(tab.canvas, 3)
    qtbot.waitUntil(tab.views_in_sync, timeout=2000)
    offered = [panel.series_combo.itemData(i) for i in range(panel.series_combo.count())]
    assert offered == list(SERIES["gru"]) == ["h", "reset", "update", "candidate"]
    assert panel.series == "h" and actions["h"].isChecked()  # a GRU has no forget gate: h instead
    assert panel.series_combo.itemText(3) == "Candidate n"
    assert {n for n, a in actions.items() if a.isVisible()} == set(SERIES["gru"])
    actions["update"].trigger()
    layer = tab.trace.layers[0]
    np.testing.assert_allclose(panel.image_data(), layer.update, rtol=1e-6)
    assert tuple(panel.colorbar.levels()) == (0.0, 1.0)

    main_window.set_model(load_model(random_model(tmp_path, "rnn")))
    qtbot.waitUntil(tab.views_in_sync, timeout=2000)
    assert panel.series == "h" and {n for n, a in actions.items() if a.isVisible()} == {"h", "preactivation"}
    actions["preactivation"].trigger()
    values = tab.trace.layers[0].preactivation
    np.testing.assert_allclose(panel.image_data(), values, rtol=1e-6)
    assert tuple(panel.colorbar.levels()) == series_levels("preactivation", values)

    main_window.set_model(load_model(shipped_model_path))
    qtbot.waitUntil(tab.views_in_sync, timeout=2000)
    assert {n for n, a in actions.items() if a.isVisible()} == set(SERIES["lstm"])
    actions["c"].trigger()
    np.testing.assert_allclose(panel.image_data(), tab.trace.layers[0].c, rtol=1e-6)


@pytest.fixture
def lab(qtbot, mnist, messages):
    tab = LabTab(data_loader=lambda parent, on_ready, on_give_up: on_ready(mnist))
    qtbot.addWidget(tab)
    tab.set_image(mnist.test_images[0] / 255.0)
    tab.resize(1000, 600)
    tab.show()
    qtbot.waitExposed(tab)
    yield tab
    tab.shutdown()


def test_the_lab_pins_only_the_cells_gates_and_silences_every_cell(lab, tmp_path, messages):
    lab.set_model_in_use(ReadingSession.load(random_model(tmp_path, "gru")))
    choices = [lab.form.pin_choice.itemText(i) for i in range(lab.form.pin_choice.count())]
    assert choices == list(CELL_PINS["gru"]) and lab.form.pin_button.isEnabled()
    lab.form.pin_choice.setCurrentText("never update")
    lab.form.pin_button.click()
    assert [b.text() for b in lab.chips.buttons] == ["never update: all units  ✕"]
    # Update pinned to 1 from a zero start: h never moves from 0, so the answer is the readout's bias.
    assert np.all(lab.state.edited.layers[0].h == 0)

    lab.set_model_in_use(ReadingSession.load(random_model(tmp_path, "rnn")))
    assert lab.form.pin_choice.count() == 0 and not lab.form.pin_button.isEnabled()
    assert "no gates" in lab.form.pin_choice.toolTip()
    lab.form.units.setText("0-5")
    lab.form.silence_button.click()
    assert not messages and lab.state.interventions.silenced[0].units == (0, 1, 2, 3, 4, 5)
    assert np.all(lab.state.edited.layers[0].h[:, :6] == 0) and lab.state.edited.layers[0].h[:, 6:].any()

    lab.set_model_in_use(ReadingSession.load(random_model(tmp_path, "lstm")))
    assert lab.form.pin_choice.itemText(0) == "never forget" and lab.form.pin_button.isEnabled()


@pytest.fixture(scope="module")
def small(mnist_dir) -> MNIST:
    m = load_mnist(mnist_dir)
    return MNIST(m.train_images[:256], m.train_labels[:256], m.test_images[:300], m.test_labels[:300])


def test_the_train_tab_trains_the_chosen_cell(qtbot, make_tab, small):
    tab = make_tab(data=small)
    form = tab.form
    form.cell_combo.setCurrentIndex(form.cell_combo.findData("gru"))
    form.hidden_edit.setText("16")
    form.epochs_spin.setValue(1)
    form.batch_spin.setValue(64)
    form.augment_check.setChecked(False)
    form.verdict_check.setChecked(False)
    assert form.config().cell == "gru"
    with qtbot.waitSignal(tab.run_finished, timeout=60000) as finished:
        qtbot.mouseClick(tab.start_button, Qt.LeftButton)
    outcome = finished.args[0]
    assert outcome.result.model.describe() == "GRU 16"
    assert "-gru16-" in outcome.saved.name
    saved = load_model(outcome.saved)
    assert saved.model.cell == "gru" and saved.metadata["architecture"]["cell"] == "gru"
    assert saved.metadata["training"]["cell"] == "gru"
    assert "GRU 16" in tab.result.result_label.text()


class Store(dict):
    """What read/write_train_settings need of a QSettings."""

    def value(self, key, default=None):
        return self.get(key, default)

    def setValue(self, key, value):
        self[key] = value

    def sync(self):
        pass


def test_the_cell_choice_is_remembered_and_a_bad_one_falls_back():
    store = Store()
    config = read_train_settings(store, ["cpu"])
    assert config.cell == "lstm"
    write_train_settings(store, replace(config, cell="rnn"))
    assert read_train_settings(store, ["cpu"]).cell == "rnn"
    store["train/cell"] = "transformer"
    assert read_train_settings(store, ["cpu"]).cell == "lstm"
