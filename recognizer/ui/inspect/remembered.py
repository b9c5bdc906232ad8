"""What Draw & Inspect remembers between sessions: pen width, speed, auto-play and the heatmap's
series, each read back through ui/settings.py's checked readers (a bad value gives the default)."""

from __future__ import annotations

from ..settings import read_bool, read_choice, read_int
from .canvas import DEFAULT_PEN_WIDTH, MAX_PEN_WIDTH, MIN_PEN_WIDTH
from .state import DEFAULT_SPEED, MAX_SPEED, MIN_SPEED
from .state_panel import SERIES_NAMES


def restore(tab, store) -> None:
    tab.set_pen_width(read_int(store, "inspect/pen_width", DEFAULT_PEN_WIDTH, MIN_PEN_WIDTH, MAX_PEN_WIDTH))
    tab.set_speed(read_int(store, "inspect/speed", DEFAULT_SPEED, MIN_SPEED, MAX_SPEED))
    tab.set_auto_play(read_bool(store, "inspect/auto_play", True))
    tab.state_panel.set_series(read_choice(store, "inspect/heatmap", "h", SERIES_NAMES))


def save(tab, store) -> None:
    store.setValue("inspect/pen_width", int(round(tab.canvas.pen_width)))
    store.setValue("inspect/speed", tab.speed)
    store.setValue("inspect/auto_play", tab.auto_play)
    store.setValue("inspect/heatmap", tab.state_panel.series)
