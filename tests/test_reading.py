"""The one model in use (recognizer/reading.py): one Tracer per model file, read() -> the trace and
the verdict, and the window handing that same object to every tab (issue 23)."""

from __future__ import annotations

import numpy as np
import pytest
from drawing import DIGIT_STROKES

from recognizer.inputs.strokes import render_strokes, strokes_extent
from recognizer.network import trace as trace_module
from recognizer.reading import ReadingSession
from recognizer.trust.temperature import softmax
from recognizer.trust.verdict import batch_states, judge_batch


@pytest.fixture
def counted_tracers(monkeypatch):
    """The models a Tracer was built for, from now on."""
    built = []
    real = trace_module.Tracer.__init__

    def counting(self, model):
        built.append(model)
        real(self, model)

    monkeypatch.setattr(trace_module.Tracer, "__init__", counting)
    return built


def test_a_load_builds_exactly_one_tracer(counted_tracers, model_path):
    session = ReadingSession.load(model_path)
    session.read(render_strokes(DIGIT_STROKES[3]))
    session.read(None)
    assert counted_tracers == [session.model]
    saved = session.renamed(session.loaded)
    assert saved.tracer is session.tracer and len(counted_tracers) == 1


def test_a_reading_carries_the_logits_and_the_verdict_the_batch_path_gives(model_path):
    session = ReadingSession.load(model_path)
    strokes = DIGIT_STROKES[7]
    image = render_strokes(strokes)
    reading = session.read(image, strokes_extent(strokes))
    np.testing.assert_allclose(softmax(reading.trace.logits), reading.trace.probabilities, atol=1e-6)
    logits, _ = batch_states(session.model, image[None])
    np.testing.assert_allclose(reading.trace.logits[-1], logits[0], atol=1e-4)
    (batch,) = judge_batch(session.model, image[None], session.trust, [strokes_extent(strokes)])
    v = reading.verdict
    assert (v.kind, v.digit, v.reason) == (batch.kind, batch.digit, batch.reason) == ("digit", 7, "")
    assert v.energy == pytest.approx(batch.energy, abs=1e-3)
    assert v.confidence == pytest.approx(batch.confidence, abs=1e-4)
    nothing = session.read(None)
    assert nothing.trace is None and nothing.verdict.reason == "nothing to read"


def test_the_window_hands_one_session_and_one_tracer_to_every_tab(full_main_window, stacked_model_path,
                                                                  counted_tracers):  # fmt: skip
    """A model loaded in the window builds one Tracer (it built one each for Inspect, Evaluate and
    the Lab), and every tab gets the same session."""
    window = full_main_window
    assert window.load_model_file(stacked_model_path)
    session = window.current_model
    assert counted_tracers == [session.model]
    assert window.inspect_tab.state.session is session
    assert window.evaluate_tab.state.tracer is session.tracer and window.lab_tab.state.tracer is session.tracer
    assert window.train_tab.start_from.loaded is session.loaded


def test_using_the_network_in_use_again_builds_no_second_tracer(full_main_window, counted_tracers):
    """"Use this model" on Train for the model already in use (or a model saved under a new name):
    the same network keeps its Tracer, and every tab its work."""
    import dataclasses

    window = full_main_window
    before = window.current_model
    window.set_model(dataclasses.replace(before.loaded, path=None))
    assert counted_tracers == [] and window.current_model.tracer is before.tracer
    assert window.current_model.name == "unsaved model" and "unsaved model" in window.model_label.text()
