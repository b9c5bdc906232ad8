"""Accuracy, confusion matrix and per-class precision/recall of a model on a labelled set."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np
import torch

from ..network.model import CLASSES, RowRNN


class Stopped(Exception):
    """Raised inside a computation when its should_stop() says so."""


def as_float_images(images) -> torch.Tensor:
    """uint8 (N, 28, 28) with ink 0..255, or floats in [0, 1] -> float32 tensor in [0, 1]."""
    t = torch.as_tensor(np.asarray(images))
    return t.float().div_(255.0) if t.dtype == torch.uint8 else t.float()


@dataclass(frozen=True)
class Evaluation:
    labels: np.ndarray  # (N,) true labels
    probabilities: np.ndarray  # (N, 10)
    loss: float  # mean cross-entropy

    @cached_property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def confidences(self) -> np.ndarray:
        return self.probabilities.max(axis=1)

    @property
    def accuracy(self) -> float:
        return float((self.predictions == self.labels).mean()) if len(self.labels) else 0.0

    @cached_property
    def confusion(self) -> np.ndarray:
        """(10, 10) counts; rows are the true label, columns the prediction."""
        m = np.zeros((CLASSES, CLASSES), dtype=np.int64)
        np.add.at(m, (self.labels, self.predictions), 1)
        return m

    @property
    def precision(self) -> np.ndarray:
        m = self.confusion
        predicted = m.sum(axis=0)
        return np.divide(np.diag(m), predicted, out=np.zeros(CLASSES), where=predicted > 0)

    @property
    def recall(self) -> np.ndarray:
        m = self.confusion
        actual = m.sum(axis=1)
        return np.divide(np.diag(m), actual, out=np.zeros(CLASSES), where=actual > 0)


@torch.no_grad()
def final_states(
    model: RowRNN,
    images,
    batch_size: int = 2000,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities (N, 10) and the last layer's hidden state after the last row (N, H),
    in batches; progress(done, total) after each, and Stopped raised when should_stop() says so."""
    device = next(model.parameters()).device
    x = as_float_images(images)
    was_training = model.training
    model.eval()
    probs, hidden = [], []
    try:
        for start in range(0, len(x), batch_size):
            if should_stop is not None and should_stop():
                raise Stopped()
            h = model.hidden_sequence(x[start : start + batch_size].to(device))[:, -1]
            probs.append(torch.softmax(model.readout(h), dim=1).cpu())
            hidden.append(h.cpu())
            if progress is not None:
                progress(min(start + batch_size, len(x)), len(x))
    finally:
        model.train(was_training)
    if not probs:
        return np.zeros((0, CLASSES), np.float32), np.zeros((0, model.layers[-1].hidden_size), np.float32)
    return torch.cat(probs).numpy(), torch.cat(hidden).numpy()


def predict_probabilities(model: RowRNN, images, batch_size: int = 2000) -> np.ndarray:
    return final_states(model, images, batch_size)[0]


def evaluation_of(labels, probabilities: np.ndarray) -> Evaluation:
    """An Evaluation from the probabilities a model gave, with its mean cross-entropy."""
    labels = np.asarray(labels, dtype=np.int64)
    picked = probabilities[np.arange(len(labels)), labels] if len(labels) else np.ones(0)
    loss = float(-np.log(np.clip(picked, 1e-12, 1.0)).mean()) if len(labels) else 0.0
    return Evaluation(labels=labels, probabilities=probabilities, loss=loss)


def evaluate(model: RowRNN, images, labels, batch_size: int = 2000) -> Evaluation:
    return evaluation_of(labels, predict_probabilities(model, images, batch_size))


__all__ = ["Evaluation", "Stopped", "evaluate", "evaluation_of", "final_states", "predict_probabilities", "as_float_images"]
