"""A training run as a job on the tab's JobRunner, off the UI thread.

Every batch and epoch the Trainer reports goes out through ctx.send; the runner hands them to the
tab as one list per tick, so the event loop sees a few small tasks a second however fast batches
come. The run's end is the job's return value (a RunOutcome) or its exception.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ...datasets.mnist import MNIST
from ...datasets.pen_data import pen_training_for
from ...errors import RecognizerError
from ...training.run import RunOutcome, RunPlan, save_best_epoch
from ...training.run import TrainingRun as CoreRun
from ..jobs import JobContext


class TrainingRun:
    """One run (training_run.TrainingRun, as the CLI runs it) on the runner's thread. pause(),
    resume() and stop() come from the UI thread and take effect before the Trainer's next batch."""

    def __init__(self, plan: RunPlan, data: MNIST, *, autosave_dir: Path | None, torch_threads: int | None,
                 db_path: Path | None = None):  # fmt: skip
        """autosave_dir: where the best epoch is saved (None: nowhere); db_path: the records file
        the run is written to (None: the user data folder's)."""
        self.config = plan.config
        self.core = CoreRun(plan, data)
        self.trainer = self.core.trainer
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

    def _save(self, result) -> Path | None:
        """The best epoch, atomically (a stopped run leaves no half-written file)."""
        if self.autosave_dir is None:
            return None
        try:
            return save_best_epoch(result, self.autosave_dir)
        except OSError as e:
            raise RecognizerError(f"{self.autosave_dir}: {e.strerror or e}") from None

    def job(self, ctx: JobContext) -> RunOutcome:
        """Train, save the best epoch, record the run: all on the runner's thread, none of it on the UI's."""
        self.core.on_event = ctx.send
        threads_before = torch.get_num_threads()
        try:
            if self.torch_threads:
                # Set on the thread that trains (OpenMP keeps it per thread), but torch also
                # records it for the whole process: restored below, so the next run starts clean.
                torch.set_num_threads(self.torch_threads)
            trainer = self.core.trainer
            if trainer.pen is None and self.core.config.pen_data:  # read and rendered here, off the UI thread
                trainer.pen = pen_training_for(self.core.config, len(trainer.data.train_images))
            return self.core.run(self._save, self.db_path)
        finally:
            if torch.get_num_threads() != threads_before:
                torch.set_num_threads(threads_before)


def preload_training_modules(ctx: JobContext | None = None) -> None:
    """What the first run would otherwise import on its way in: building the first optimizer
    imports torch._dynamo (some 800 modules; measured 1-4 s on this 2-core machine, and the
    garbage collections its imports set off stall the UI thread ~100-170 ms at a time). As a job
    submitted when the tab is built, it runs while the window sits idle; a Start pressed sooner
    queues behind it on the same runner. A failure costs nothing: the run imports it anyway."""
    import torch._dynamo  # noqa: F401
