"""A small pen data folder in the shared layout, for tests that must not wait for the real sets."""

import gzip
from pathlib import Path

import numpy as np

from recognizer.datasets.pen_data import FILES
from recognizer.datasets.unipen import pen_text


def drawing_of(digit: int, k: int) -> list[np.ndarray]:
    """A small made-up drawing, different for each digit (y up, tablet units)."""
    t = np.linspace(0, 2 * np.pi, 12)
    return [np.stack([100 + 40 * np.cos(t * (digit + 1) / 3) + k, 100 + 60 * np.sin(t)], 1)]


def _write(path: Path, rows) -> None:
    """rows: (label, strokes y up, comment) -> a gzipped pen file (pen_text flips y, so it is
    given y down here)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flipped = [(label, [s * [1, -1] for s in strokes], comment) for label, strokes, comment in rows]
    path.write_bytes(gzip.compress(pen_text(flipped).encode()))


def write_pen_dir(folder: Path) -> Path:
    """A pen data folder in the shared layout: 12 pendigits writers, UNIPEN digits and letters of
    four contributors (one of them `ibm` with a box-per-stroke digit), Omniglot by 20 drawers."""
    _write(folder / FILES["pendigits"],
           [(str(d), drawing_of(d, w), f"{w} {i}") for w in range(1, 13) for i, d in enumerate(range(10))])
    contributors = ("aga", "ced", "art", "ibm")
    digits = [(str(d), drawing_of(d, k), f"{c} data/1a/{c}/x.dat") for k, c in enumerate(contributors) for d in range(10)]
    digits.append(("4", [np.array([[0.0, 0.0], [0.0, 50.0]]), np.array([[10.0, 5], [60, 5]])], "ibm data/1a/ibm/box.dat"))
    _write(folder / FILES["unipen-digits"], digits)
    _write(folder / FILES["unipen-characters"],
           [(ch, [np.array([[0.0, 0], [50, 100], [100, 0]]), np.array([[25.0, 50], [75, 50]])], f"{c} data/1b/{c}/y.dat")
            for c in contributors for ch in "AHK"])
    _write(folder / FILES["omniglot"],
           [("Korean/character01", [np.array([[0.0, 0], [10, 10], [20, 0]])], f"omniglot s/Korean/character01/0001_{n:02d}.txt")
            for n in range(1, 21)])
    return folder
