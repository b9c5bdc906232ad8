"""Pen-file samples for the tests: the shared real handwriting (PEN_DATA_DIR), and samples made
from drawing.py's canvas strokes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shared_data

from recognizer.datasets.unipen import PenSample

PENDIGITS = "pendigits/pendigits-orig.tra.gz"


def shared_pen_file(relative: str) -> Path:
    """A file of the shared handwriting sets; the test skips, saying why, only when PEN_DATA_DIR
    is not set (CI sets it), and fails when it is set but the file is missing."""
    folder = shared_data.PEN_DATA_DIR
    if not folder:
        pytest.skip("PEN_DATA_DIR is not set: the shared pen data sets (pendigits/, unipen/) are needed")
    path = Path(folder) / relative
    assert path.is_file(), f"PEN_DATA_DIR={folder} has no {relative}"
    return path


def pen_sample(label: str, canvas_strokes, source: str = "w1") -> PenSample:
    """A sample from strokes on the canvas (y down): y flipped up, as a tablet writes."""
    return PenSample(label, tuple(np.array(s, np.float64) * (1.0, -1.0) for s in canvas_strokes), source)
