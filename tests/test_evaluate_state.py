"""The Evaluate tab's state without a display: no QApplication, no qtbot, and small fake results in
place of a run over the test set (a tiny random model reads the few digits that need a trace).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from fake_runner import FakeRunner

from recognizer.datasets.mnist import MNIST
from recognizer.evaluation import analysis
from recognizer.evaluation.accuracy import evaluation_of
from recognizer.evaluation.analysis import PERTURBATIONS_BY_KEY, RobustnessCurve
from recognizer.files.model_file import LoadedModel
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.reading import ReadingSession
from recognizer.ui.evaluate import results  # (not its TestSetResult by name: pytest would collect it)
from recognizer.ui.evaluate.captions import NO_MODEL
from recognizer.ui.evaluate.results import ROBUSTNESS_GROUPS, describe_level
from recognizer.ui.evaluate.state import BrowseFilters, EvaluateState

HIDDEN = 8


def tiny_model(seed: int, path: str | None = None) -> ReadingSession:
    torch.manual_seed(seed)
    return ReadingSession(LoadedModel(RowRNN(ModelConfig((HIDDEN,))), {}, Path(path) if path else None))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3])
    return MNIST(images[:6], labels[:6], images, labels)


def fake_result(labels: np.ndarray) -> results.TestSetResult:
    """Answers chosen by hand: digits 1 and 2 are misread once each, with known confidences."""
    n = len(labels)
    probs = np.full((n, 10), 0.0, np.float32)
    confidence = np.linspace(0.5, 0.95, n).astype(np.float32)
    answers = labels.copy()
    answers[4], answers[7], answers[8] = 2, 1, 1  # 1 → 2 once; 2 → 1 twice
    probs[np.arange(n), answers] = confidence
    probs[np.arange(n), (answers + 1) % 10] = 1 - confidence
    hidden = np.random.default_rng(1).normal(size=(n, HIDDEN)).astype(np.float32)
    pca = analysis.fit_pca(hidden, 2)
    return results.TestSetResult(evaluation_of(labels, probs), hidden, pca, pca.transform(hidden), seconds=0.25)


@pytest.fixture
def state(data):
    s = EvaluateState(robustness_size=5)
    s.set_data(data)
    s.set_model(tiny_model(0))
    return s


def test_the_state_imports_no_qt():
    code = ("import sys, recognizer.ui.evaluate.state, recognizer.ui.evaluate.results; "
            "print([m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')])")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_result_of_an_older_model_is_refused(state, data):
    runner = FakeRunner()  # as the tab does: the evaluation's result reaches the state through its job slot
    state.evaluation_job.runner = runner
    old = state.version
    state.begin("evaluating")
    state.evaluation_job.start(None, state.finish_evaluation)
    state.set_model(tiny_model(1))
    assert state.version == old + 1 and state.activity == ""
    runner.jobs[-1].on_done(fake_result(data.test_labels))  # the old model's, too late
    assert runner.jobs[-1].cancelled and state.result is None and state.accuracy_text() == ""
    state.evaluation_job.start(None, state.finish_evaluation)
    runner.jobs[-1].on_done(fake_result(data.test_labels))
    assert state.accuracy_text() == f"{9 / 12:.2%}"
    state.set_model(tiny_model(2))  # a new model drops the result and the training-set answers
    assert state.result is None and state.train_probabilities is None and state.cell is None


def test_the_header_always_names_the_current_model(state, data):
    """No stale text after a switch: e.g. "unsaved model" once the model is saved under a name."""
    assert "Press Evaluate" in state.header_text() and "unsaved model" in state.header_text()
    state.begin("evaluating")
    assert state.header_text() == "Evaluating unsaved model on the 12 test digits…"
    state.finish_evaluation(fake_result(data.test_labels))
    assert "9 of 12 test digits read correctly, 3 mistakes" in state.header_text()
    assert "unsaved model" in state.header_text() and "0.2 s" in state.header_text()
    state.set_model(tiny_model(0, "/models/saved.safetensors"))
    assert "unsaved model" not in state.header_text() and "saved.safetensors" in state.header_text()
    state.finish_evaluation(fake_result(data.test_labels))
    assert "Model saved.safetensors (" in state.header_text() and "unsaved" not in state.header_text()
    state.set_model(None)
    assert state.header_text() == NO_MODEL
    state.set_model(tiny_model(0))
    state.fail("Evaluation failed: out of memory")
    assert state.header_text() == "Evaluation failed: out of memory"


def test_the_busiest_mistake_cell_opens_and_cells_are_ordered(state, data):
    state.finish_evaluation(fake_result(data.test_labels))
    assert state.cell == (2, 1)  # the most common mistake
    assert list(state.cell_indices) == [8, 7]  # the most confident mistake first
    assert state.cell_title() == "True 2, predicted 1: 2 test digits mistaken"
    assert "most confident first" in state.cell_hint()
    state.select_cell(0, 0)
    assert list(state.cell_indices) == [0, 1, 2]  # on the diagonal: the least sure first
    state.select_cell(5, 6)
    assert len(state.cell_indices) == 0 and state.cell_hint() == "No test digit landed in this cell."


def test_the_mistakes_are_listed_most_confident_first(state, data):
    assert len(state.mistakes()) == 0 and state.mistakes_count_text() == ""
    state.finish_evaluation(fake_result(data.test_labels))
    assert list(state.mistakes()) == [8, 7, 4]
    assert state.mistakes_count_text() == "3 mistakes out of 12 test digits"
    state.most_confident_first = False
    assert list(state.mistakes()) == [4, 7, 8]
    assert state.thumb_text("test", 8) == "2→1 82%" and state.thumb_text("test", 0) == "0 50%"
    assert state.thumb_text("test", 0, short=True) == "50%"
    assert state.is_mistake("test", 4) and not state.is_mistake("test", 5)
    assert state.digit_caption("test", 8) == "test digit #8: true 2, predicted 1 (83%)"


def test_the_browser_filters(state, data):
    state.finish_evaluation(fake_result(data.test_labels))
    assert len(state.browse_indices) == 12 and state.browse_count_text() == "12 of 12 digits"
    state.set_browse(BrowseFilters(label=2))
    assert list(state.browse_indices) == [6, 7, 8, 9]
    state.set_browse(BrowseFilters(label=2, answer=1))
    assert list(state.browse_indices) == [7, 8]
    state.set_browse(BrowseFilters(confidence=(0.0, 0.55)))
    assert list(state.browse_indices) == [0, 1]
    state.set_browse(BrowseFilters(mistakes_only=True))
    assert list(state.browse_indices) == [4, 7, 8]
    assert state.browse_note() == ""


def test_the_training_set_waits_for_its_answers(state, data):
    state.set_browse(BrowseFilters(dataset="train", label=1, mistakes_only=True))
    # Without answers only the label filter applies, and the page says why.
    assert list(state.browse_indices) == [3, 4, 5] and state.browse_needs_answers()
    assert state.browse_note() == "The model's answers are being computed…"
    assert state.thumb_text("train", 3) == "label 1"
    assert state.digit_caption("train", 3).startswith("training digit #3: true 1, predicted ")  # traced
    state.begin("train")
    assert not state.browse_needs_answers() and state.header_text() == "Reading the 6 training digits…"
    probs = np.eye(10, dtype=np.float32)[[0, 0, 0, 1, 7, 1]]
    state.finish_train_predictions(probs)
    assert list(state.browse_indices) == [4] and state.browse_note() == ""
    assert state.thumb_text("train", 4) == "1→7 100%"


def test_the_current_digit_follows_the_model(state, data):
    state.set_current_digit("test", 3)
    first = state.current
    assert first.source == ("test", 3) and first.path is None
    assert state.map_row_caption() == "The map appears once the test set has been evaluated."
    state.finish_evaluation(fake_result(data.test_labels))
    assert first.path.shape == (28, 2)  # on the map now
    state.set_row(12)
    assert "up to row 13 of 28" in state.map_row_caption()
    state.set_model(tiny_model(3))  # read again by the new model
    assert state.current is not first and state.current.source == ("test", 3)
    assert state.current.trace is not first.trace
    state.ensure_saliency()
    assert state.saliency_row_caption().startswith("After row 13 of 28: explaining the score of ")
    state.set_model(None)
    assert state.current is None and state.player_caption().startswith("No digit yet")


def test_a_drawing_sent_from_here_keeps_its_name(state, data):
    image = state.image("test", 5)
    state.last_sent = (image, "test digit #5: true 1, predicted 3 (40%)", ("test", 5))
    state.follow_trace(state.tracer(image.copy()))
    assert state.current.caption.startswith("test digit #5") and state.current.source == ("test", 5)
    state.follow_trace(state.tracer(np.zeros((28, 28), np.float32)))
    assert state.current.caption == "Your drawing on Draw & Inspect" and state.current.source is None


def _finished_curves(run) -> dict[str, RobustnessCurve]:
    p = PERTURBATIONS_BY_KEY["noise"]
    levels = np.asarray(p.levels, float)
    return {p.key: RobustnessCurve(p, levels, np.linspace(0.9, 0.3, len(levels)))}


def test_robustness_is_remembered_per_model(state):
    noise = (PERTURBATIONS_BY_KEY["noise"],)
    first = ReadingSession(state.loaded)  # the same network, in use again
    assert state.robustness_button_text() == "Start" and "Press Start" in state.robustness_status()
    runner = FakeRunner()  # as the tab does: the check's result reaches the state through its job slot
    state.robustness_job.runner = runner
    run = state.start_robustness(noise)
    state.robustness_job.start(None, state.finish_robustness)
    assert len(run.indices) == 5 and run.total == len(noise[0].levels)
    assert state.robustness_button_text() == "Stop"
    assert state.robustness_status() == "Measuring on 5 test digits…"
    assert state.robustness_box_title("Noise") == "Noise: accuracy on 5 test digits (a fixed random sample)"
    runner.jobs[-1].on_done(_finished_curves(run))
    assert state.robustness_button_text() == "Run again"
    assert state.robustness_status().startswith("Done on 5 test digits: 90.00% read correctly untouched; the lowest "
                                                "point is Gaussian noise at noise 60% (30% correct)")  # fmt: skip
    remembered = state.robustness
    state.start_robustness(noise)
    state.robustness_job.start(None, state.finish_robustness)
    state.set_model(tiny_model(4))
    assert state.robustness is None and state.robustness_button_text() == "Start"
    runner.jobs[-1].on_done(_finished_curves(run))  # the old model's, too late
    assert runner.jobs[-1].cancelled and state.robustness is None
    state.set_model(first)
    assert state.robustness is remembered
    state.start_robustness(noise)
    state.stop_robustness()
    assert state.robustness_status() == "Stopped. Run the check again to finish the curves."
    assert state.robustness_button_text() == "Start"


def test_the_robustness_axes_speak_plainly():
    labels = {group: x_label for group, _, x_label in ROBUSTNESS_GROUPS}
    assert labels["thicken"] == "stroke thickened by N pixels (−: thinned)"
    assert labels["noise"] == "noise level (share of full ink)"
    assert not any("max-pool" in x or "σ" in x for x in labels.values())
    by_key = PERTURBATIONS_BY_KEY
    assert describe_level(by_key["thicken"], 1.5) == "+1.5 px" and describe_level(by_key["thicken"], -1) == "−1 px"
    assert describe_level(by_key["noise"], 0.2) == "noise 20%"
    assert describe_level(by_key["rotate"], -30) == "−30°" and describe_level(by_key["shift_x"], 4) == "+4 px"


def test_the_caption_sent_to_draw_and_inspect_names_the_digit_but_not_an_answer():
    """An answer in it went stale when another model was loaded there (issue 15, defect 5)."""
    state = EvaluateState()
    images = np.zeros((3, 28, 28), np.uint8)
    state.set_data(MNIST(images, np.array([1, 2, 3], np.uint8), images, np.array([4, 5, 6], np.uint8)))
    assert state.inspect_caption("test", 1) == "test digit #1: true 5"
    assert state.inspect_caption("train", 2) == "training digit #2: true 3"
