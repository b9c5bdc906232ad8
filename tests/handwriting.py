"""A handwriting of one's own, as strokes on the 280 x 280 canvas: a boxy, calculator-like hand
(straight strokes, square corners), which MNIST rarely shows. The shipped model reads most of it,
but not a narrow boxy 0 (a 1 or an 8), a 1 with a long flag (a 7), a boxy 2 with a hook (a 3),
a 6 with a top bar (always a 5) or a short-topped 7 (a 1). Each digit is drawn many times with
random jitter, size, slant and pen. Used by benchmarks/bench_my_digits.py.
"""

from __future__ import annotations

import math

import numpy as np

# The corners of a box 100 wide and 200 tall: top left and right, middle right, bottom right and
# left, middle left.
A, B, C, D, E, F = (90, 40), (190, 40), (190, 140), (190, 240), (90, 240), (90, 140)
STYLE: dict[int, list[list[tuple[float, float]]]] = {
    0: [[(115, 40), (165, 40), (165, 240), (115, 240), (115, 40)]],  # narrow, square
    1: [[(45, 165), (150, 40), (150, 245)]],  # a long flag
    2: [[(90, 60), A, B, C, F, E, D]],  # a hook into the top, square turns
    3: [[A, B, D, E], [(130, 140), C]],
    4: [[(95, 40), (95, 150), (200, 150)], [(175, 40), (175, 250)]],
    5: [[B, A, F, C, D, E]],
    6: [[B, A, E, D, C, F]],  # with a top bar
    7: [[(125, 45), (185, 45), (180, 245)]],  # a short top
    8: [[A, B, D, E, A], [F, C]],
    9: [[C, F, A, B, D, E]],
}
LABELS = tuple(STYLE)


def jittered(strokes, rng: np.random.Generator) -> list[np.ndarray]:
    """The strokes moved, scaled, slanted and shaken as a person's hand would, each time anew."""
    sx, sy = rng.uniform(0.55, 1.05), rng.uniform(0.6, 1.05)
    angle = math.radians(rng.uniform(-10, 10))
    shear = rng.uniform(-0.25, 0.25)
    dx, dy = rng.uniform(-30, 30, 2)
    c, s = math.cos(angle), math.sin(angle)
    m = np.array([[c, -s], [s, c]]) @ np.array([[1, shear], [0, 1]]) @ np.diag([sx, sy])
    out = []
    for stroke in strokes:
        p = np.asarray(stroke, float) - 140
        p = p @ m.T + 140 + (dx, dy)
        wobble = np.cumsum(rng.normal(0, 1.2, p.shape), axis=0)  # a hand drifts rather than jitters
        out.append((p + wobble - wobble.mean(axis=0)).astype(np.float32))
    return out


def samples(per_label: int, seed: int = 0) -> tuple[list[list[np.ndarray]], list[int], list[float]]:
    """per_label drawings of each styled digit: (strokes, labels, pen widths in 28-px pixels)."""
    rng = np.random.default_rng(seed)
    strokes, labels, pens = [], [], []
    for label in LABELS:
        for _ in range(per_label):
            strokes.append(jittered(STYLE[label], rng))
            labels.append(label)
            pens.append(float(rng.uniform(2.0, 3.4)))
    return strokes, labels, pens
