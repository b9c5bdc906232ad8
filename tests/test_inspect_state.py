"""Draw & Inspect's state without a display: inputs, the row and the animation clock, the words."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from recognizer.ui.inspect.state import LAST, MAX_PEN_WIDTH, MAX_SPEED, InspectState


class FakeTrace:
    """The parts of a Trace the state reads: one image, probabilities after each row."""

    def __init__(self, image, leaders):
        self.image = image
        self.probabilities = np.full((28, 10), 0.02, np.float32)
        for row, digit in enumerate(leaders):
            self.probabilities[row, digit] = 0.82
        self.logits = np.log(self.probabilities)

    @property
    def prediction(self):
        return int(self.probabilities[-1].argmax())

    @property
    def confidence(self):
        return float(self.probabilities[-1].max())

    def leader(self, row):
        return int(self.probabilities[row].argmax())


class FakeSession:
    """The parts of a reading.ReadingSession the state reads: read(image28, extent) -> a Reading
    (here the trace, and the verdict it is given), layers, tracer and temperature."""

    layers = 1
    tracer = "its tracer"

    def __init__(self, leaders=(1,) * 14 + (7,) * 14, temperature=None, verdict=None):
        self.leaders, self.temperature, self.verdict = list(leaders), temperature, verdict
        self.model = object()  # the network: a session saved under a new name shares it

    def read(self, image28, extent=None):
        return SimpleNamespace(trace=FakeTrace(image28, self.leaders), verdict=self.verdict)


fake_session = FakeSession()


def digit():
    image = np.zeros((28, 28), np.float32)
    image[10:20, 12:15] = 1.0
    return image


def test_the_state_needs_no_qt():
    code = "import sys, recognizer.ui.inspect.state; print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'pyqtgraph'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_words_follow_the_input_and_the_model():
    s = InspectState()
    assert "No model loaded" in s.answer().hint
    s.set_session(fake_session)
    assert s.answer().hint == "Draw a digit" and s.answer().digit == ""
    s.set_input(None, has_marks=True)
    assert "Too little ink" in s.answer().hint
    s.set_input(digit(), "test digit #3: true 7")
    answer = s.answer()
    assert (answer.digit, answer.confidence) == ("7", "82% sure") and s.source == "test digit #3: true 7"
    assert s.caption().startswith("Row 28 of 28: having read every row, the network answers 7 (82%)")
    s.go_to(3)
    assert "no ink yet" in s.caption() and s.leader() == 1
    s.go_to(12)
    assert s.caption() == "Row 13 of 28: the network now leans to 1 (82%)." and s.row_text() == "row 13 / 28"
    s.set_session(None)  # the model goes: nothing stale stays
    assert s.trace is None and s.answer().digit == "" and "No model" in s.caption()


def test_the_animation_clock_plays_to_the_end_and_stops():
    s = InspectState()
    s.set_session(fake_session)
    assert not s.play()  # nothing to play yet
    s.set_input(digit())
    assert s.row == LAST and s.play() and s.row == 0  # from row 1 when at the end
    s.set_speed(10)
    assert s.advance(0.25) == 2  # 2.5 rows: the whole row only
    assert s.advance(0.05) == 3
    assert s.advance(10) == LAST and not s.playing
    assert s.advance(1) == LAST


def test_speed_and_rows_are_clamped_and_worded():
    s = InspectState()
    assert s.set_speed(1000) == MAX_SPEED and s.set_speed(0) == 1
    assert s.speed_text() == "1 row/s" and (s.set_speed(2), s.speed_text()) == (2, "2 rows/s")
    assert s.go_to(-5) == 0 and s.go_to(99) == LAST


@pytest.mark.parametrize("row", [0, 13, LAST])
def test_pausing_keeps_the_row(row):
    s = InspectState()
    s.set_session(fake_session)
    s.set_input(digit())
    s.go_to(row)
    s.play()
    s.pause()
    assert s.advance(1.0) == (0 if row == LAST else row)


def test_the_caption_at_the_last_row_agrees_with_the_verdict_and_the_temperature():
    hot = FakeSession([7] * 28, temperature=2.0, verdict=SimpleNamespace(
        kind="not-a-digit", digit=None, best=7, runner_up=0, confidence=0.3, reason="unlike any digit", score="energy"))
    s = InspectState()
    s.set_session(hot)
    s.set_input(digit())
    assert s.probabilities[LAST, 7] < 0.82  # rescaled: softmax(log p / 2)
    assert "doesn't look like a digit" in s.caption() and "answers" not in s.caption()
    hot.verdict = SimpleNamespace(
        kind="unsure", digit=None, best=7, runner_up=0, confidence=0.3, reason="low confidence", score="energy")
    s.retrace()
    assert s.caption().endswith("not sure: 7 (" + f"{s.probabilities[LAST, 7]:.0%}" + ") or 0?")


def test_the_state_owns_row_playing_speed_auto_play_and_pen_width_and_says_when_each_changes():
    state = InspectState()
    heard = []
    for name in ("row", "playing", "speed", "auto_play", "pen_width"):
        getattr(state.events, name).connect(lambda value, name=name: heard.append((name, value)))
    state.go_to(LAST)  # where it already is: nobody told
    state.set_speed(state.speed)
    assert heard == []
    state.go_to(3)
    state.set_speed(MAX_SPEED + 40)  # kept in range, and the range's end is what is told
    state.set_auto_play(False)
    state.set_pen_width(200.0)
    state.set_pen_width(7.4)
    assert heard == [("row", 3), ("speed", MAX_SPEED), ("auto_play", False), ("pen_width", MAX_PEN_WIDTH), ("pen_width", 7)]
    heard.clear()
    state.set_input(np.ones((28, 28), np.float32))
    state.trace = FakeTrace(np.ones((28, 28), np.float32), [1] * 28)
    state.go_to(LAST)
    heard.clear()
    assert state.play() and heard == [("row", 0), ("playing", True)]  # from row 1
    heard.clear()
    state.advance(100.0)  # past the end: the last row, and it stops
    assert heard == [("row", LAST), ("playing", False)]


def test_a_listener_may_disconnect_itself_while_it_is_told():
    from recognizer.ui.observable import Events

    events, heard = Events("row"), []

    def once(value):
        heard.append(value)
        events.row.disconnect(once)

    events.row.connect(once)
    events.row.connect(heard.append)
    events.row.emit(1)
    events.row.emit(2)
    assert heard == [1, 1, 2]


def test_the_same_network_under_a_new_name_is_not_read_again():
    s = InspectState()
    first = FakeSession()
    s.set_session(first)
    s.set_input(digit())
    trace = s.trace
    renamed = FakeSession()
    renamed.model = first.model
    assert not s.set_session(renamed) and s.session is renamed and s.trace is trace
    assert s.set_session(FakeSession()) and s.trace is not trace
