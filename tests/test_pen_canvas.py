"""Real pen strokes replayed through the real canvas (mouse press, moves and release at the
canvas's logical coordinates mapped to the widget) give the input that unipen.render_pen computes
without a window: importing or evaluating a pen file is what drawing it would be."""

import numpy as np
import pytest
from drawing import draw_stroke
from pen_samples import PENDIGITS, shared_pen_file

from recognizer.datasets.unipen import canvas_strokes, fit_to_canvas, read_pen_file, render_pen
from recognizer.inputs.strokes import render_strokes

# Both paths draw the same kept points; they differ only by the 0.01-unit rounding of
# canvas_strokes (on a 196-unit drawing fitted into 17 pixels: under 0.001 pixel) and by the
# canvas's float32 points. Ink falls from 1 to 0 over strokes.EDGE = 1.2 pixels, so a shift of
# 0.001 pixel changes a pixel's ink by under 0.001; a dropped or extra point would change it by
# tenths. 0.005 (about one grey level of 255) tells the two apart with room to spare.
TOLERANCE = 0.005


@pytest.fixture
def canvas(qtbot):
    from recognizer.ui.inspect.canvas import DrawingCanvas

    c = DrawingCanvas()
    qtbot.addWidget(c)
    c.resize(403, 377)  # not square, not the logical size: the mapping to the widget matters
    c.show()
    qtbot.waitExposed(c)
    return c


def test_pendigits_replayed_on_the_canvas_give_the_render_pen_input(canvas):
    samples = read_pen_file(shared_pen_file(PENDIGITS))[:40]
    dropped = 0
    for sample in samples:
        canvas.clear()
        # On the canvas as a person would draw it, every tablet point: the canvas does the sampling.
        flipped = [s * (1.0, -1.0) for s in sample.strokes]
        for stroke in fit_to_canvas(flipped):
            draw_stroke(canvas, stroke, steps=1)
        drawn = canvas.strokes()
        kept = canvas_strokes(sample.strokes)
        assert [len(s) for s in drawn] == [len(s) for s in kept]  # the same points kept
        dropped += sum(len(s) for s in sample.strokes) - sum(len(s) for s in drawn)
        difference = np.abs(render_strokes(drawn) - render_pen(sample.strokes)).max()
        assert difference < TOLERANCE, (sample.label, sample.source, difference)
    assert dropped > 0  # the canvas's sampling was exercised, not only its drawing
