"""What the Evaluate tab shows beyond accuracy, Qt-free: where the hidden states of the test set lie
(PCA), which rows and pixels drove an answer (saliency), and where the model breaks as the digits
are shifted, rotated, thickened or noised (robustness).

Everything here takes a RowRNN and numpy arrays and returns numpy arrays, so the window computes
it in a worker thread and the tests check it without Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..datasets.augment import dilate, erode
from ..network.model import CLASSES, ROWS, RowRNN
from .accuracy import Evaluation, Stopped, as_float_images, evaluation_of, final_states

ProgressFn = Callable[[int, int], None]  # (done, total)
StopFn = Callable[[], bool]


# --- evaluation with the final hidden states --------------------------------------------------


@torch.no_grad()
def evaluate_with_hidden(
    model: RowRNN,
    images,
    labels,
    batch_size: int = 2000,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> tuple[Evaluation, np.ndarray]:
    """evaluate.evaluate() and, from the same pass, the last layer's hidden state after the last
    row of every image, (N, H) float32: what the readout sees, and what the hidden-state map plots.
    """
    probabilities, hidden = final_states(model, images, batch_size, progress, should_stop)
    return evaluation_of(labels, probabilities), hidden


# --- PCA ----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PCA:
    """A linear projection onto the directions of largest variance of a set of vectors."""

    mean: np.ndarray  # (D,)
    components: np.ndarray  # (k, D), unit rows, largest variance first
    explained_variance: np.ndarray  # (k,) variance of the data along each component
    total_variance: float  # summed variance of the data over all D dimensions

    @property
    def explained_ratio(self) -> np.ndarray:
        """The share of the data's total variance each component carries."""
        if self.total_variance <= 0:
            return np.zeros_like(self.explained_variance)
        return self.explained_variance / self.total_variance

    def transform(self, x) -> np.ndarray:
        """(..., D) -> (..., k)."""
        x = np.asarray(x, dtype=np.float64)
        return ((x - self.mean) @ self.components.T).astype(np.float32)


def fit_pca(data, components: int = 2) -> PCA:
    """PCA of (N, D) data from the eigenvectors of its covariance. Each component's sign is fixed
    so that its largest-magnitude loading is positive: the same data always gives the same picture."""
    x = np.asarray(data, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"PCA needs a (N, D) array with N >= 2, got shape {x.shape}")
    k = int(components)
    if not 1 <= k <= x.shape[1]:
        raise ValueError(f"cannot take {k} components of {x.shape[1]}-dimensional data")
    mean = x.mean(axis=0)
    centred = x - mean
    # The eigenvectors of the (D, D) covariance: for 10,000 x 128 hidden states this is a few ms,
    # where an SVD of the whole matrix takes a second.
    cov = centred.T @ centred / (len(x) - 1)
    variance, vectors = np.linalg.eigh(cov)  # ascending
    order = np.argsort(variance)[::-1]
    variance = np.clip(variance[order], 0.0, None)
    vt = vectors[:, order[:k]].T
    flip = np.sign(vt[np.arange(k), np.abs(vt).argmax(axis=1)])
    vt = vt * np.where(flip == 0, 1.0, flip)[:, None]
    return PCA(mean=mean, components=vt, explained_variance=variance[:k], total_variance=float(variance.sum()))


# --- saliency -----------------------------------------------------------------------------------


class Saliency(NamedTuple):
    """How much each input pixel moves the chosen logit: |d logit / d pixel|, and its sum per row.
    Unpacks as (pixels, rows)."""

    pixels: np.ndarray  # (28, 28), >= 0
    rows: np.ndarray  # (28,), >= 0: pixels summed over each row


def input_gradient(model: RowRNN, image28, target: int | None = None, row: int = ROWS - 1) -> tuple[np.ndarray, int]:
    """The gradient of one class's logit, as the readout gives it after reading rows 0..row, with
    respect to every input pixel, back-propagated through the LSTM's steps: ((28, 28), target).

    target None means the class the model picks at that row. Rows after `row` have not been read,
    so their gradient is exactly zero. The model's own dtype is used (a float64 model gives a
    float64 gradient, which the finite-difference test relies on).
    """
    if not 0 <= row < ROWS:
        raise ValueError(f"row must be in 0..{ROWS - 1}, got {row}")
    param = next(model.parameters())
    x = torch.as_tensor(np.asarray(image28), dtype=param.dtype, device=param.device).reshape(1, ROWS, -1)
    x = x.detach().clone().requires_grad_(True)
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            h = model.hidden_sequence(x[:, : row + 1])[:, -1]
            logits = model.readout(h)[0]
            if target is None:
                target = int(logits.argmax())
            if not 0 <= int(target) < CLASSES:
                raise ValueError(f"target must be a digit 0..9, got {target}")
            (grad,) = torch.autograd.grad(logits[int(target)], x)
    finally:
        model.train(was_training)
    return grad[0].detach().cpu().numpy(), int(target)


def saliency(model: RowRNN, image28, target: int | None = None, row: int = ROWS - 1) -> Saliency:
    """Which pixels and rows drove the answer: the magnitude of input_gradient, (pixel map (28, 28),
    per row (28,)). See input_gradient for target and row."""
    grad, _ = input_gradient(model, image28, target, row)
    pixels = np.abs(grad).astype(np.float32)
    return Saliency(pixels=pixels, rows=pixels.sum(axis=1))


class RowSaliency(NamedTuple):
    """Saliency of the answer after every row at once: [t] explains the answer after rows 0..t."""

    pixels: np.ndarray  # (28, 28, 28): [t] is the (28, 28) pixel map for the answer after row t
    rows: np.ndarray  # (28, 28): [t] is that map summed over each row
    targets: np.ndarray  # (28,) the class explained at each row


def saliency_by_row(model: RowRNN, image28, target: int | None = None) -> RowSaliency:
    """saliency(model, image28, target, row=t) for all 28 rows t in one batched backward pass
    (a batch of 28 copies of the image, copy t answering after row t), so an animation can step
    through the rows without recomputing. target None explains, at each row, the class the model
    leans to after that row."""
    param = next(model.parameters())
    x0 = torch.as_tensor(np.asarray(image28), dtype=param.dtype, device=param.device).reshape(1, ROWS, -1)
    x = x0.expand(ROWS, -1, -1).clone().requires_grad_(True)
    if target is not None and not 0 <= int(target) < CLASSES:
        raise ValueError(f"target must be a digit 0..9, got {target}")
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            logits = model.row_logits(x)  # (28 copies, 28 rows, 10)
            steps = torch.arange(ROWS, device=x.device)
            at_row = logits[steps, steps]  # copy t answers after row t: (28, 10)
            targets = at_row.argmax(1) if target is None else torch.full((ROWS,), int(target), device=x.device)
            # Copies are independent, so the gradient of the sum is each copy's own gradient.
            (grad,) = torch.autograd.grad(at_row[steps, targets].sum(), x)
    finally:
        model.train(was_training)
    pixels = grad.detach().abs().cpu().numpy().astype(np.float32)
    return RowSaliency(pixels=pixels, rows=pixels.sum(axis=2), targets=targets.cpu().numpy().astype(np.int64))


# --- robustness ---------------------------------------------------------------------------------


def shift(images: torch.Tensor, dx: int = 0, dy: int = 0) -> torch.Tensor:
    """Move (B, 28, 28) images dx pixels right and dy down; what leaves the frame is lost and the
    uncovered side is blank."""
    dx, dy = int(dx), int(dy)
    out = torch.zeros_like(images)
    h, w = images.shape[-2:]
    if abs(dx) >= w or abs(dy) >= h:
        return out
    src_y = slice(max(-dy, 0), h - max(dy, 0))
    dst_y = slice(max(dy, 0), h - max(-dy, 0))
    src_x = slice(max(-dx, 0), w - max(dx, 0))
    dst_x = slice(max(dx, 0), w - max(-dx, 0))
    out[..., dst_y, dst_x] = images[..., src_y, src_x]
    return out


def rotate(images: torch.Tensor, degrees: float) -> torch.Tensor:
    """Rotate (B, 28, 28) images about the centre by `degrees` (positive: counter-clockwise as
    seen on screen), bilinear, blank outside."""
    if degrees == 0:
        return images.clone()
    b, h, w = images.shape
    a = math.radians(degrees)
    cos, sin = math.cos(a), math.sin(a)
    # affine_grid maps output to input coordinates (x right, y down): the inverse rotation.
    theta = torch.tensor([[cos, -sin, 0.0], [sin, cos, 0.0]], dtype=images.dtype, device=images.device)
    grid = F.affine_grid(theta.expand(b, 2, 3), (b, 1, h, w), align_corners=False)
    return F.grid_sample(images[:, None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)[:, 0]


def thicken(images: torch.Tensor, amount: float) -> torch.Tensor:
    """Change the strokes' width: amount 1 is one 3x3 max-pool (a dilation, strokes about two
    pixels wider), 2 is two; fractions blend between whole steps (0.5: half-way to one dilation);
    negative amounts erode (a 3x3 min-pool) and thin the strokes instead."""
    if amount == 0:
        return images.clone()
    step = dilate if amount > 0 else erode
    a = abs(float(amount))
    whole, frac = int(math.floor(a)), a - math.floor(a)
    x = images
    for _ in range(whole):
        x = step(x)
    if frac > 1e-9:
        x = (1 - frac) * x + frac * step(x)
    return x


def add_noise(images: torch.Tensor, sigma: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Add Gaussian noise of standard deviation sigma (ink runs 0..1) to every pixel, clipped to
    [0, 1]."""
    if sigma == 0:
        return images.clone()
    noise = torch.randn(images.shape, generator=generator, dtype=images.dtype)
    return (images + sigma * noise.to(images.device)).clamp_(0.0, 1.0)


@dataclass(frozen=True)
class Perturbation:
    """One way to spoil the test digits, with the levels at which the robustness check tries it."""

    key: str  # "shift_x", "rotate", ...
    name: str  # what a legend says: "shift right"
    group: str  # the plot it belongs to: "shift", "rotate", "thicken", "noise"
    unit: str  # the x axis: "pixels"
    levels: tuple[float, ...]
    apply: Callable[[torch.Tensor, float, torch.Generator], torch.Tensor] = field(repr=False, compare=False)


PERTURBATIONS: tuple[Perturbation, ...] = (
    Perturbation("shift_x", "shift right (−: left)", "shift", "pixels",
                 tuple(range(-6, 7, 2)), lambda x, v, g: shift(x, dx=int(v))),
    Perturbation("shift_y", "shift down (−: up)", "shift", "pixels",
                 tuple(range(-6, 7, 2)), lambda x, v, g: shift(x, dy=int(v))),
    Perturbation("rotate", "rotation (+: counter-clockwise)", "rotate", "degrees",
                 tuple(range(-60, 61, 15)), lambda x, v, g: rotate(x, v)),
    Perturbation("thicken", "stroke width (+: dilate, −: erode)", "thicken", "3×3 max-pool steps",
                 (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0), lambda x, v, g: thicken(x, v)),
    Perturbation("noise", "Gaussian noise", "noise", "σ (ink runs 0–1)",
                 (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6), lambda x, v, g: add_noise(x, v, g)),
)  # fmt: skip
PERTURBATIONS_BY_KEY = {p.key: p for p in PERTURBATIONS}


def robustness_subset(labels, size: int = 2000, seed: int = 0) -> np.ndarray:
    """Sorted indices of `size` images drawn at random (fixed seed) without replacement: the
    digits the robustness check uses, the same every run."""
    n = len(labels)
    if size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


@dataclass(frozen=True, eq=False)
class RobustnessCurve:
    perturbation: Perturbation
    levels: np.ndarray  # (L,)
    accuracy: np.ndarray  # (L,) fraction correct; NaN where not computed yet


@torch.no_grad()
def accuracy_of(model: RowRNN, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 2000) -> float:
    """Fraction of float images (B, 28, 28) in [0, 1] that the model labels correctly."""
    if len(images) == 0:
        return 0.0
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    try:
        correct = 0
        for i in range(0, len(images), batch_size):
            logits = model(images[i : i + batch_size].to(device))
            correct += int((logits.argmax(1).cpu() == labels[i : i + batch_size]).sum())
    finally:
        model.train(was_training)
    return correct / len(images)


def robustness(
    model: RowRNN,
    images,
    labels,
    perturbations: Sequence[Perturbation] = PERTURBATIONS,
    *,
    seed: int = 0,
    batch_size: int = 2000,
    progress: Callable[[int, int, RobustnessCurve], None] | None = None,
    should_stop: StopFn | None = None,
) -> dict[str, RobustnessCurve]:
    """Accuracy of the model on `images` (uint8 or floats in [0, 1]) at every level of every
    perturbation: {key: RobustnessCurve}.

    At level 0 every perturbation leaves the images as they are, so those points equal the plain
    accuracy (measured once and shared). The noise is drawn from a generator seeded with `seed`.
    progress(done, total, curve) is called after every level with the curve so far (NaN for
    levels not yet measured), so a window can draw the curves as they grow; should_stop() is
    checked between levels and raises Stopped.
    """
    x = as_float_images(images)
    y = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    generator = torch.Generator().manual_seed(seed)
    total = sum(len(p.levels) for p in perturbations)
    done = 0
    plain: float | None = None
    curves: dict[str, RobustnessCurve] = {}
    for p in perturbations:
        levels = np.asarray(p.levels, dtype=np.float64)
        acc = np.full(len(levels), np.nan)
        curve = RobustnessCurve(perturbation=p, levels=levels, accuracy=acc)
        curves[p.key] = curve
        for j, level in enumerate(levels):
            if should_stop is not None and should_stop():
                raise Stopped()
            if level == 0:
                if plain is None:
                    plain = accuracy_of(model, x, y, batch_size)
                acc[j] = plain
            else:
                acc[j] = accuracy_of(model, p.apply(x, float(level), generator), y, batch_size)
            done += 1
            if progress is not None:
                progress(done, total, curve)
    return curves


__all__ = [
    "PCA",
    "PERTURBATIONS",
    "PERTURBATIONS_BY_KEY",
    "Perturbation",
    "RobustnessCurve",
    "RowSaliency",
    "Saliency",
    "Stopped",
    "accuracy_of",
    "add_noise",
    "evaluate_with_hidden",
    "fit_pca",
    "input_gradient",
    "robustness",
    "robustness_subset",
    "rotate",
    "saliency",
    "saliency_by_row",
    "shift",
    "thicken",
]
