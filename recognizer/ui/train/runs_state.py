"""What the Runs panel shows, without Qt: a recorded run's row, its colour when overlaid, its
curves, and the settings to train it again with.
"""

from __future__ import annotations

import dataclasses

from ...network.cells import DEFAULT_CELL
from ...network.hidden_sizes import describe_hidden_sizes
from ...store.records import RunRecord
from ...training.curves import RunCurves
from ...training.trainer import TrainConfig
from .state import duration

COLUMNS = ("Name", "Date", "Size", "Epochs", "Test accuracy", "Duration")
# Overlay colours, distinct from each other and from the current run's blue and amber (Tableau 10
# without those two, in the order that keeps neighbours apart).
OVERLAY_COLOURS = ("#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac")


def row_texts(run: RunRecord) -> tuple[str, ...]:
    sizes = run.config.get("hidden_sizes")
    cell = run.config.get("cell", DEFAULT_CELL)  # runs recorded before GRU and RNN were LSTMs
    size = f"{str(cell).upper()} {describe_hidden_sizes(sizes)}" if isinstance(sizes, list) else "?"
    epochs = f"{run.epochs_completed} of {run.config.get('epochs', '?')}"
    accuracy = f"{run.test_accuracy:.2%}" if run.test_accuracy is not None else "—"
    return run.name, f"{run.created_local:%Y-%m-%d %H:%M}", size, epochs, accuracy, duration(run.duration)


def overlay_colour(index: int) -> str:
    """The colour of the index-th checked run (they cycle past eight)."""
    return OVERLAY_COLOURS[index % len(OVERLAY_COLOURS)]


def record_curves(run: RunRecord) -> RunCurves:
    """The recorded run's curves (run: from Records.run, whole); ValueError if they are damaged."""
    try:
        return RunCurves.from_dict(run.curves or {})
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"the curves of run {run.name!r} are damaged ({e})") from None


def record_config(run: RunRecord) -> TrainConfig:
    """The settings the run was trained with; keys this version does not know are left out (a
    newer recognizer's), and anything TrainConfig refuses is a ValueError."""
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    values = {k: v for k, v in run.config.items() if k in known}
    if "hidden_sizes" in values:
        values["hidden_sizes"] = tuple(values["hidden_sizes"])
    return TrainConfig(**values)


def summary_text(run: RunRecord) -> str:
    """The result panel's text for a recorded run (the tab opens showing the last one)."""
    size, epochs = row_texts(run)[2:4]
    return f"{run.name}: {size}, {epochs} epochs, {duration(run.duration)}, on {run.created_local:%Y-%m-%d %H:%M}."
