"""Accuracy, confusion matrix and per-class precision/recall of a model on a labelled set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .model import CLASSES, RowLSTM


def as_float_images(images) -> torch.Tensor:
    """uint8 (N, 28, 28) with ink 0..255, or floats in [0, 1] -> float32 tensor in [0, 1]."""
    t = torch.as_tensor(np.asarray(images))
    return t.float().div_(255.0) if t.dtype == torch.uint8 else t.float()


@dataclass(frozen=True)
class Evaluation:
    labels: np.ndarray  # (N,) true labels
    probabilities: np.ndarray  # (N, 10)
    loss: float  # mean cross-entropy

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def confidences(self) -> np.ndarray:
        return self.probabilities.max(axis=1)

    @property
    def accuracy(self) -> float:
        return float((self.predictions == self.labels).mean()) if len(self.labels) else 0.0

    @property
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
def predict_probabilities(model: RowLSTM, images, batch_size: int = 2000) -> np.ndarray:
    device = next(model.parameters()).device
    x = as_float_images(images)
    was_training = model.training
    model.eval()
    out = [torch.softmax(model(x[i : i + batch_size].to(device)), dim=1).cpu() for i in range(0, len(x), batch_size)]
    model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, CLASSES), dtype=np.float32)


def evaluate(model: RowLSTM, images, labels, batch_size: int = 2000) -> Evaluation:
    labels = np.asarray(labels, dtype=np.int64)
    p = predict_probabilities(model, images, batch_size)
    picked = p[np.arange(len(labels)), labels] if len(labels) else np.ones(0)
    loss = float(-np.log(np.clip(picked, 1e-12, 1.0)).mean()) if len(labels) else 0.0
    return Evaluation(labels=labels, probabilities=p, loss=loss)


__all__ = ["Evaluation", "evaluate", "predict_probabilities", "as_float_images"]
