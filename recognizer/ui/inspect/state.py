"""What Draw & Inspect shows, without Qt: the input, its trace, the row being read, the animation
clock and every sentence the tab says. The widgets in tab.py only show this state and forward the
user's actions to it, so all of it is tested without a display (tests/test_inspect_state.py).

Every probability shown (the answer's "% sure", the bars, the lines, the caption) is the same
calibrated one: the softmax of the trace's logits over the model's temperature when its file has one.

Rows are 0-based here and shown 1-based. The animation advances a fractional row position at the
chosen speed; the views change only when the whole row changes.

The row, playing, speed, auto-play and pen width live here and nowhere else: each change reaches
state.events.<name> (ui/observable.py). The slider, the player bar, the canvas's pen and the
auto-play box only show them and write them back; the window and other tabs follow the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ...inputs.strokes import CANVAS_PEN_WIDTH
from ...network.dims import ROWS
from ...text import format_percent as percent
from ...trust.temperature import softmax
from ..observable import Events, observed

if TYPE_CHECKING:  # both import torch, which the window loads after it is on screen
    from ...network.trace import Trace
    from ...reading import ReadingSession

LAST = ROWS - 1
DEFAULT_SPEED = 14  # rows per second: a whole digit in two seconds
MIN_SPEED, MAX_SPEED = 1, 60
# MNIST strokes are 2-3 px wide in the 20 px box a digit is scaled into. A digit drawn about 210
# logical px tall (three quarters of the square) is scaled by 20/210, so a 30 px pen becomes ~2.9
# px. Measured with the digits of tests/conftest.py drawn through to_mnist: mean ink 0.130 against
# MNIST's 0.133 (test set), per digit within ~15% (tests/test_ui_canvas.py checks it).
DEFAULT_PEN_WIDTH = CANVAS_PEN_WIDTH
MIN_PEN_WIDTH, MAX_PEN_WIDTH = 4, 60
YOUR_DRAWING = "Your drawing"


@dataclass(frozen=True)
class Answer:
    digit: str  # the big digit, or ""
    confidence: str  # "83% sure", or ""
    hint: str  # the line under it


class InspectState:
    """The input and its reading by the model in use: a recognizer.reading.ReadingSession (its
    read(image28, extent) -> Reading, tracer, layers and temperature), handed in by the window, so
    this module (and the window's first paint) needs no torch."""

    row = observed()  # 0-based
    playing = observed()
    speed = observed()  # rows per second
    auto_play = observed()  # play from row 1 after every stroke
    pen_width = observed()  # the canvas's pen, in its logical pixels

    def __init__(self):
        self.events = Events("row", "playing", "speed", "auto_play", "pen_width")
        self.session: ReadingSession | None = None
        self.image28: np.ndarray | None = None  # the current input, as the network reads it
        self.has_marks = False  # something is on the canvas, even when it is too little to read
        self.source = YOUR_DRAWING  # where the input came from: the drawing box's title
        self.trace: Trace | None = None
        self.probabilities: np.ndarray | None = None  # (28, 10) after each row, calibrated: what is shown
        self.extent: float | None = None  # the drawing's size as a share of the canvas; None: a picture
        self.verdict = None
        self.row = LAST
        self.speed = DEFAULT_SPEED
        self.playing = False
        self.auto_play = True
        self.pen_width = DEFAULT_PEN_WIDTH
        self._pos = float(LAST)  # fractional row of the animation

    # --- inputs --------------------------------------------------------------------------------
    def set_session(self, session: ReadingSession | None) -> bool:
        """The model in use; the input is read again, but not for the same network under a new
        name (saved). True: another network."""
        same = session is not None and self.session is not None and session.model is self.session.model
        self.session = session
        if not same:
            self.retrace()
        return not same

    @property
    def tracer(self):
        """The model in use's one Tracer (None: no model), which the step panel and the neighbours use too."""
        return None if self.session is None else self.session.tracer

    @property
    def layers(self) -> int:
        return 1 if self.session is None else self.session.layers

    def set_input(self, image28: np.ndarray | None, source: str = YOUR_DRAWING, has_marks: bool | None = None,
                  extent: float | None = None) -> None:  # fmt: skip
        """A new input (None: nothing to read), where it came from and, for a drawing, its size as
        a share of the canvas (a click must not be blown up into a digit); traces it at once."""
        self.image28 = None if image28 is None else np.asarray(image28, dtype=np.float32).reshape(ROWS, ROWS)
        self.source = source
        self.has_marks = self.image28 is not None if has_marks is None else has_marks
        self.extent = extent
        self.retrace()

    def retrace(self) -> None:
        reading = None if self.session is None or self.image28 is None else self.session.read(self.image28, self.extent)
        self.trace = None if reading is None else reading.trace
        self.verdict = None if reading is None else reading.verdict
        temperature = None if self.session is None else self.session.temperature
        self.probabilities = (None if self.trace is None else self.trace.probabilities if temperature is None
                              else softmax(self.trace.logits, temperature))  # fmt: skip

    # --- the row and the animation -------------------------------------------------------------
    def go_to(self, row: int) -> int:
        self.row = min(max(int(row), 0), LAST)
        self._pos = float(self.row)
        return self.row

    def play(self) -> bool:
        """Start playing (from row 1 when at the end); False when there is nothing to play."""
        if self.trace is None:
            self.playing = False
            return False
        if self.row >= LAST:
            self.go_to(0)
        self._pos = float(self.row)
        self.playing = True
        return True

    def pause(self) -> None:
        self.playing = False

    def advance(self, seconds: float) -> int:
        """Move the animation on by `seconds` of play; stops at the last row. Returns the row."""
        if not self.playing:
            return self.row
        self._pos = min(self._pos + seconds * self.speed, float(LAST))
        self.row = int(self._pos)
        if self.row >= LAST:
            self.playing = False
        return self.row

    def set_speed(self, rows_per_second: int) -> int:
        self.speed = min(max(int(rows_per_second), MIN_SPEED), MAX_SPEED)
        return self.speed

    def set_auto_play(self, on: bool) -> None:
        self.auto_play = bool(on)

    def set_pen_width(self, width: float) -> int:
        self.pen_width = min(max(int(round(width)), MIN_PEN_WIDTH), MAX_PEN_WIDTH)
        return self.pen_width

    # --- words ---------------------------------------------------------------------------------
    def answer(self) -> Answer:
        trace, verdict = self.trace, self.verdict
        if verdict is not None and verdict.kind == "not-a-digit":
            why = ("Too small to read: draw it bigger." if verdict.reason == "too small"
                   else "No digit stands out: its answer is spread out." if verdict.score == "energy"
                   else "Unlike any digit the network has learnt.")  # fmt: skip
            return Answer("–", "This doesn't look like a digit", why)
        if verdict is not None and verdict.kind == "unsure":
            return Answer("?", f"Not sure: {verdict.best} or {verdict.runner_up}?",
                          f"{percent(verdict.confidence)} for {verdict.best}, too little to say")  # fmt: skip
        if verdict is not None and verdict.digit is not None:  # calibrated confidence
            return Answer(str(verdict.digit), f"{percent(verdict.confidence)} sure", "after reading all 28 rows")
        if trace is not None:
            return Answer(str(trace.prediction), f"{percent(float(self.probabilities[LAST].max()))} sure", "after reading all 28 rows")
        if self.tracer is None:
            return Answer("", "", "No model loaded: use File › Load model…, or train one in the Train tab.")
        if self.image28 is None and self.has_marks:
            return Answer("", "", "Too little ink to read: draw a bigger digit.")
        return Answer("", "", "Draw a digit")

    def caption(self) -> str:
        """What the animation shows at this moment, in a sentence."""
        trace, row, verdict = self.trace, self.row, self.verdict
        if trace is None:
            if self.tracer is None:
                return "No model is loaded, so there is nothing to animate yet."
            return "Draw a digit on the left: the network reads it one row of pixels at a time, top to bottom."
        leader = trace.leader(row)
        p = percent(float(self.probabilities[row, leader]))
        if row == LAST:  # the verdict's own words: the caption never names a digit the answer turned away
            if verdict is not None and verdict.kind == "not-a-digit":
                return (f"Row {ROWS} of {ROWS}: this doesn't look like a digit, so there is no answer "
                        f"(the likeliest digit, {leader}, has {p}).")  # fmt: skip
            if verdict is not None and verdict.kind == "unsure":
                return f"Row {ROWS} of {ROWS}: having read every row, the network is not sure: {leader} ({p}) or {verdict.runner_up}?"
            return f"Row {ROWS} of {ROWS}: having read every row, the network answers {leader} ({p})."
        if not trace.image[: row + 1].any():
            return f"Row {row + 1} of {ROWS}: no ink yet, so the network is only guessing ({leader}, {p})."
        return f"Row {row + 1} of {ROWS}: the network now leans to {leader} ({p})."

    def row_text(self) -> str:
        return f"row {self.row + 1:>2} / {ROWS}"

    def speed_text(self) -> str:
        return f"{self.speed} row/s" if self.speed == 1 else f"{self.speed} rows/s"

    def leader(self) -> int | None:
        """The digit the network leans to at the current row (the one to highlight), or None."""
        return None if self.trace is None else self.trace.leader(self.row)
