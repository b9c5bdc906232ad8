"""Non-digits to train on (outlier exposure, Hendrycks, Mazeika and Dietterich, ICLR 2019).

A network trained on digits alone has to answer a digit for anything it is shown: its softmax is
as sure of a plus sign as of a 7, and the plus sign's hidden states sit among the 4s'. Shown, in
every batch, drawings that are no digit with the target "all ten equally likely", it learns to
hold back on them, and its confidence and hidden states then tell them from digits.

Four kinds, all made here from the run's seed:

- **shapes drawn as strokes**, through strokes.render_strokes (the canvas's own path to the
  28x28 input): one to three parts, each a line, a triangle or pentagon, a star or a letter
  that looks like no digit, at random places and sizes;
- **printed characters** that look like no digit, in Pillow's own font, as pictures through
  preprocess.to_mnist (the path of files, paste and drops);
- **filled blobs** (a stain, a speck on a scan, a pressed-down pen);
- **two MNIST training digits side by side**, each at half size.

Nothing here is made to look like a digit on purpose: no circle or hexagon (0), no lone line
steeper than 50 degrees (1), no curves (two arcs make a 3), no letter like O, I, S, Z, B, G or q. The families of
tests/shapes.py's HELD_OUT (hash, spiral, M, W, R, three digits, asterisk; hence no zigzags)
and everything in tests/fresh_shapes.py are not made here, so they measure how far the lesson
carries.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

from ..inputs.preprocess import to_mnist
from ..inputs.strokes import render_strokes
from .augment import random_affine

POOL_SIZE = 6000  # non-digits rendered when a full run starts (about 1.5 ms each), moved anew every batch
SHARE = 0.25  # outliers per batch, as a share of its digits
WEIGHT = 0.5  # of the outlier loss against the digits' cross-entropy (the paper's choice)

# Letters as polylines in a unit square (y down), chosen unlike any digit.
_LETTERS = {
    "A": [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)], [(0.25, 0.62), (0.75, 0.62)]],
    "E": [[(0.85, 0.0), (0.15, 0.0), (0.15, 1.0), (0.85, 1.0)], [(0.15, 0.5), (0.65, 0.5)]],
    "F": [[(0.85, 0.0), (0.15, 0.0), (0.15, 1.0)], [(0.15, 0.48), (0.65, 0.48)]],
    "H": [[(0.15, 0.0), (0.15, 1.0)], [(0.85, 0.0), (0.85, 1.0)], [(0.15, 0.5), (0.85, 0.5)]],
    "K": [[(0.15, 0.0), (0.15, 1.0)], [(0.85, 0.0), (0.15, 0.6)], [(0.4, 0.42), (0.85, 1.0)]],
    "N": [[(0.15, 1.0), (0.15, 0.0), (0.85, 1.0), (0.85, 0.0)]],
    "X": [[(0.1, 0.0), (0.9, 1.0)], [(0.9, 0.0), (0.1, 1.0)]],
    "V": [[(0.05, 0.0), (0.5, 1.0), (0.95, 0.0)]],
    "T": [[(0.05, 0.0), (0.95, 0.0)], [(0.5, 0.0), (0.5, 1.0)]],
}
_LETTER_NAMES = tuple(_LETTERS)
# Printed characters unlike any digit (no l, o, s, z, b, g, q, a, d; nothing that tests/
# fresh_shapes.py prints either).
_PRINTED = "efhkmnrtuvwxTUV~^"
PICTURE = 112  # printed characters and blobs are drawn at this size, then framed by to_mnist


def _line(rng) -> list[np.ndarray]:
    a = rng.uniform(-math.pi / 3, math.pi / 3)  # up to 60 degrees from horizontal: never a 1
    dx, dy = 0.5 * math.cos(a), 0.5 * math.sin(a)
    return [np.array([[0.5 - dx, 0.5 - dy], [0.5 + dx, 0.5 + dy]])]


def _polygon(rng) -> list[np.ndarray]:
    n = int(rng.choice([3, 5]))  # six sides and more are 0s at 28 px
    a = rng.uniform(0, 2 * math.pi) + 2 * math.pi * np.arange(n + 1) / n
    return [np.stack([0.5 + 0.5 * np.cos(a), 0.5 + 0.5 * np.sin(a)], axis=1)]


def _star(rng) -> list[np.ndarray]:
    a = rng.uniform(0, 2 * math.pi) + 4 * math.pi * np.arange(6) / 5  # a five-pointed star, one stroke
    return [np.stack([0.5 + 0.5 * np.cos(a), 0.5 + 0.5 * np.sin(a)], axis=1)]


def _letter(rng) -> list[np.ndarray]:
    return [np.array(s, float) for s in _LETTERS[_LETTER_NAMES[int(rng.integers(len(_LETTER_NAMES)))]]]


# No arcs: two of them make a 3, a 5 or an 8. A lone line only as a dash (DASH_SHARE): turned
# by the parts' rotation too, it could be a 1.
_ALONE = (_polygon, _star, _letter)
_PARTS = (_line, *_ALONE)
# Drawings that are one dash, at most 50 degrees from horizontal: trained with real people's
# slanted 1s, a model otherwise read a stroke at 45 degrees as a 1 (docs/handwriting.md).
DASH_SHARE = 0.125
DASH_ANGLE = math.radians(50)


def _dash(rng) -> list[np.ndarray]:
    a, size = rng.uniform(-DASH_ANGLE, DASH_ANGLE), rng.uniform(0.6, 1.0)
    dx, dy = 0.5 * size * math.cos(a), 0.5 * size * math.sin(a)
    return [np.array([[0.5 - dx, 0.5 - dy], [0.5 + dx, 0.5 + dy]]) + rng.normal(0, 0.006, (2, 2))]


def outlier_strokes(rng: np.random.Generator) -> list[np.ndarray]:
    """One non-digit drawing in a unit square: one part alone, or two or three parts, each at its
    own place and size; or a dash."""
    if rng.random() < DASH_SHARE:
        return _dash(rng)
    count = int(rng.choice([1, 1, 2, 2, 3]))  # four parts are a blob
    strokes: list[np.ndarray] = []
    for k in range(count):
        parts = _ALONE if count == 1 else _PARTS
        make = parts[int(rng.integers(len(parts)))]
        size = rng.uniform(0.6, 1.0) if count == 1 else rng.uniform(0.3, 0.8)
        centre = rng.uniform(0.5 - (1 - size) / 2, 0.5 + (1 - size) / 2, 2) if count > 1 else np.array([0.5, 0.5])
        turn = rng.uniform(-0.4, 0.4)
        rot = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
        for s in make(rng):
            strokes.append(((s - 0.5) @ rot.T) * size + centre + rng.normal(0, 0.006, s.shape))
    return strokes


def printed_character(rng: np.random.Generator) -> np.ndarray:
    """A printed character of _PRINTED as a picture, black on white, uint8 (PICTURE, PICTURE)."""
    font = ImageFont.load_default(int(rng.uniform(0.45, 0.8) * PICTURE))
    picture = Image.new("L", (PICTURE, PICTURE), 255)
    pen = ImageDraw.Draw(picture)
    ch = _PRINTED[int(rng.integers(len(_PRINTED)))]
    box = pen.textbbox((0, 0), ch, font=font)
    pen.text(((PICTURE - box[2] - box[0]) / 2, (PICTURE - box[3] - box[1]) / 2), ch, fill=0, font=font)
    return np.asarray(picture.rotate(rng.uniform(-15, 15), Image.BILINEAR, fillcolor=255))


def blob(rng: np.random.Generator) -> np.ndarray:
    """A filled ellipse or polygon, at least half as wide as it is tall and the other way round
    (a thin one would be a 1), ink high, float32 (28, 28), already in MNIST's 20 px box: to_mnist
    would thin it to a ring, which is a 0."""
    picture = Image.new("L", (PICTURE, PICTURE), 0)
    pen = ImageDraw.Draw(picture)
    long, short = PICTURE * 20 / 28, PICTURE * 20 / 28 * rng.uniform(0.5, 1.0)
    w, h = (long, short) if rng.random() < 0.5 else (short, long)
    x, y = (PICTURE - w) / 2, (PICTURE - h) / 2
    if rng.random() < 0.5:
        pen.ellipse((x, y, x + w, y + h), fill=255)
    else:
        a = np.sort(rng.uniform(0, 2 * math.pi, int(rng.integers(4, 7))))
        pen.polygon([(x + w / 2 * (1 + math.cos(t)), y + h / 2 * (1 + math.sin(t))) for t in a], fill=255)
    return np.asarray(picture.resize((28, 28), Image.BOX), np.float32) / 255


def render_pool(count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, 28, 28) float32 non-digits: two thirds shapes drawn as strokes (pens a little
    thinner and thicker than MNIST's), a sixth printed characters, a sixth blobs."""
    out = np.zeros((count, 28, 28), np.float32)
    for i in range(count):
        kind = rng.random()
        if kind < 2 / 3:
            image = render_strokes(outlier_strokes(rng), canvas_size=1.0, pen_width=rng.uniform(2.0, 3.4))
        else:
            image = to_mnist(printed_character(rng)) if kind < 5 / 6 else blob(rng)
        if image is not None:
            out[i] = image
    return out


def pool_size_for(train_images: int) -> int:
    """A tenth of the training set, 200 to POOL_SIZE: a short run does not wait for 6,000 shapes."""
    return int(min(POOL_SIZE, max(200, train_images // 10)))


def side_by_side(images: torch.Tensor, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """Pairs of digits (images[first], images[second]) each shrunk to half and set side by side
    in one 28x28 frame: what a user writing "42" gets. images: (N, 28, 28) in [0, 1]."""
    halves = F.interpolate(torch.stack([images[first], images[second]], 1), size=(14, 14), mode="area")
    out = torch.zeros(len(first), 28, 28, dtype=images.dtype, device=images.device)
    out[:, 7:21, 0:14] = halves[:, 0]
    out[:, 7:21, 14:28] = halves[:, 1]
    return out


class Outliers:
    """What a Trainer adds to each batch: `batch(n, digits, generator)` gives n non-digits, half
    from the pool (shapes, printed characters, blobs) and half pairs of the batch's own digits,
    each moved by its own random affine transform. With `real` (N, 28, 28) non-digits drawn by
    people (pen_data.PenTraining.non_digit_images), n of those come on top: with a quarter of a
    share of them, a model fine-tuned from the shipped one still took 64 % of held-out
    contributors' letters for digits (benchmarks/bench_handwriting.py)."""

    def __init__(self, seed: int, pool_size: int = POOL_SIZE, device: torch.device | str = "cpu",
                 real: torch.Tensor | None = None):  # fmt: skip
        self.pool = torch.as_tensor(render_pool(pool_size, np.random.default_rng(seed))).to(device)
        self.real = real.to(device) if real is not None and len(real) else None

    def count_for(self, batch_size: int) -> int:
        return max(1, int(round(SHARE * batch_size)))

    def batch(self, n: int, digits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        shapes = n - n // 2
        pick = torch.randint(len(self.pool), (shapes,), generator=generator).to(self.pool.device)
        pairs = torch.randint(len(digits), (2, n // 2), generator=generator).to(digits.device)
        parts = [self.pool[pick].to(digits.device), side_by_side(digits, pairs[0], pairs[1])]
        if self.real is not None:
            parts.append(self.real[torch.randint(len(self.real), (n,), generator=generator).to(self.real.device)].to(digits.device))
        return random_affine(torch.cat(parts), generator)


def outlier_loss(logits: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against the uniform distribution over the ten digits (its minimum, log 10,
    is reached when every digit is equally likely)."""
    return -F.log_softmax(logits, dim=1).mean(dim=1).mean()


__all__ = ["Outliers", "blob", "outlier_loss", "outlier_strokes", "printed_character", "pool_size_for", "render_pool",
           "side_by_side", "SHARE", "WEIGHT"]
