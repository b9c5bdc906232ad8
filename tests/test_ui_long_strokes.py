"""A long stroke on the canvas through real mouse events: the work of one move (painting the
canvas, the pixels a live update hands out) does not grow with the stroke, and the bounds of
recognizer.inputs.strokes (points in a stroke, strokes in a drawing) are kept, with a message."""

from __future__ import annotations

import math

import pytest
from drawing import send_mouse
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QPainter

import recognizer.ui.inspect.canvas as canvas_module
import recognizer.ui.inspect.live_stroke as live_stroke
from recognizer.inputs.strokes import MAX_STROKE_POINTS, MAX_STROKES
from recognizer.ui.inspect.canvas import DrawingCanvas


@pytest.fixture
def canvas(qtbot):
    c = DrawingCanvas()
    qtbot.addWidget(c)
    c.resize(380, 380)
    c.show()
    qtbot.waitExposed(c)
    c.notices = []
    c.notice_changed.connect(c.notices.append)
    return c


def spiral(canvas, n):
    """n widget positions 2 canvas units apart (more than MIN_STEP: every move is kept)."""
    points, angle = [], 0.0
    for i in range(n):
        radius = 30 + (i * 0.37) % 100
        angle += 2.0 / radius
        points.append(canvas.to_widget(QPointF(140 + radius * math.cos(angle), 140 + radius * math.sin(angle))))
    return points


def press(canvas, pos):
    send_mouse(canvas, QEvent.MouseButtonPress, pos, Qt.LeftButton, Qt.LeftButton)


def move(canvas, pos):
    send_mouse(canvas, QEvent.MouseMove, pos, Qt.NoButton, Qt.LeftButton)


def release(canvas, pos):
    send_mouse(canvas, QEvent.MouseButtonRelease, pos, Qt.LeftButton, Qt.NoButton)


class Counting(QPainter):
    """QPainter that counts the path elements and ellipses it is asked to draw."""

    drawn = 0

    def drawPath(self, path):
        Counting.drawn += path.elementCount()
        super().drawPath(path)

    def drawEllipse(self, *args):
        Counting.drawn += 1
        super().drawEllipse(*args)


def test_the_work_of_a_move_does_not_grow_with_the_stroke(canvas, monkeypatch):
    for module in (canvas_module, live_stroke):  # every painter the canvas makes
        monkeypatch.setattr(module, "QPainter", Counting)
    # The live update comes when a frame's time has passed: on a loaded machine that is at any
    # move. The test calls pixels() itself at every move instead, so that each counts alike.
    monkeypatch.setattr(canvas_module, "LIVE_INTERVAL_MS", 10**9)
    points = spiral(canvas, 1600)
    press(canvas, points[0])
    canvas.repaint()  # as the screen does from the first frame on (a resize would make it paint the stroke again once)

    def work_of_moves(moves):
        drawn = []
        for pos in moves:
            Counting.drawn = 0
            move(canvas, pos)
            canvas.repaint()  # what the screen costs
            canvas.pixels()  # what a live update costs
            drawn.append(Counting.drawn)
        return drawn

    for pos in points[1:50]:
        move(canvas, pos)
    early = work_of_moves(points[50:70])
    for pos in points[70:1580]:
        move(canvas, pos)
    late = work_of_moves(points[1580:1600])
    assert len(canvas.strokes()[-1]) == 1600
    assert max(late) <= max(early) < 20, (early, late)
    release(canvas, points[-1])
    assert canvas.stroke_count() == 1 and canvas.pixels()[140, 140] == 0  # the spiral leaves its centre


def test_a_stroke_stops_at_its_bound_and_says_so(canvas):
    points = spiral(canvas, MAX_STROKE_POINTS + 20)
    press(canvas, points[0])
    for pos in points[1:]:
        move(canvas, pos)
    assert len(canvas.strokes()[-1]) == MAX_STROKE_POINTS
    assert canvas.notices == [f"A stroke holds at most {MAX_STROKE_POINTS:,} points: lift the pen and go on with "
                              "a new stroke."] and canvas.notice == canvas.notices[-1]  # fmt: skip
    release(canvas, points[-1])
    assert canvas.stroke_count() == 1 and len(canvas.strokes()[0]) == MAX_STROKE_POINTS
    press(canvas, points[0])  # a new stroke: the message has done its work
    assert canvas.notice == "" and canvas.notices[-1] == ""
    release(canvas, points[0])


def test_a_drawing_stops_at_its_bound_of_strokes_and_says_so(canvas):
    spot = canvas.to_widget(QPointF(140, 140))
    for _ in range(MAX_STROKES + 3):
        press(canvas, spot)
        release(canvas, spot)
    assert canvas.stroke_count() == MAX_STROKES
    assert canvas.notice == f"A drawing holds at most {MAX_STROKES} strokes: undo or clear to draw more."
    canvas.undo()
    assert canvas.notice == "" and canvas.stroke_count() == MAX_STROKES - 1
    press(canvas, spot)
    release(canvas, spot)
    assert canvas.stroke_count() == MAX_STROKES
