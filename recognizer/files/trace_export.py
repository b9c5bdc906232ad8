"""Write a Trace to disk (File › Save trace as…), so it can be studied outside the window.

NPZ: one array per quantity, named as below, plus the prediction.
    image (28, 28), probabilities (28, 10), prediction (), confidence (),
    layer1_h, layer1_c, layer1_input, layer1_forget, layer1_candidate, layer1_output (28, units)
    for an LSTM; a GRU's layer1_h, layer1_reset, layer1_update, layer1_candidate; a plain RNN's
    layer1_h, layer1_preactivation (cells.SERIES); layer2_… for stacked models
CSV: one tidy table, one value per line, that loads as it is in pandas, R or a spreadsheet:
    quantity,layer,row,index,value
    image,,1,1,0.0              row and column 1-28 of the 28x28 input
    probability,,1,7,0.031      after row 1, probability of digit 7
    h,1,1,12,-0.0423            layer 1, after row 1, hidden unit 12
Rows and image columns count from 1 as the window shows them; units and digits from 0.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .safe_io import atomic_write

if TYPE_CHECKING:
    from ..network.trace import Trace

CSV_HEADER = ("quantity", "layer", "row", "index", "value")


def trace_arrays(trace: Trace) -> dict[str, np.ndarray]:
    arrays = {
        "image": trace.image,
        "probabilities": trace.probabilities,
        "prediction": np.array(trace.prediction),
        "confidence": np.array(trace.confidence, dtype=np.float32),
    }
    for n, layer in enumerate(trace.layers, start=1):
        for q in layer.names:
            arrays[f"layer{n}_{q}"] = layer.series(q)
    return arrays


def csv_rows(trace: Trace):
    yield CSV_HEADER
    rows, cols = trace.image.shape
    for r in range(rows):
        for c in range(cols):
            yield ("image", "", r + 1, c + 1, f"{trace.image[r, c]:.6g}")
    for r in range(trace.probabilities.shape[0]):
        for d in range(trace.probabilities.shape[1]):
            yield ("probability", "", r + 1, d, f"{trace.probabilities[r, d]:.6g}")
    for n, layer in enumerate(trace.layers, start=1):
        for q in layer.names:
            values = layer.series(q)
            for r in range(values.shape[0]):
                for u in range(values.shape[1]):
                    yield (q, n, r + 1, u, f"{values[r, u]:.6g}")


def save_trace(path: str | Path, trace: Trace) -> Path:
    """Write as CSV or NPZ, chosen by the suffix (.csv, else .npz, which is added if missing)."""
    path = Path(path)
    buffer = io.BytesIO()  # a trace is at most a few MB as text: written whole, atomically
    if path.suffix.lower() == ".csv":
        text = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
        csv.writer(text).writerows(csv_rows(trace))
        text.flush()
    else:
        if path.suffix.lower() != ".npz":
            path = path.with_name(path.name + ".npz")
        np.savez_compressed(buffer, **trace_arrays(trace))
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, buffer.getvalue())
