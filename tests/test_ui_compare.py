"""Compare in Draw & Inspect and the Models menu, through the real window: drawn with mouse events,
chosen from the menu, checked against what each model answers directly."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from recognizer.evaluation.model_comparison import decision_row
from recognizer.files.model_file import load_model
from recognizer.files.paths import default_model_path, user_data_dir
from recognizer.network.trace import Tracer
from recognizer.reading import ReadingSession
from recognizer.trust.temperature import softmax


def _direct(path, tab):
    """What the model in `path` answers for the tab's current input, asked without the window."""
    reading = ReadingSession.load(path).read(tab.state.image28, tab.state.extent)
    return reading.trace, reading.verdict


def _digit_text(verdict) -> str:
    return {"not-a-digit": "–", "unsure": "?"}.get(verdict.kind, str(verdict.digit))


@pytest.mark.parametrize("digit", [7, 4])
def test_both_models_read_the_drawing_and_answer_as_they_do_directly(main_window, draw, qtbot, model_path,
                                                                     stacked_model_path, digit):  # fmt: skip
    tab = main_window.inspect_tab
    panel = tab.compare
    assert not panel.isVisible() and tab.trajectories.isVisible()
    qtbot.mouseClick(panel.toggle, Qt.LeftButton)
    assert panel.active and panel.isVisible() and not tab.trajectories.isVisible() and not tab.state_panel.isVisible()
    assert panel.choose_model(stacked_model_path)
    draw(tab.canvas, digit)
    qtbot.waitUntil(tab.views_in_sync)

    for which, path in (("a", model_path), ("b", stacked_model_path)):
        trace, verdict = _direct(path, tab)
        block = panel.answers[which]
        assert block.digit.text() == _digit_text(verdict)
        np.testing.assert_allclose(panel.state.trace(which).probabilities, trace.probabilities, atol=1e-6)
        row = decision_row(trace.probabilities)
        assert panel.decided_lines[which].value() == row + 1
        shown = panel.images[which].image
        assert shown.shape == trace.layers[-1].h.shape  # rows x units of its own last layer
        trust = load_model(path).trust  # the line is calibrated, as the answer's "% sure" is
        expected = trace.probabilities if trust is None else softmax(trace.logits, trust.temperature)
        np.testing.assert_allclose(panel.curves[which].getData()[1], expected[:, trace.prediction], atol=1e-6)
    assert panel.answers["a"].digit.text() == str(digit)  # the shipped model reads the test drawing right
    assert panel.answers["b"].title.text().startswith("B: stacked.safetensors (LSTM 16")
    assert panel.images["b"].image.shape == (28, 8)
    assert panel.summary.text()

    tab.go_to_row(9)
    assert panel.cursor.value() == 10 and panel.row_line.text().startswith("Row 10: A leans to")
    panel.toggle.click()
    assert not panel.isVisible() and tab.trajectories.isVisible() and tab.state_panel.isVisible()


def test_a_bad_model_for_b_is_refused_with_a_message_and_b_stays(main_window, tmp_path, stacked_model_path, draw, qtbot):
    panel = main_window.inspect_tab.compare
    panel.set_active(True)
    assert panel.choose_model(stacked_model_path)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 3)
    assert not panel.choose_model(bad)
    assert main_window.messages[-1][1] == "Cannot compare with this model" and "bad.safetensors" in main_window.messages[-1][2]
    assert panel.state.names["b"] == "stacked.safetensors"
    assert panel.chooser.currentData() == str(stacked_model_path)


def test_the_models_menu_lists_shipped_and_own_models_and_switches_every_tab(main_window, draw, qtbot, stacked_model_path):
    draw(main_window.inspect_tab.canvas, 3)
    runs = user_data_dir() / "models"
    runs.mkdir(parents=True)
    own = runs / "run-20260101-000000-lstm16x8-epoch1.safetensors"
    own.write_bytes(stacked_model_path.read_bytes())
    (runs / "run-broken.safetensors").write_bytes(b"{}" * 10)
    menu = main_window.model_menu
    assert menu.title() == "&Models"
    titles = [a.text() for a in main_window.menuBar().actions()]
    assert titles.index("&Models") == len(titles) - 2  # just before Help
    menu.refresh()
    assert menu.reading and any(a.text().endswith("(reading…)") and not a.isEnabled() for a in menu.model_actions)
    qtbot.waitUntil(lambda: not menu.reading, timeout=30_000)  # read in the background
    texts = [a.text() for a in menu.model_actions]
    shipped = load_model(default_model_path())  # the file's own numbers, not a copy that a retrained model outdates
    parameters = sum(p.numel() for p in shipped.model.parameters())
    assert texts[0] == f"default.safetensors (LSTM 128, {shipped.test_accuracy:.2%}, {parameters:,} parameters)"
    assert menu.model_actions[0].isChecked() and menu.model_actions[0].isEnabled()
    broken = next(a for a in menu.model_actions if a.text().startswith("run-broken"))
    assert not broken.isEnabled() and "cannot be loaded: " in broken.text() and "Cannot be loaded" in broken.toolTip()
    mine = next(a for a in menu.model_actions if a.text().startswith(own.name))
    assert mine.isEnabled() and not mine.isChecked()
    headers = [a.text() for a in menu.actions() if not a.isEnabled() and a not in menu.model_actions and not a.isSeparator()]
    assert headers == ["Shipped with the app", "Your models (2 models)"]

    mine.trigger()
    assert main_window.current_model.path == own
    expected = Tracer(load_model(own).model)(main_window.inspect_tab.state.image28)  # the drawing, read again
    assert main_window.inspect_tab.state.layers == 2
    np.testing.assert_allclose(main_window.inspect_tab.trace.probabilities, expected.probabilities, atol=1e-6)
    assert main_window.inspect_tab.compare.state.names["a"] == own.name
    menu.refresh()
    assert not menu.reading  # nothing changed: listed at once from the cache
    assert next(a for a in menu.model_actions if a.text().startswith(own.name)).isChecked()

    own.write_bytes(b"gone bad after the listing")
    mine = next(a for a in menu.model_actions if a.text().startswith(own.name))
    menu.model_actions[0].trigger()
    assert main_window.current_model.path.name == "default.safetensors"
    mine.trigger()  # the file broke after the menu was read: a message, and the model stays
    assert main_window.messages[-1][1] == "Cannot load model"
    assert main_window.current_model.path.name == "default.safetensors"
