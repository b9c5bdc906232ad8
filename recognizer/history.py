"""What a training run leaves in the records (records.py), alike from the CLI and the window:
its settings, its curves (the same columns the Train tab plots), its result, how long it took,
the model file it saved, and the distributions insight.py measured along the way.
"""

from __future__ import annotations

from pathlib import Path

from .curves import MAX_STORED_POINTS, RunCurves, _spread
from .hidden_sizes import format_hidden_sizes
from .insight import thinned
from .records import Records
from .train import TrainConfig, TrainResult


def run_name(config: TrainConfig) -> str:
    """The name a run gets until the user renames it."""
    return f"{config.cell.upper()} {format_hidden_sizes(config.hidden_sizes)}, {config.epochs} ep, lr {config.learning_rate:g}"


def result_dict(result: TrainResult) -> dict:
    ev = result.evaluation
    return {"test_accuracy": result.test_accuracy, "epochs_completed": len(result.history), "stopped": result.stopped,
            "best_epoch": result.best_epoch, "pen_sets": result.pen_sets, "confusion": ev.confusion.tolist() if ev is not None else None}  # fmt: skip


def record_run(db_path: str | Path | None, result: TrainResult, curves: RunCurves, seconds: float,
               model_path: str | Path | None, distributions: dict | None = None) -> int:  # fmt: skip
    """Write the run into the records at db_path (None: the user data folder's); its id.
    distributions: None records the run's own (its per-batch gradient norms thinned as the curves are)."""
    if distributions is None and result.distributions is not None:
        steps = len(result.distributions["grad_norms"]["step"])
        distributions = thinned(result.distributions, _spread(steps, MAX_STORED_POINTS))
    with Records(db_path) as records:
        return records.add_run(name=run_name(result.config), config=result.config.to_dict(),
                               result=result_dict(result), curves=curves.to_dict(), duration=seconds,
                               model_path=model_path, distributions=distributions)  # fmt: skip
