"""Vector strokes -> the 28x28 MNIST-style input, drawn at MNIST's stroke width.

The pixel path (preprocess.to_mnist of the canvas) scales the user's pen with the drawing: a
digit drawn at a fifth of the canvas with a 30 px pen is scaled up five times, its strokes
become 8 px wide in the 20 px box, and 1, 2, 3, 5 and 7 turn into blobs that read as 8. Here the
strokes' centre lines are fitted into MNIST's box and drawn again with a pen whose width is a
fixed share of that box, whatever pen the user had and however large the drawing.

The pen and its soft edge were calibrated on MNIST (test set, measured with
benchmarks/bench_trust.py): mean ink per pixel 0.133, share of pixels above 0 / 0.5 / 0.9 of
0.193 / 0.134 / 0.090, i.e. strokes about 2.9 px wide with an antialiased edge about 1.2 px
wide. A drawing whose extent is below MIN_EXTENT of the canvas (a click, a tick) is never blown
up to fill the box: it is drawn as the small mark it is, and `is_too_small` tells the verdict.

Qt-free, numpy only: distance from every pixel centre to every segment, about 0.3 ms for a
typical digit.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from ..network.dims import (  # not from preprocess.py, which imports torch: the canvas needs them before
    BOX,
    CENTRE,
    SIZE,
)

CANVAS_SIZE = 280.0  # the canvas's logical square (recognizer/ui/canvas.py), the default unit
CANVAS_PEN_WIDTH = 30  # the canvas's default pen, in canvas units: how a kept drawing is shown again
PEN_WIDTH = 2.6  # in pixels of the 28x28 frame: the pen's full-ink width (see the docstring)
EDGE = 1.2  # width of the antialiased edge, pixels: ink falls from 1 to 0 over this distance
# A drawing whose longer side is below this share of the canvas is too small to be a digit
# (the smallest digits people draw on purpose are ~10% of the side); it is drawn at the scale of
# a drawing of this size, so that a click stays a dot instead of becoming a disc.
MIN_EXTENT = 0.04
# The one bound on a drawing's size, shared by the canvas, My digits and the pen-file reader: a
# digit takes 1 to 5 strokes of tens to hundreds of points; past these it is no digit.
MAX_STROKES = 200
MAX_STROKE_POINTS = 5_000
# The canvas keeps a pen sample only this far (Manhattan, in canvas units) from the last one kept:
# closer samples add nothing but jitter. Replayed pen files are thinned by the same rule.
MIN_STEP = 1.5

Strokes = Sequence[np.ndarray] | Iterable[Sequence[tuple[float, float]]]


def _as_polylines(strokes) -> list[np.ndarray]:
    out = []
    for s in strokes:
        a = np.asarray(s, dtype=np.float64).reshape(-1, 2)
        a = a[np.isfinite(a).all(axis=1)]
        if len(a):
            out.append(a)
    return out


def strokes_extent(strokes, canvas_size: float = CANVAS_SIZE) -> float:
    """The longer side of the strokes' bounding box (centre lines, pen left out) as a share of
    the canvas side; 0.0 for a single click, and for no strokes at all."""
    lines = _as_polylines(strokes)
    if not lines:
        return 0.0
    pts = np.concatenate(lines)
    return float((pts.max(axis=0) - pts.min(axis=0)).max()) / float(canvas_size)


def is_too_small(extent: float | None) -> bool:
    """Whether a drawing of this extent (from strokes_extent) is too small to be read as a digit."""
    return extent is not None and extent < MIN_EXTENT


def _segments(lines: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Segment starts and ends (S, 2); a lone point is a segment of length 0."""
    a, b = [], []
    for line in lines:
        if len(line) == 1:
            a.append(line)
            b.append(line)
        else:
            a.append(line[:-1])
            b.append(line[1:])
    return np.concatenate(a), np.concatenate(b)


def render_strokes(
    strokes,
    canvas_size: float = CANVAS_SIZE,
    pen_width: float = PEN_WIDTH,
    edge: float = EDGE,
) -> np.ndarray | None:
    """Strokes -> the (28, 28) float32 image in [0, 1] (ink high, maximum 1) the model reads, or
    None when there is no finite point at all.

    strokes: a list of polylines, each an (N, 2) array (or list) of (x, y) with y growing down,
    in any unit; canvas_size is the side of the square they were drawn in, in that unit (only
    used to keep tiny drawings tiny, see MIN_EXTENT). The drawing's bounding box, pen included,
    is fitted into MNIST's 20x20 box with its aspect ratio kept, and its centre of mass (of the
    strokes' length) is put at pixel (14, 14), as preprocess.to_mnist does for pixels.
    """
    lines = _as_polylines(strokes)
    if not lines:
        return None
    a, b = _segments(lines)
    pts = np.concatenate(lines)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    extent = float((hi - lo).max())
    scale = (BOX - pen_width) / max(extent, MIN_EXTENT * float(canvas_size))
    a = (a - lo) * scale
    b = (b - lo) * scale
    # Centre of mass of the ink: each segment weighs its length (plus the pen's area at a
    # joint, so that lone points count too).
    length = np.hypot(*(b - a).T) + 0.5 * pen_width
    com = ((a + b) / 2 * length[:, None]).sum(axis=0) / length.sum()
    size = (hi - lo) * scale
    # Whole frame coordinates: pixel (r, c) has its centre at (c, r). Shift the centre of mass
    # to (14, 14), clamped so that the whole drawing (pen included) stays in the frame.
    margin = pen_width / 2 + edge / 2
    lo_shift, hi_shift = margin - 0.5, SIZE - 0.5 - margin - size
    shift = np.clip(CENTRE - com, lo_shift, hi_shift)
    out = _draw(a + shift, b + shift, pen_width, edge)
    # Overlaps and joints move the real centre of mass a little: measure it and draw once more.
    mass = out.sum()
    if mass > 0:
        real = np.array([out.sum(axis=0) @ np.arange(SIZE), out.sum(axis=1) @ np.arange(SIZE)]) / mass
        if np.abs(real - CENTRE).max() > 0.25:
            shift = np.clip(shift + CENTRE - real, lo_shift, hi_shift)
            out = _draw(a + shift, b + shift, pen_width, edge)
    return out


def _draw(a: np.ndarray, b: np.ndarray, pen_width: float, edge: float) -> np.ndarray:
    """Antialiased round-capped segments a -> b (frame coordinates, (x, y)) on a 28x28 frame."""
    reach = pen_width / 2 + edge / 2 + 0.5
    x0 = max(int(np.floor(min(a[:, 0].min(), b[:, 0].min()) - reach)), 0)
    x1 = min(int(np.ceil(max(a[:, 0].max(), b[:, 0].max()) + reach)) + 1, SIZE)
    y0 = max(int(np.floor(min(a[:, 1].min(), b[:, 1].min()) - reach)), 0)
    y1 = min(int(np.ceil(max(a[:, 1].max(), b[:, 1].max()) + reach)) + 1, SIZE)
    out = np.zeros((SIZE, SIZE), np.float32)
    if x1 <= x0 or y1 <= y0:
        return out
    ys, xs = np.mgrid[y0:y1, x0:x1]
    p = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)  # (P, 2)
    a = a.astype(np.float32)
    d = (b - a).astype(np.float32)  # (S, 2)
    dd = np.maximum((d * d).sum(axis=1), 1e-12)
    # Squared distance from every pixel centre to every segment, (S, P), then the nearest.
    t = ((p[None, :, 0] - a[:, None, 0]) * d[:, None, 0] + (p[None, :, 1] - a[:, None, 1]) * d[:, None, 1]) / dd[:, None]
    np.clip(t, 0.0, 1.0, out=t)
    qx = a[:, None, 0] + t * d[:, None, 0] - p[None, :, 0]
    qy = a[:, None, 1] + t * d[:, None, 1] - p[None, :, 1]
    dist = np.sqrt((qx * qx + qy * qy).min(axis=0))
    ink = np.clip((pen_width / 2 - dist) / edge + 0.5, 0.0, 1.0)
    out[y0:y1, x0:x1] = ink.reshape(y1 - y0, x1 - x0)
    peak = out.max()
    if peak > 0:
        out /= peak
    return out


def render_canvas(strokes, pen_width: float, canvas_size: int = int(CANVAS_SIZE)) -> np.ndarray:
    """The strokes as the canvas paints them, (canvas_size, canvas_size) uint8, ink high, drawn with
    round caps at the user's pen width: what today's pixel path (to_mnist of the canvas) sees.
    For tests and benchmarks (comparing the two paths) and for callers without Qt."""
    lines = _as_polylines(strokes)
    out = np.zeros((canvas_size, canvas_size), np.float32)
    if not lines:
        return out.astype(np.uint8)
    a, b = _segments(lines)
    # Row bands keep the (S, P) distance arrays small.
    xs = np.arange(canvas_size, dtype=np.float32) + 0.5
    band = 20
    for y0 in range(0, canvas_size, band):
        ys = np.arange(y0, min(y0 + band, canvas_size), dtype=np.float32) + 0.5
        gy, gx = np.meshgrid(ys, xs, indexing="ij")
        p = np.stack([gx.ravel(), gy.ravel()], axis=1)
        near = (np.minimum(a[:, 1], b[:, 1]) - pen_width <= ys[-1]) & (np.maximum(a[:, 1], b[:, 1]) + pen_width >= ys[0])
        if not near.any():
            continue
        sa, sb = a[near].astype(np.float32), b[near].astype(np.float32)
        d = sb - sa
        dd = np.maximum((d * d).sum(axis=1), 1e-12)
        t = np.clip(((p[None, :, 0] - sa[:, None, 0]) * d[:, None, 0] + (p[None, :, 1] - sa[:, None, 1]) * d[:, None, 1]) / dd[:, None], 0, 1)
        qx = sa[:, None, 0] + t * d[:, None, 0] - p[None, :, 0]
        qy = sa[:, None, 1] + t * d[:, None, 1] - p[None, :, 1]
        dist = np.sqrt((qx * qx + qy * qy).min(axis=0))
        out[y0 : y0 + len(ys)] = np.clip(pen_width / 2 - dist + 0.5, 0, 1).reshape(len(ys), canvas_size)
    return (out * 255 + 0.5).astype(np.uint8)


__all__ = ["CANVAS_SIZE", "CANVAS_PEN_WIDTH", "MIN_EXTENT", "MIN_STEP", "MAX_STROKES", "MAX_STROKE_POINTS", "PEN_WIDTH", "EDGE", "render_strokes", "render_canvas", "strokes_extent", "is_too_small"]
