"""The number's state on Draw & Inspect without a display (recognizer/ui/inspect/number_state.py)."""

from __future__ import annotations

import numpy as np
import pytest
from test_segment import placed

from recognizer.inputs import segment
from recognizer.ui.inspect.number_state import NumberState


@pytest.fixture(scope="module")
def tracer(model_path):
    """The shipped model's reader (ReadingSession.read), as segment.read takes it."""
    from recognizer.reading import ReadingSession

    return ReadingSession.load(model_path).read


def reading(digits, tracer, extra=()):
    strokes, spans = placed(digits, height=60.0)
    strokes += list(extra)
    return segment.read(segment.split_strokes(strokes), tracer), strokes, spans


def test_the_number_its_items_and_the_digit_last_drawn(tracer):
    state = NumberState()
    r, strokes, spans = reading([2, 0, 4, 7], tracer)
    state.set_reading(r, latest=3)  # the 4's second stroke was the last drawn
    assert state.is_number and state.count == 4 and state.chosen == 2
    assert state.number_text() == "2 0 4 7"
    items = state.items()
    assert [i.chosen for i in items] == [False, False, True, False]
    assert all(i.confidence.endswith("%") and i.confidence != "100%" for i in items)
    assert [b[1] for b in state.boxes()] == ["2", "0", "4", "7"]
    assert state.chosen_strokes(strokes) == [strokes[i] for i in spans[2]]


def test_choosing_and_stepping_round_the_number(tracer):
    state = NumberState()
    state.set_reading(reading([1, 7], tracer)[0])
    assert state.chosen == 0 and not state.choose(0) and not state.choose(5)
    assert state.step(1) and state.chosen == 1
    assert state.step(1) and state.chosen == 0  # round
    assert state.step(-1) and state.chosen == 1


def test_a_turned_away_group_is_a_question_mark_with_its_reason(tracer):
    click = np.array([[270.0, 100.0]])
    state = NumberState()
    state.set_reading(reading([3], tracer, extra=[click])[0])
    assert state.number_text() == "3 ?"
    item = state.items()[1]
    assert item.confidence == "" and "too small" in item.why


def test_one_digit_or_none_is_no_number(tracer):
    state = NumberState()
    assert not state.is_number and state.items() == [] and state.boxes() == [] and not state.step(1)
    state.set_reading(reading([5], tracer)[0])
    assert not state.is_number and state.boxes() == []
    strokes = [np.zeros((2, 2))]
    assert state.chosen_strokes(strokes) is strokes
