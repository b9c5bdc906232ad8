"""`recognizer train --log-dir DIR`: the run as TensorBoard event files, for those who read their
runs there. Scalars per batch (loss, learning rate, each block's gradient norm) and per epoch
(train and test loss and accuracy), and per epoch a histogram of every block's weights and
gradients, written from insight.py's summaries (the raw histograms TensorBoard stores), so
nothing is measured twice.

TensorBoard is an optional extra (`pip install 'recognizer[tensorboard]'`); without it
open_log() gives None and the one sentence that says so, and the run goes on without event files.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .trainer import BatchProgress, EpochResult

MISSING = ("--log-dir needs the tensorboard package (pip install 'recognizer[tensorboard]'); "
           "training without TensorBoard event files")  # fmt: skip


def tag(name: str) -> str:
    """A block's name as a TensorBoard tag: "layer 1 input→forget" -> "layer_1_input_to_forget"."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", name.replace("→", " to ")).strip("_")


class TensorBoardLog:
    def __init__(self, writer):
        self.writer = writer
        self._logged_weights = 0  # snapshots of the weights written (the initial one is number 0)
        self._logged_norms = 0  # batches whose gradient norms are written

    def batch(self, p: BatchProgress) -> None:
        step = (p.epoch - 1) * p.batches_per_epoch + p.batch
        self.writer.add_scalar("batch/loss", p.loss, step)
        self.writer.add_scalar("batch/learning_rate", p.learning_rate, step)

    def epoch(self, r: EpochResult) -> None:
        for name in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
            self.writer.add_scalar(f"epoch/{name}", getattr(r, name), r.epoch)
        d = r.distributions
        if d is not None:
            self._histograms(d)
        self.writer.flush()

    def _histograms(self, d: dict) -> None:
        weights, gradients = d["weights"], d["gradients"]
        for i in range(self._logged_weights, len(weights["epochs"])):
            for name in d["blocks"]:
                _raw_histogram(self.writer, f"weights/{tag(name)}", weights["blocks"][name][i], weights["epochs"][i])
        self._logged_weights = len(weights["epochs"])
        if gradients["epochs"]:
            for name in d["blocks"]:
                _raw_histogram(self.writer, f"gradients/{tag(name)}", gradients["blocks"][name][-1],
                               gradients["epochs"][-1])  # fmt: skip
        norms = d["grad_norms"]
        for i in range(self._logged_norms, len(norms["step"])):
            for name in d["blocks"]:
                self.writer.add_scalar(f"grad_norm/{tag(name)}", norms["blocks"][name][i], norms["step"][i])
        self._logged_norms = len(norms["step"])

    def close(self) -> None:
        self.writer.close()


def _raw_histogram(writer, name: str, s: dict, step: int) -> None:
    edges = np.linspace(s["lo"], s["hi"], len(s["hist"]) + 1)
    writer.add_histogram_raw(name, min=s["lo"], max=s["hi"], num=s["num"], sum=s["sum"], sum_squares=s["sum_sq"],
                             bucket_limits=edges[1:].tolist(), bucket_counts=s["hist"], global_step=step)  # fmt: skip


def open_log(log_dir: str | Path) -> tuple[TensorBoardLog | None, str | None]:
    """(the log, None), or (None, the sentence to tell the user) when tensorboard is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # torch raises it for a missing (or too old) tensorboard
        return None, MISSING
    return TensorBoardLog(SummaryWriter(log_dir=str(log_dir))), None
