"""Gradient flow per cell: several models' ‖∂loss/∂h_t‖ through the 28 rows on one fixed batch of
test digits, so that a plain RNN, a GRU and an LSTM can be laid side by side. Each curve is the
last layer's (the one the readout sees) mean over the batch, from gradient_flow.py, and is also
given relative to its own largest value: the models' raw scales differ (the shipped ones' largest
means span 0.028 to 0.133), while the question is how the gradient fades along the rows within each
model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from ..files.model_file import load_model
from ..files.paths import models_dir
from .gradient_flow import gradient_flow

FLOW_BATCH = 500  # the first 500 test digits with their true labels: enough for a smooth mean, a few seconds a model


@dataclass(frozen=True)
class FlowCurve:
    """One model's last-layer ‖∂loss/∂h_t‖ for rows t = 1…28 (flow[0] is row 1)."""

    path: Path
    name: str  # model.describe(): "RNN 128", "LSTM 32×64"
    cell: str
    flow: np.ndarray

    @property
    def relative(self) -> np.ndarray:
        """Each row's norm over this model's largest."""
        return self.flow / self.flow.max()

    @property
    def first_over_last(self) -> float:
        """‖∂loss/∂h_1‖ / ‖∂loss/∂h_28‖: what is left of the gradient after flowing back 27 rows."""
        return float(self.flow[0] / self.flow[-1])


def last_layer_flow(model, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """images (B, 28, 28) in [0, 1], labels (B,) -> (28,) float64: the last layer's mean ‖∂loss/∂h_t‖."""
    device = next(model.parameters()).device
    x = torch.as_tensor(np.asarray(images, dtype=np.float32), device=device)
    y = torch.as_tensor(np.asarray(labels, dtype=np.int64), device=device)
    return gradient_flow(model, x, y)["h"][-1].detach().cpu().double().numpy()


def compare_flows(paths: Sequence[str | Path], images: np.ndarray, labels: np.ndarray,
                  progress: Callable[[float], None] | None = None,
                  should_stop: Callable[[], bool] | None = None,
                  measured: Callable[[FlowCurve], None] | None = None) -> list[FlowCurve] | None:  # fmt: skip
    """Load each model file in turn and measure its last layer's flow on (images, labels), the same
    batch for all. measured(curve) and progress(fraction) after each model; None once
    should_stop() says so."""
    curves = []
    for done, path in enumerate(paths, start=1):
        if should_stop is not None and should_stop():
            return None
        model = load_model(path).model
        curves.append(FlowCurve(Path(path), model.describe(), model.cell, last_layer_flow(model, images, labels)))
        if measured is not None:
            measured(curves[-1])
        if progress is not None:
            progress(done / len(paths))
    return curves


def first_test_digits(images: np.ndarray, labels: np.ndarray, count: int = FLOW_BATCH) -> tuple[np.ndarray, np.ndarray]:
    """The fixed batch: the first `count` test digits, as [0, 1] floats, with their true labels."""
    batch = np.asarray(images[:count])
    if batch.dtype == np.uint8:
        batch = batch.astype(np.float32) / 255.0
    return batch, np.asarray(labels[:count])


def shipped_model_files() -> list[Path]:
    """The model files shipped with the app, by name."""
    return sorted(models_dir().glob("*.safetensors"))


FADED = 0.1  # a row-1 gradient under a tenth of the row-28 one: the cell has mostly forgotten row 1


def flow_summary(curves: Sequence[FlowCurve]) -> str:
    """One sentence from the measurement: each model's ‖∂loss/∂h_1‖ / ‖∂loss/∂h_28‖ and whether
    any of them lets the gradient fade away over the 27 rows back."""
    ratios = ", ".join(f"{c.name} {c.first_over_last:.2f}" for c in curves)
    faded = [c.name for c in curves if c.first_over_last < FADED]
    if not faded:
        verdict = "none of these trained models lets it fade away over the 27 rows back"
    else:
        verdict = f"it fades below a tenth in {', '.join(faded)}"
    return f"‖∂loss/∂h_1‖ / ‖∂loss/∂h_28‖: {ratios}; {verdict}."
