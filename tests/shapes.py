"""Drawings that are not digits, as vector strokes on the 280 x 280 canvas, made procedurally
from a seed; and small real digits (the strokes of drawing.py shrunk to 12-25% of the canvas).

Used by tests/test_trust.py and benchmarks/bench_trust.py (which put this folder on sys.path).
No threshold is chosen on these: the verdict's thresholds come from held-out MNIST only. The
families in HELD_OUT were not looked at while designing the verdict, and are reported apart.
"""

from __future__ import annotations

import math

import numpy as np
from drawing import DIGIT_STROKES

CANVAS = 280.0


def _circle(cx, cy, r, a0=0.0, a1=360.0, n=32):
    a = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], axis=1)


# Each family draws in a unit square (0..1, y down); the caller places, scales and jitters it.
def _dot(rng):
    return [np.array([[0.5, 0.5]])]


def _dash(rng):
    angle = math.radians(rng.uniform(-35, 35))  # near-vertical lines are 1s, and left out
    dx, dy = 0.5 * math.cos(angle), 0.5 * math.sin(angle)
    return [np.array([[0.5 - dx, 0.5 - dy], [0.5 + dx, 0.5 + dy]])]


def _plus(rng):
    return [np.array([[0.5, 0.0], [0.5, 1.0]]), np.array([[0.0, 0.5], [1.0, 0.5]])]


def _cross(rng):
    return [np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])]


def _star(rng):
    # a five-pointed star in one stroke
    a = np.radians(-90 + 144 * np.arange(6))
    return [np.stack([0.5 + 0.5 * np.cos(a), 0.5 + 0.5 * np.sin(a)], axis=1)]


def _asterisk(rng):
    out = []
    for k in range(3):
        a = math.pi * k / 3 + math.pi / 2
        out.append(np.array([[0.5 - 0.5 * math.cos(a), 0.5 - 0.5 * math.sin(a)], [0.5 + 0.5 * math.cos(a), 0.5 + 0.5 * math.sin(a)]]))
    return out


def _circle_cross(rng):
    return [_circle(0.5, 0.5, 0.5), np.array([[0.15, 0.15], [0.85, 0.85]]), np.array([[0.85, 0.15], [0.15, 0.85]])]


def _house(rng):
    return [np.array([[0.0, 1.0], [0.0, 0.45], [0.5, 0.0], [1.0, 0.45], [1.0, 1.0], [0.0, 1.0]])]


def _hash(rng):
    return [np.array([[0.35, 0.0], [0.3, 1.0]]), np.array([[0.7, 0.0], [0.65, 1.0]]),
            np.array([[0.0, 0.33], [1.0, 0.33]]), np.array([[0.0, 0.67], [1.0, 0.67]])]


def _triangle(rng):
    return [np.array([[0.5, 0.0], [1.0, 0.9], [0.0, 0.9], [0.5, 0.0]])]


def _square(rng):
    return [np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]])]


def _spiral(rng):
    turns = rng.uniform(2.0, 3.5)
    a = np.linspace(0, 2 * math.pi * turns, 120)
    r = 0.5 * a / a[-1]
    return [np.stack([0.5 + r * np.cos(a), 0.5 + r * np.sin(a)], axis=1)]


def _scribble(rng):
    steps = rng.normal(0, 0.18, (int(rng.integers(12, 30)), 2))
    return [np.clip(np.cumsum(steps, axis=0) + 0.5, 0, 1)]


LETTERS = {
    "A": [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)], [(0.22, 0.6), (0.78, 0.6)]],
    "K": [[(0.1, 0.0), (0.1, 1.0)], [(0.9, 0.0), (0.1, 0.55)], [(0.35, 0.4), (0.9, 1.0)]],
    "M": [[(0.0, 1.0), (0.05, 0.0), (0.5, 0.7), (0.95, 0.0), (1.0, 1.0)]],
    "W": [[(0.0, 0.0), (0.25, 1.0), (0.5, 0.35), (0.75, 1.0), (1.0, 0.0)]],
    "E": [[(0.9, 0.0), (0.1, 0.0), (0.1, 1.0), (0.9, 1.0)], [(0.1, 0.5), (0.7, 0.5)]],
    "H": [[(0.1, 0.0), (0.1, 1.0)], [(0.9, 0.0), (0.9, 1.0)], [(0.1, 0.5), (0.9, 0.5)]],
    "R": [[(0.1, 1.0), (0.1, 0.0), (0.6, 0.0), (0.85, 0.12), (0.85, 0.38), (0.6, 0.5), (0.1, 0.5)], [(0.45, 0.5), (0.9, 1.0)]],
    "F": [[(0.9, 0.0), (0.1, 0.0), (0.1, 1.0)], [(0.1, 0.5), (0.7, 0.5)]],
}


def _letter(name):
    return lambda rng: [np.array(s, dtype=float) for s in LETTERS[name]]


def _digits_side_by_side(count):
    def make(rng):
        strokes = []
        for k in range(count):
            digit = int(rng.integers(0, 10))
            for s in DIGIT_STROKES[digit]:
                s = np.asarray(s, float) / CANVAS  # 0..1 in the digit's own square
                strokes.append(np.stack([(k + 0.15 + 0.7 * s[:, 0]) / count, 0.5 + (s[:, 1] - 0.5) / count], axis=1))
        return strokes
    return make


FAMILIES = {
    "dot": _dot,
    "dash": _dash,
    "plus": _plus,
    "x": _cross,
    "star": _star,
    "asterisk": _asterisk,
    "circle-with-cross": _circle_cross,
    "house": _house,
    "hash": _hash,
    "triangle": _triangle,
    "square": _square,
    "spiral": _spiral,
    "scribble": _scribble,
    **{f"letter {k}": _letter(k) for k in LETTERS},
    "two digits": _digits_side_by_side(2),
    "three digits": _digits_side_by_side(3),
}
# Not looked at while the verdict was designed; reported on their own.
HELD_OUT = ("hash", "spiral", "letter M", "letter W", "letter R", "three digits", "asterisk")


def _place(strokes, rng, size):
    """Unit-square strokes -> canvas strokes of the given size (longer side, logical px), at a
    random position and a small random rotation, with hand jitter; points every ~3 px."""
    angle = math.radians(rng.uniform(-10, 10))
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    placed = []
    for s in strokes:
        s = np.asarray(s, float)
        if len(s) > 1:  # resample so the jitter looks like a hand, not like a ruler
            seg = np.hypot(*np.diff(s, axis=0).T)
            t = np.concatenate([[0], np.cumsum(seg)])
            n = max(2, int(t[-1] * size / 3))
            u = np.linspace(0, t[-1], n)
            s = np.stack([np.interp(u, t, s[:, 0]), np.interp(u, t, s[:, 1])], axis=1)
        placed.append(((s - 0.5) @ rot.T) * size)
    pts = np.concatenate(placed)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    margin = 20.0
    free = np.maximum(CANVAS - 2 * margin - (hi - lo), 0)
    offset = margin + rng.uniform(0, 1, 2) * free - lo
    out = []
    for s in placed:
        jitter = rng.normal(0, 0.006 * size, s.shape) if len(s) > 1 else 0
        out.append(np.clip(s + offset + jitter, 0, CANVAS))
    return out


def non_digits(seed: int = 0, per_family: int = 30) -> list[tuple[str, list[np.ndarray]]]:
    """(family, strokes) pairs, per_family of each family, sizes from 25% to 90% of the canvas
    (dots: a click anywhere)."""
    rng = np.random.default_rng(seed)
    out = []
    for name, make in FAMILIES.items():
        for _ in range(per_family):
            size = rng.uniform(0.25, 0.9) * CANVAS
            out.append((name, _place(make(rng), rng, size)))
    return out


def small_digits(seed: int = 0, per_digit: int = 10, smallest: float = 0.12, largest: float = 0.25):
    """(digit, strokes): the digits of drawing.py shrunk so that their longer side is 12-25% of
    the canvas, anywhere on it."""
    rng = np.random.default_rng(seed)
    out = []
    for digit, strokes in DIGIT_STROKES.items():
        pts = np.concatenate([np.asarray(s, float) for s in strokes])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        for _ in range(per_digit):
            side = rng.uniform(smallest, largest) * CANVAS
            scale = side / (hi - lo).max()
            pos = rng.uniform(10, CANVAS - 10 - (hi - lo) * scale)
            out.append((digit, [(np.asarray(s, float) - lo) * scale + pos for s in strokes]))
    return out
