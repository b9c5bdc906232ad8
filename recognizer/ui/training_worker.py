"""What a training run leaves behind: its model file's metadata, the best epoch saved to disk,
and the RunOutcome the Train tab shows. The run itself is a job on the tab's JobRunner
(recognizer/ui/train/job.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..modelfile import make_metadata, save_model
from ..train import TrainConfig, TrainResult


def training_dict(config: TrainConfig, result: TrainResult | None = None, weights: str = "last") -> dict:
    """The "training" part of a model file's metadata: the config, plus how the run went."""
    d = config.to_dict()
    if result is not None:
        d["epochs_completed"] = len(result.history)
        d["stopped"] = result.stopped
        d["best_epoch"] = result.best_epoch
    d["weights"] = weights  # "last": after the last batch run; "best_epoch": that epoch's
    return d


def best_epoch_model(result: TrainResult):
    """A copy of the run's model holding the weights of its best epoch (None if no epoch ended)."""
    if result.best_state is None:
        return None
    model = copy.deepcopy(result.model)
    model.load_state_dict(result.best_state)
    return model.eval()


def autosave_name(config: TrainConfig, epoch: int, when: datetime | None = None) -> str:
    when = when or datetime.now()
    sizes = "x".join(str(h) for h in config.hidden_sizes)
    return f"run-{when:%Y%m%d-%H%M%S}-lstm{sizes}-epoch{epoch}.safetensors"


def save_best_epoch(result: TrainResult, folder: Path) -> Path | None:
    """Save the best epoch of a run under a timestamped name in folder (atomic write); None when
    no epoch finished. Never overwrites: a second run in the same second gets a suffix."""
    model = best_epoch_model(result)
    if model is None:
        return None
    accuracy = result.history[result.best_epoch - 1].test_accuracy
    metadata = make_metadata(model, training_dict(result.config, result, "best_epoch"), accuracy)
    name = autosave_name(result.config, result.best_epoch)
    path = Path(folder) / name
    n = 2
    while path.exists():
        path = Path(folder) / name.replace(".safetensors", f"-{n}.safetensors")
        n += 1
    return save_model(path, model, metadata)


@dataclass
class RunOutcome:
    result: TrainResult
    seconds: float  # wall time of the whole run, pauses included
    autosaved: Path | None = None  # the best epoch's file, if one was written
    autosave_error: str | None = None
