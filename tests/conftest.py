"""Shared fixtures for the window's tests: offscreen Qt, isolated settings, models, and a helper
that draws on the canvas with real mouse events, plus the digits 0-9 drawn the way a person would.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import math
from pathlib import Path

import numpy as np
import pytest

try:  # PySide6 6.12.0 on Python 3.11 loses references to None/True: patch before any test runs
    import recognizer.ui.qt_fixes  # noqa: F401
except ImportError:  # a checkout without Qt can still run the core's tests
    pass


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


@pytest.fixture
def draw():
    """draw(canvas, digit_or_strokes): draw a digit 0-9, or a list of strokes, with the mouse."""

    def _draw(canvas, what, **kwargs):
        strokes = DIGIT_STROKES[what] if isinstance(what, int) else what
        for stroke in strokes:
            draw_stroke(canvas, stroke, **kwargs)

    return _draw


# --- settings, models, the window -------------------------------------------------------------


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path):
    """Every test gets its own empty QSettings, as INI files under tmp_path."""
    try:
        from PySide6.QtCore import QSettings
    except ImportError:
        yield None
        return
    folder = tmp_path / "settings"
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(folder))
    yield folder


def _random_model(path: Path, hidden_sizes=(128,), seed=0) -> Path:
    import torch

    from recognizer.model import ModelConfig, RowLSTM
    from recognizer.modelfile import make_metadata, save_model

    torch.manual_seed(seed)
    model = RowLSTM(ModelConfig(hidden_sizes))
    return save_model(path, model, make_metadata(model, {"note": "random weights, for tests"}, None))


@pytest.fixture(scope="session")
def shipped_model_path() -> Path | None:
    """The shipped model (models/default.safetensors), or RECOGNIZER_TEST_MODEL, or None."""
    from recognizer.paths import default_model_path

    override = os.environ.get("RECOGNIZER_TEST_MODEL")
    if override:
        return Path(override)
    path = default_model_path()
    return path if path.exists() else None


@pytest.fixture(scope="session")
def model_path(shipped_model_path, tmp_path_factory) -> Path:
    """A model for wiring tests: the shipped one when there, else random weights."""
    if shipped_model_path is not None:
        return shipped_model_path
    return _random_model(tmp_path_factory.mktemp("models") / "random.safetensors")


@pytest.fixture(scope="session")
def stacked_model_path(tmp_path_factory) -> Path:
    """A small two-layer model (random weights) for model switching and the layer chooser."""
    return _random_model(tmp_path_factory.mktemp("models") / "stacked.safetensors", (16, 8), seed=1)


@pytest.fixture
def main_window(qtbot, model_path, monkeypatch):
    """A shown 1280x800 MainWindow with the model loaded. Dialogs never open: show_message is
    replaced by a recorder (window.messages), so no test can hang on a modal box. The Train and
    Evaluate tabs are placeholders here (they have their own tests; test_ui_inspect.py checks
    the real ones plug in), which keeps these tests fast and about Draw & Inspect."""
    from recognizer.ui import main_window as main_window_module
    from recognizer.ui.app import make_application
    from recognizer.ui.main_window import MainWindow

    make_application()
    monkeypatch.setattr(main_window_module, "_optional_tab", lambda module, name: None)
    window = MainWindow(model_path=model_path)
    qtbot.addWidget(window)
    window.messages = []
    monkeypatch.setattr(window, "show_message", lambda kind, title, text: window.messages.append((kind, title, text)))
    window.ensure_ready()
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.inspect_tab.pause()
    window.close()
