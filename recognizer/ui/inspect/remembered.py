"""What Draw & Inspect remembers between sessions: pen width, speed, auto-play (its state's own
values) and the heatmap's series, each read back through ui/settings.py's checked readers (a bad
value gives the default)."""

from __future__ import annotations

from ..settings import read_bool, read_choice, read_int
from .state import DEFAULT_PEN_WIDTH, DEFAULT_SPEED, MAX_PEN_WIDTH, MAX_SPEED, MIN_PEN_WIDTH, MIN_SPEED
from .state_panel import SERIES_NAMES


def restore(tab, store) -> None:
    state = tab.state
    state.set_pen_width(read_int(store, "inspect/pen_width", DEFAULT_PEN_WIDTH, MIN_PEN_WIDTH, MAX_PEN_WIDTH))
    state.set_speed(read_int(store, "inspect/speed", DEFAULT_SPEED, MIN_SPEED, MAX_SPEED))
    state.set_auto_play(read_bool(store, "inspect/auto_play", True))
    tab.set_series(read_choice(store, "inspect/heatmap", "h", SERIES_NAMES))


def save(tab, store) -> None:
    state = tab.state
    store.setValue("inspect/pen_width", state.pen_width)
    store.setValue("inspect/speed", state.speed)
    store.setValue("inspect/auto_play", state.auto_play)
    store.setValue("inspect/heatmap", tab.series)
