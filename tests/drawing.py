"""The digits 0-9 drawn the way a person would, and drawing them on the canvas with real mouse
events. Used by the window's tests and by benchmarks/ (which put this folder on sys.path)."""

from __future__ import annotations

import math

import numpy as np

# --- digits as a person draws them: strokes of (x, y) points on the 280 x 280 canvas -----------


def _arc(cx, cy, rx, ry, start_deg, end_deg, n=28):
    """Points along an ellipse, angles in degrees clockwise from 3 o'clock (y grows down)."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in np.linspace(start_deg, end_deg, n)
    ]


DIGIT_STROKES: dict[int, list[list[tuple[float, float]]]] = {
    # an oval, started at the top and closed
    0: [_arc(140, 140, 68, 100, -100, 265, 40)],
    # one slightly slanted down-stroke
    1: [[(150, 38), (146, 100), (141, 170), (136, 245)]],
    # a hook at the top, a diagonal down to the left, a base line
    2: [_arc(138, 95, 60, 55, 200, 360, 14) + [(188, 135), (150, 175), (110, 210), (78, 242), (140, 242), (208, 242)]],
    # two bumps opening to the left
    3: [_arc(135, 85, 62, 50, 210, 440, 16) + _arc(135, 185, 68, 60, -80, 150, 18)],
    # a down-left diagonal and a bar, then the upright as a second stroke
    4: [[(160, 38), (118, 100), (72, 168), (140, 168), (212, 168)], [(180, 95), (178, 170), (176, 250)]],
    # the top bar, then the back and the belly in one go
    5: [[(98, 42), (150, 42), (202, 42)], [(98, 42), (92, 90), (88, 128)] + _arc(138, 180, 64, 62, -120, 150, 18)],
    # a long curve down from the top right into a loop at the bottom
    6: [[(185, 40), (150, 62), (118, 100), (98, 145)] + _arc(142, 190, 55, 55, 180, 540, 24)],
    # a top bar, then a diagonal
    7: [[(72, 46), (140, 46), (208, 46), (170, 125), (138, 190), (115, 250)]],
    # two loops, one above the other
    8: [_arc(140, 85, 50, 48, 90, 450, 26), _arc(140, 188, 62, 58, -90, 270, 30)],
    # a loop at the top, then the stem down from its right side
    9: [_arc(132, 92, 58, 54, 0, 360, 26) + [(190, 92), (188, 170), (184, 250)]],
}


# --- drawing with real mouse events -----------------------------------------------------------


def send_mouse(widget, kind, pos, button, buttons):
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    pos = QPointF(pos)
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.NoModifier)
    QApplication.sendEvent(widget, event)


def draw_stroke(canvas, points, steps: int = 4, pause_ms: int = 0, qtbot=None):
    """Press at the first point, move through the rest (with the left button held, which
    QTest.mouseMove cannot say), release at the last. Points are in canvas coordinates (0-280).
    pause_ms > 0 lets that much time pass every few moves, so throttled live updates happen."""
    from PySide6.QtCore import QEvent, QPointF, Qt

    pts = [canvas.to_widget(QPointF(x, y)) for x, y in points]
    send_mouse(canvas, QEvent.MouseButtonPress, pts[0], Qt.LeftButton, Qt.LeftButton)
    for i, (a, b) in enumerate(zip(pts, pts[1:])):
        for k in range(1, steps + 1):
            send_mouse(canvas, QEvent.MouseMove, a + (b - a) * (k / steps), Qt.NoButton, Qt.LeftButton)
        if pause_ms and qtbot is not None and i % 3 == 2:
            qtbot.wait(pause_ms)
    send_mouse(canvas, QEvent.MouseButtonRelease, pts[-1], Qt.LeftButton, Qt.NoButton)


def draw_digit(canvas, digit: int, **kwargs):
    for stroke in DIGIT_STROKES[digit]:
        draw_stroke(canvas, stroke, **kwargs)
