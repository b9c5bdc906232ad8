"""A run's curves, per batch and per epoch: what the Train tab plots, the CSV export writes and a
run record (records.py) keeps. Plain numpy, so the CLI records the same columns the window draws.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from ..files.safe_io import atomic_write
from .trainer import BatchProgress, EpochResult

SMOOTHING = 0.9  # exponential moving average of the batch loss (about 10 batches), debiased
MAX_STORED_POINTS = 2000  # batch rows a record keeps (a 30-epoch run has 14,070)


class Series:
    """Growable columns of floats (amortised appends; views for setData without copies)."""

    def __init__(self, columns: int):
        self._data = np.empty((256, columns))
        self.n = 0

    def extend(self, rows) -> None:
        rows = np.asarray(rows, dtype=float).reshape(-1, self._data.shape[1])
        need = self.n + len(rows)
        if need > len(self._data):
            grown = np.empty((max(need, 2 * len(self._data)), self._data.shape[1]))
            grown[: self.n] = self._data[: self.n]
            self._data = grown
        self._data[self.n : need] = rows
        self.n = need

    def column(self, i: int) -> np.ndarray:
        return self._data[: self.n, i]

    def copy(self) -> Series:
        other = Series(self._data.shape[1])
        other.extend(self._data[: self.n])
        return other


# Every series a run records, and on which rows: "batch" (one per training batch), "epoch" (one
# per finished epoch) or both. The arrays and the CSV's columns all follow this one table.
# Losses are cross-entropy in nats, accuracies fractions, x_epochs the position on the x axis.
SERIES = {"step": "batch", "epoch": "both", "batch": "batch", "x_epochs": "both", "batch_loss": "batch",
          "smoothed_loss": "batch", "learning_rate": "batch", "train_loss": "epoch", "test_loss": "epoch",
          "train_accuracy": "epoch", "test_accuracy": "epoch", "my_digits_accuracy": "epoch"}  # fmt: skip
ADDED_LATER = {"my_digits_accuracy"}  # older records do without
BATCH_SERIES = tuple(name for name, rows in SERIES.items() if rows != "epoch")
EPOCH_SERIES = tuple(name for name, rows in SERIES.items() if rows != "batch")
WHOLE_NUMBERS = {"step", "epoch", "batch"}
CSV_HEADER = ["run", "kind", *SERIES]


class RunCurves:
    """Everything one run plotted, per batch and per epoch (columns as in SERIES)."""

    def __init__(self):
        self.batches = Series(len(BATCH_SERIES))
        self.epochs = Series(len(EPOCH_SERIES))
        self._ema = 0.0
        self._ema_weight = 0.0

    def add(self, events) -> None:
        batch_rows, epoch_rows = [], []
        for e in events:
            if isinstance(e, BatchProgress):
                self._ema = SMOOTHING * self._ema + (1 - SMOOTHING) * e.loss
                self._ema_weight = SMOOTHING * self._ema_weight + (1 - SMOOTHING)
                row = {"step": self.batches.n + len(batch_rows) + 1, "epoch": e.epoch, "batch": e.batch,
                       "x_epochs": (e.epoch - 1) + e.batch / e.batches_per_epoch, "batch_loss": e.loss,
                       "smoothed_loss": self._ema / self._ema_weight, "learning_rate": e.learning_rate}  # fmt: skip
                batch_rows.append([row[name] for name in BATCH_SERIES])
            elif isinstance(e, EpochResult):
                row = {"epoch": e.epoch, "x_epochs": e.epoch, "train_loss": e.train_loss, "test_loss": e.test_loss,
                       "train_accuracy": e.train_accuracy, "test_accuracy": e.test_accuracy,
                       "my_digits_accuracy": math.nan if e.my_digits_accuracy is None else e.my_digits_accuracy}  # fmt: skip
                epoch_rows.append([row[name] for name in EPOCH_SERIES])
        if batch_rows:
            self.batches.extend(batch_rows)
        if epoch_rows:
            self.epochs.extend(epoch_rows)

    def batch(self, name: str) -> np.ndarray:
        return self.batches.column(BATCH_SERIES.index(name))

    def epoch(self, name: str) -> np.ndarray:
        return self.epochs.column(EPOCH_SERIES.index(name))

    @property
    def empty(self) -> bool:
        return self.batches.n == 0 and self.epochs.n == 0

    def copy(self) -> RunCurves:
        other = RunCurves()
        other.batches, other.epochs = self.batches.copy(), self.epochs.copy()
        return other

    def to_dict(self, max_points: int = MAX_STORED_POINTS) -> dict:
        """Plain lists for a record: every epoch row, and at most max_points batch rows, evenly
        spread over the run with its first and last kept (a plot of a few thousand points looks
        the same as one of 20,000, and a record stays a few hundred kB)."""
        keep = _spread(self.batches.n, max_points)
        return {"batch": {name: self.batch(name)[keep].tolist() for name in BATCH_SERIES},
                "epoch": {name: self.epoch(name).tolist() for name in EPOCH_SERIES}}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict) -> RunCurves:
        """The inverse of to_dict; ValueError or KeyError (or TypeError) for anything else."""
        c = cls()
        for names, series, key in ((BATCH_SERIES, c.batches, "batch"), (EPOCH_SERIES, c.epochs, "epoch")):
            stored = d[key]
            length = len(stored["epoch"])  # a record from before a series existed lacks it: NaN
            columns = [np.asarray(stored[name] if name in stored or name not in ADDED_LATER else [math.nan] * length,
                                  dtype=float) for name in names]  # fmt: skip
            if len({len(col) for col in columns}) != 1 or columns[0].ndim != 1:
                raise ValueError(f"the {key} columns differ in length")
            series.extend(np.stack(columns, axis=1))
        return c

    def rows(self, run: str):
        """CSV rows: one per batch, then one per epoch; blanks where a column does not apply."""
        for kind, names, series in (("batch", BATCH_SERIES, self.batches), ("epoch", EPOCH_SERIES, self.epochs)):
            columns = {name: series.column(i) for i, name in enumerate(names)}
            for i in range(series.n):
                yield [run, kind, *(_cell(name, columns[name][i]) if name in columns else "" for name in SERIES)]


def _cell(name: str, value: float) -> str:
    return str(int(value)) if name in WHOLE_NUMBERS else f"{value:.6g}"


def write_curves_csv(path: str | Path, current: RunCurves, previous: RunCurves | None) -> Path:
    """All curves in one CSV: run is "current" or "previous", kind "batch" or "epoch". Written
with safe_io.atomic_write (never onto a device or a FIFO, never half a file)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(CSV_HEADER)
    writer.writerows(current.rows("current"))
    if previous is not None:
        writer.writerows(previous.rows("previous"))
    return atomic_write(path, text.getvalue().encode("utf-8"))


def _spread(n: int, most: int) -> np.ndarray:
    """Indices of at most `most` of n rows, evenly spaced, the first and the last included."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(int))
