"""A training run as a job on the tab's JobRunner, off the UI thread.

Every batch and epoch the Trainer reports goes out through ctx.send; the runner hands them to the
tab as one list per tick, so the event loop sees a few small tasks a second however fast batches
come. The run's end is the job's return value (a RunOutcome) or its exception.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ...curves import RunCurves
from ...data import MNIST
from ...errors import RecognizerError
from ...history import record_run
from ...pen_data import pen_training_for
from ...train import Trainer, TrainConfig, TrainResult, save_best_epoch
from ..jobs import JobContext


@dataclass
class RunOutcome:
    result: TrainResult
    seconds: float  # wall time of the whole run, pauses included
    autosaved: Path | None = None  # the best epoch's file, if one was written
    autosave_error: str | None = None
    record_id: int | None = None  # the run in the records (records.py), once written
    record_error: str | None = None


class TrainingRun:
    """One run. pause(), resume() and stop() come from the UI thread and take effect before the
    Trainer's next batch; job() is what the runner's thread runs."""

    def __init__(self, config: TrainConfig, data: MNIST, *, autosave_dir: Path | None, torch_threads: int | None,
                 db_path: Path | None = None, trainer_options: dict | None = None):  # fmt: skip
        """db_path: the records file the run is written to (None: the user data folder's);
        trainer_options: Trainer's start_from and my_digits (start_from.py)."""
        self.config = config
        self.trainer = Trainer(config, data, **(trainer_options or {}))
        self.curves = RunCurves()  # the run's own copy, for its record: the tab's lives on the UI thread
        self.db_path = db_path
        self.autosave_dir = autosave_dir
        self.torch_threads = torch_threads  # None: torch's default, one per core

    def pause(self) -> None:
        self.trainer.pause()

    def resume(self) -> None:
        self.trainer.resume()

    def stop(self) -> None:
        self.trainer.stop()

    def set_lr_multiplier(self, factor: float) -> None:
        self.trainer.set_lr_multiplier(factor)

    def job(self, ctx: JobContext) -> RunOutcome:
        """Train, save the best epoch (atomically: a stopped run leaves no half-written file),
        then record the run; all on the runner's thread, none of it on the UI's."""

        def report(event) -> None:
            self.curves.add([event])
            ctx.send(event)

        self.trainer.on_batch = self.trainer.on_epoch = report
        started = time.perf_counter()
        threads_before = torch.get_num_threads()
        try:
            if self.torch_threads:
                # Set on the thread that trains (OpenMP keeps it per thread), but torch also
                # records it for the whole process: restored below, so the next run starts clean.
                torch.set_num_threads(self.torch_threads)
            if self.trainer.pen is None and self.config.pen_data:  # read and rendered here, off the UI thread
                self.trainer.pen = pen_training_for(self.config, len(self.trainer.data.train_images))
            result = self.trainer.run()
        finally:
            if torch.get_num_threads() != threads_before:
                torch.set_num_threads(threads_before)
        outcome = RunOutcome(result=result, seconds=time.perf_counter() - started)
        if self.autosave_dir is not None:
            try:
                outcome.autosaved = save_best_epoch(result, self.autosave_dir)
            except (OSError, RecognizerError) as e:
                outcome.autosave_error = f"{self.autosave_dir}: {getattr(e, 'strerror', None) or e}"
        try:
            outcome.record_id = record_run(self.db_path, result, self.curves, outcome.seconds, outcome.autosaved)
        except RecognizerError as e:
            outcome.record_error = str(e)
        return outcome


def preload_training_modules(ctx: JobContext | None = None) -> None:
    """What the first run would otherwise import on its way in: building the first optimizer
    imports torch._dynamo (some 800 modules; measured 1-4 s on this 2-core machine, and the
    garbage collections its imports set off stall the UI thread ~100-170 ms at a time). As a job
    submitted when the tab is built, it runs while the window sits idle; a Start pressed sooner
    queues behind it on the same runner. A failure costs nothing: the run imports it anyway."""
    import torch._dynamo  # noqa: F401
