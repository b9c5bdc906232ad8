"""Compare's Qt-free states: Draw & Inspect's (two models, one input) and the Evaluate page's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from fake_runner import FakeRunner

from recognizer.evaluation.model_comparison import ModelComparison, decision_row
from recognizer.files.model_file import LoadedModel
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.reading import ReadingSession
from recognizer.ui.evaluate.compare_page_state import ComparisonState
from recognizer.ui.inspect.compare_state import CompareState
from recognizer.ui.inspect.state import InspectState
from recognizer.ui.jobs import JobFailure


def _named(model, name: str) -> ReadingSession:
    return ReadingSession(LoadedModel(model, {}, Path(name)))


def _states(shipped_model_path, image):
    main = InspectState()
    main.set_session(ReadingSession.load(shipped_model_path))
    main.set_input(image)
    torch.manual_seed(0)
    return main, CompareState(main), RowRNN(ModelConfig((16, 8))).eval()


def test_b_reads_a_s_input_only_while_compare_is_on(shipped_model_path, mnist):
    image = mnist.test_images[0] / 255.0
    main, compare, model_b = _states(shipped_model_path, image)
    compare.set_model_a("default.safetensors", "LSTM 128")
    session_b = _named(model_b, "small.safetensors")
    compare.set_model_b(session_b)
    tracer_b = session_b.tracer
    assert compare.other.trace is None and compare.summary() == ""  # off: no work
    compare.set_active(True)
    direct = tracer_b(image)
    np.testing.assert_array_equal(compare.trace("b").probabilities, direct.probabilities)
    assert compare.trace("a") is main.trace
    assert compare.answer("b").digit == str(direct.prediction)
    assert compare.hidden("b").shape == (28, 8) and compare.hidden("a").shape == (28, 128)
    assert compare.hidden_title("b") == "B: h, 8 units"
    assert compare.title("a") == "A: default.safetensors (LSTM 128)"
    np.testing.assert_array_equal(compare.answer_line("b"), direct.probabilities[:, direct.prediction])
    assert compare.decided_row("b") == decision_row(direct.probabilities)

    other_image = mnist.test_images[1] / 255.0
    main.set_input(other_image)
    compare.follow()
    np.testing.assert_array_equal(compare.trace("b").probabilities, tracer_b(other_image).probabilities)
    assert compare.row_text(3) == f"Row 4: A leans to {main.trace.leader(3)}, B to {compare.trace('b').leader(3)}."


def test_the_sentences_say_who_settled_first_or_that_they_disagree(shipped_model_path, mnist):
    image = mnist.test_images[0] / 255.0  # a 7
    main, compare, _ = _states(shipped_model_path, image)
    compare.set_active(True)
    assert compare.answer("b").hint == "Choose a model to compare with."
    assert compare.summary() == "Choose a second model above: both will read your drawing."
    compare.set_model_b(ReadingSession.load(shipped_model_path))
    row = compare.decided_row("a")
    assert compare.summary() == f"Both read 7, and settled on it at the same row ({row + 1})."
    assert compare.decided_text("a") == (f"made up its mind at row {row + 1} of 28" if row else "led with 7 from row 1 on")
    _, _, random_b = _states(shipped_model_path, image)
    compare.set_model_b(_named(random_b, "random"))
    b = compare.trace("b")
    assert b.prediction != 7  # untrained, seed 0: it reads 9
    assert compare.summary() == (f"They disagree: A reads 7 (settled at row {row + 1}), "
                                 f"B reads {b.prediction} (settled at row {decision_row(b.probabilities) + 1}).")
    main.set_input(None)
    compare.follow()
    assert compare.summary() == "Draw a digit: both models will read it at once."


def _comparison():
    labels = np.array([0, 1, 2, 3])
    pa = np.eye(10)[[0, 1, 2, 9]] * 0.9 + 0.01
    pb = np.eye(10)[[0, 7, 2, 3]] * 0.8 + 0.02
    return ModelComparison(labels, pa, pb)


def test_the_evaluate_page_state_refuses_stale_results_and_falls_back_after_a_failure():
    state, runner = ComparisonState(), FakeRunner()
    state.slot.runner = runner

    def compare(version_a):  # as the page does: the result goes to the state through its slot
        state.begin(version_a)
        state.slot.start(None, lambda done: state.finish(*done), on_error=lambda failure: state.failed())
        return runner.jobs[-1]

    assert state.status_text(1, has_model=True).startswith("No other model to compare with")
    assert state.accuracy_text("b", "a.safetensors", 1) == "B: no other model"
    state.choose("/m/b.safetensors")
    older = compare(0)
    job = compare(1)
    job.on_progress(0.5)
    assert state.status_text(1, True) == "Both models are reading the test digits… 50%"
    older.on_done((_comparison(), "b"))  # an older A's job
    assert state.result is None and state.slot.busy
    job.on_done((_comparison(), "b.safetensors"))
    assert state.accuracy_text("a", "a.safetensors", 1) == "A: 75.00%  a.safetensors"
    assert state.accuracy_text("b", "a.safetensors", 1) == "B: 75.00%  b.safetensors"
    assert state.grid_title("a", 1) == "A right, B wrong: 1 digit"
    assert state.thumb_text("a", 1) == "1 · B: 7" and state.thumb_text("b", 3) == "3 · A: 9"
    assert state.status_text(1, True) == "Both right on 2 digits, both wrong on 0 digits; they give the same answer on 50% of the 4."
    assert state.current(2) is None  # a new model A

    state.choose("/m/bad.safetensors")
    compare(1).on_error(JobFailure("Cannot load model /m/bad.safetensors: too short"))
    assert state.status_text(1, True).startswith("Both right on")  # the last pair that worked, shown again
    assert state.path_b == Path("/m/b.safetensors") and state.current(1) is not None
