"""Run the core Trainer off the UI thread and hand its progress to the window.

A TrainingWorker owns one run: a Python thread that drives recognizer.train.Trainer, then saves
the best epoch's weights (atomically, so a stopped run never leaves a half-written file). The UI
thread never waits on it except in join(), which shutdown() uses when the window closes.

Progress is pulled, not pushed: every batch and epoch lands in a thread-safe queue that the UI
drains on its own timer (drain()), ten to twenty times a second. However fast batches come, the
event loop sees one small job per frame instead of one queued signal per batch. The end of the run
(finished or failed) is a queued Qt signal.
"""

from __future__ import annotations

import copy
import os
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import torch
from PySide6.QtCore import QObject, Signal

from ..data import MNIST
from ..errors import RecognizerError, TrainingError
from ..modelfile import make_metadata, save_model
from ..train import BatchProgress, EpochResult, Trainer, TrainConfig, TrainResult


def default_torch_threads(device: str) -> int | None:
    """Intra-op threads for a training run, or None to leave torch's default (one per core).

    Measured with benchmarks/bench_gui_training.py on a shared 2-core machine: with torch's
    default the Train tab trained at 0.87-1.04 of a bare loop's speed (0.96 in the last 8-round
    run) while the UI's event loop stayed under 5 ms late (p95); holding a core back for the UI
    (1 thread) only cost throughput (0.59-0.69) and bought the UI nothing it needed. The UI thread
    uses about 7% of one core while training.
    """
    return None


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


class TrainingWorker(QObject):
    """One training run on a background thread.

    Signals (queued to the thread that owns the worker, normally the UI thread):
      finished(RunOutcome): the run ended, completed or stopped;
      failed(kind, message, details): it could not go on. kind is "training" for a TrainingError
        (a NaN loss: the message suggests a lower rate), "error" for another RecognizerError, and
        "crash" for anything unexpected (details holds the traceback).
    """

    finished = Signal(object)
    failed = Signal(str, str, str)

    def __init__(
        self,
        config: TrainConfig,
        data: MNIST,
        *,
        autosave_dir: Path | None = None,
        torch_threads: int | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.config = config
        self.autosave_dir = autosave_dir
        self.torch_threads = torch_threads
        self._events: deque[BatchProgress | EpochResult] = deque()
        self.trainer = Trainer(config, data, on_batch=self._events.append, on_epoch=self._events.append)
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self.started_at: float | None = None

    # --- control (UI thread) -----------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("a TrainingWorker runs once")
        self.started_at = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="recognizer-training", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        self.trainer.pause()

    def resume(self) -> None:
        self.trainer.resume()

    def stop(self) -> None:
        self.trainer.stop()

    @property
    def paused(self) -> bool:
        return self.trainer.paused

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._done.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True if it has (or never started)."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def drain(self) -> list[BatchProgress | EpochResult]:
        """Everything reported since the last call, in order (UI thread)."""
        out = []
        events = self._events
        while events:
            out.append(events.popleft())
        return out

    # --- the thread --------------------------------------------------------------------------
    def _run(self) -> None:
        threads_before = torch.get_num_threads()
        try:
            if self.torch_threads:
                # Set on the thread that trains (OpenMP keeps it per thread), but torch also
                # records it for the whole process: restored below, so the next run starts clean.
                torch.set_num_threads(self.torch_threads)
            result = self.trainer.run()
            outcome = RunOutcome(result=result, seconds=time.perf_counter() - self.started_at)
            if self.autosave_dir is not None:
                try:
                    outcome.autosaved = save_best_epoch(result, self.autosave_dir)
                except (OSError, RecognizerError) as e:
                    outcome.autosave_error = f"{self.autosave_dir}: {getattr(e, 'strerror', None) or e}"
            self._done.set()
            self.finished.emit(outcome)
        except TrainingError as e:
            self._done.set()
            self.failed.emit("training", str(e), "")
        except (RecognizerError, ValueError) as e:  # ValueError: e.g. cuda asked for and gone
            self._done.set()
            self.failed.emit("error", str(e), "")
        except Exception as e:  # a bug or an environment problem: show it, keep the window
            self._done.set()
            self.failed.emit("crash", f"{type(e).__name__}: {e}", traceback.format_exc())
        finally:
            if self.torch_threads and torch.get_num_threads() != threads_before:
                torch.set_num_threads(threads_before)


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
