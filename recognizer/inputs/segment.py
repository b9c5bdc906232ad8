"""Several digits in one drawing: a drawing's strokes, or a picture's ink, split into digits read
left to right, each read by the network and judged by the verdict as a single drawing is.

Grouping works on boxes (a stroke's, or a connected blob of a picture's ink) and judges every
distance against the drawing's height H, the tallest box's, never in pixels:

- two groups whose horizontal extents overlap by at least OVERLAP of the narrower one (a narrow
  one counts as MIN_WIDTH * H wide about its middle: the upright of a 4 still falls inside its
  bar, and a 1 beside a 7 does not vanish into a sliver) are one digit: the bar and the upright
  of a 4, the bar of a 5 or a 7; so are two less than NEAR * H apart when one of them is shorter
  than PARTIAL * H, a piece rather than a digit (a 4's hook beside its upright, half of a 0);
  the pair that overlaps most is merged first, again and again, until no pair qualifies;
- a group smaller than FRAGMENT * H both ways (a dot, a flick, a speck) then joins the group
  nearest to it horizontally, as the dot of an i belongs to its i, unless it is further than
  REACH * H from all of them: then it is a mark of its own (which the verdict turns away).

Each group becomes the network's input exactly as a single drawing does (render_strokes for
strokes, to_mnist for a picture's blob cut out on blank paper), so that a drawing of one digit
gives today's input and answer. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..trust.verdict import predict_record
from .preprocess import ink_of, to_mnist
from .strokes import CANVAS_SIZE, MAX_STROKES, _as_polylines, render_strokes, strokes_extent

# Tuned on numbers of held-out writers (benchmarks/bench_numbers.py, another seed than it reports
# with; docs/numbers.md): extents that merely touch are two digits unless one is a partial piece.
OVERLAP = 0.3
MIN_WIDTH = 0.2
NEAR = 0.1
PARTIAL = 0.6
FRAGMENT = 0.4
REACH = 0.5  # a fragment further than this from every digit is a mark of its own
# Runs of ink in a picture past which it is not split (see _blobs); nor is it past MAX_STROKES blobs,
# the bound on a drawing's strokes, which keeps the grouping's pairwise merging fast.
MAX_RUNS = 50_000
PAD = 4  # blank pixels around a picture's blob: to_mnist finds the paper on its border


@dataclass(frozen=True)
class Group:
    """One digit's share of a drawing: which strokes (or blobs) it holds, its box and its input."""

    members: tuple[int, ...]  # indices of its strokes (or of the picture's blobs), in order
    box: tuple[float, float, float, float]  # x0, y0, x1, y1: canvas units, or image pixels
    image28: np.ndarray | None  # the network's input, None: nothing to read
    extent: float | None  # strokes_extent of its strokes; None for a picture


@dataclass(frozen=True)
class DigitReading:
    group: Group
    trace: object  # the recognizer.network.trace.Trace of its input, None when there was nothing to read
    verdict: object  # its recognizer.trust.verdict.Verdict

    @property
    def symbol(self) -> str:
        """The digit, or "?" when the verdict turns it away."""
        return str(self.verdict.digit) if self.verdict.kind == "digit" else "?"


@dataclass(frozen=True)
class NumberReading:
    digits: tuple[DigitReading, ...]

    @property
    def number(self) -> str:
        """"2026", with "?" for each group the verdict turned away; "" for an empty drawing."""
        return "".join(d.symbol for d in self.digits)


def group_boxes(boxes: np.ndarray, height: float | None = None) -> list[tuple[int, ...]]:
    """boxes (N, 4) of x0, y0, x1, y1 -> the groups of box indices that make one digit each,
    left to right (by the middle of their extent), each group's indices in order. height: the
    drawing's H (default: the tallest box's)."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    if not len(boxes):
        return []
    h = float((boxes[:, 3] - boxes[:, 1]).max()) if height is None else float(height)
    h = max(h, float((boxes[:, 2] - boxes[:, 0]).max()) * 0.5, 1e-9)  # a drawing of dashes
    groups = [[i] for i in range(len(boxes))]
    ext = boxes.copy()
    while len(groups) > 1:
        # A narrow group (a 1, the upright of a 4) is judged as if MIN_WIDTH * H wide about its middle.
        width = np.maximum(ext[:, 2] - ext[:, 0], MIN_WIDTH * h)
        mid = (ext[:, 0] + ext[:, 2]) / 2
        lo, hi = mid - width / 2, mid + width / 2
        overlap = np.minimum(hi[:, None], hi[None, :]) - np.maximum(lo[:, None], lo[None, :])
        share = overlap / np.minimum(width[:, None], width[None, :])
        np.fill_diagonal(share, -np.inf)
        height = ext[:, 3] - ext[:, 1]
        partial = np.minimum(height[:, None], height[None, :]) < PARTIAL * h
        joins = (share >= OVERLAP) | (partial & (-overlap <= NEAR * h))
        np.fill_diagonal(joins, False)
        if not joins.any():
            break
        i, j = np.unravel_index(np.argmax(np.where(joins, share, -np.inf)), share.shape)
        i, j = min(i, j), max(i, j)
        groups[i] += groups.pop(j)
        ext[i] = [min(ext[i, 0], ext[j, 0]), min(ext[i, 1], ext[j, 1]), max(ext[i, 2], ext[j, 2]), max(ext[i, 3], ext[j, 3])]
        ext = np.delete(ext, j, axis=0)
    small = ((ext[:, 2] - ext[:, 0]) < FRAGMENT * h) & ((ext[:, 3] - ext[:, 1]) < FRAGMENT * h)
    if small.any() and not small.all():
        big = np.flatnonzero(~small)
        keep = np.ones(len(groups), bool)
        for i in np.flatnonzero(small):
            gap = np.maximum(np.maximum(ext[big, 0] - ext[i, 2], ext[i, 0] - ext[big, 2]), 0.0)
            if gap.min() <= REACH * h:
                groups[big[int(np.argmin(gap))]] += groups[i]
                keep[i] = False
        groups = [g for g, k in zip(groups, keep) if k]
        ext = ext[keep]
    order = np.argsort((ext[:, 0] + ext[:, 2]) / 2, kind="stable")
    return [tuple(sorted(groups[i])) for i in order]


def split_strokes(strokes: Sequence, canvas_size: float = CANVAS_SIZE) -> list[Group]:
    """A drawing's strokes (canvas units, y down, as the canvas gives them) -> its digits, left to
    right; strokes without a finite point belong to none. One group holds every stroke in the
    order drawn, so its input is exactly render_strokes of the whole drawing."""
    kept = [(i, np.asarray(s, np.float64).reshape(-1, 2)) for i, s in enumerate(strokes)]
    kept = [(i, line) for i, s in kept for line in _as_polylines([s])]
    if not kept:
        return []
    boxes = np.array([[*line.min(axis=0), *line.max(axis=0)] for _, line in kept])
    groups = []
    for members in group_boxes(boxes):
        lines = [kept[m][1] for m in members]
        box = (*boxes[list(members), :2].min(axis=0), *boxes[list(members), 2:].max(axis=0))
        groups.append(Group(tuple(kept[m][0] for m in members), tuple(float(v) for v in box),
                            render_strokes(lines, canvas_size), strokes_extent(lines, canvas_size)))
    return groups


def split_picture(image: np.ndarray) -> list[Group]:
    """A picture (anything to_mnist takes) -> its digits, left to right, by connected blobs of ink
    (8-connected) grouped as strokes are. A picture of one digit is one group whose input is
    to_mnist of the whole picture, exactly as before; boxes are in the picture's pixels."""
    ink, (ky, kx) = ink_of(image)
    if ink is None:
        return []
    blobs = _blobs(ink > 0)
    if blobs is None or len(blobs[1]) > MAX_STROKES:  # specks by the hundred: one drawing, as before
        h, w = ink.shape
        return [Group((0,), (0.0, 0.0, float(w * kx), float(h * ky)), to_mnist(image), None)]
    labels, boxes = blobs
    members = group_boxes(boxes)
    if len(members) == 1:
        return [Group(members[0], _scaled(boxes, members[0], ky, kx), to_mnist(image), None)]
    groups = []
    for group in members:
        x0, y0, x1, y1 = (int(v) for v in (*boxes[list(group), :2].min(axis=0), *boxes[list(group), 2:].max(axis=0)))
        crop = np.where(np.isin(labels[y0:y1, x0:x1], np.asarray(group) + 1), ink[y0:y1, x0:x1], 0.0)
        groups.append(Group(group, _scaled(boxes, group, ky, kx), to_mnist(np.pad(crop, PAD)), None))
    return groups


def _scaled(boxes: np.ndarray, members: tuple[int, ...], ky: int, kx: int) -> tuple[float, float, float, float]:
    """The members' box (end exclusive) in the picture's own pixels."""
    b = boxes[list(members)]
    return (float(b[:, 0].min() * kx), float(b[:, 1].min() * ky), float(b[:, 2].max() * kx), float(b[:, 3].max() * ky))


def _blobs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """8-connected blobs of a boolean mask: labels (H, W) int32 (0: paper, k + 1: blob k) and
    their boxes (K, 4) of x0, y0, x1, y1 (end exclusive); None past MAX_RUNS runs of ink (noise,
    not handwriting). Each row's runs are joined to the runs they touch in the row above, found
    by binary search (runs of a row are sorted and apart), then merged by union-find."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]  # both come row by row, left to right: they pair up
    if len(starts) > MAX_RUNS:
        return None
    first = np.searchsorted(rows, np.arange(mask.shape[0] + 1))
    # Run k touches run a of the row above when start_a <= end_k and start_k <= end_a (end
    # exclusive, so diagonal neighbours count): those a form one range of that row's runs.
    above = first[np.maximum(rows - 1, 0)]
    lo = np.where(rows > 0, above, 0)
    hi = np.where(rows > 0, first[rows], 0)
    from_ = np.array([np.searchsorted(ends[lo[k]:hi[k]], starts[k]) + lo[k] for k in range(len(starts))], np.int64)
    to = np.array([np.searchsorted(starts[lo[k]:hi[k]], ends[k], side="right") + lo[k] for k in range(len(starts))], np.int64)
    parent = np.arange(len(starts))

    def root(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for k in range(len(starts)):
        for a in range(from_[k], to[k]):
            ra, rk = root(a), root(k)
            if ra != rk:
                parent[max(ra, rk)] = min(ra, rk)
    roots = np.array([root(a) for a in range(len(starts))], np.int64)
    _, blob = np.unique(roots, return_inverse=True)
    labels = np.zeros(mask.shape, np.int32)
    for k in range(len(starts)):
        labels[rows[k], starts[k] : ends[k]] = blob[k] + 1
    count = int(blob.max()) + 1 if len(blob) else 0
    boxes = np.empty((count, 4))
    boxes[:, :2], boxes[:, 2:] = np.inf, -np.inf
    np.minimum.at(boxes[:, 0], blob, starts)
    np.minimum.at(boxes[:, 1], blob, rows)
    np.maximum.at(boxes[:, 2], blob, ends)
    np.maximum.at(boxes[:, 3], blob, rows + 1)
    return labels, boxes


def read(groups: Sequence[Group], reader: Callable, before: NumberReading | None = None) -> NumberReading:
    """Each group read and judged by reader(image28, extent) -> reading.Reading (the model in
    use's ReadingSession.read). before: an earlier reading by the same reader; a group whose input
    and extent are the same as one of its digits' takes that digit's trace and verdict (while one
    digit is being drawn, the others are not read again)."""
    known = [] if before is None else [d for d in before.digits if d.group.image28 is not None]
    out = []
    for g in groups:
        same = next((d for d in known if g.image28 is not None and d.group.extent == g.extent
                     and np.array_equal(d.group.image28, g.image28)), None)
        if same is not None:
            out.append(DigitReading(g, same.trace, same.verdict))
            continue
        reading = reader(g.image28, g.extent)
        out.append(DigitReading(g, reading.trace, reading.verdict))
    return NumberReading(tuple(out))


def predict_number(path, image: np.ndarray, session) -> dict:
    """One entry of `recognizer predict --json` for a picture read by the model in use (a
    reading.ReadingSession): today's entry (verdict.predict_record) plus "number" when it holds one
    digit (or nothing); for several, "number" ("20?6": "?" where the verdict turned a group away),
    "words" and "digits", each with today's fields and its "box" (x0, y0, x1, y1 in the picture's
    pixels, end exclusive)."""
    groups = split_picture(image)
    if len(groups) <= 1:
        record = predict_record(path, session.read(groups[0].image28 if groups else None))
        return record | {"number": str(record["digit"]) if record["verdict"] == "digit" else "?"}
    reading = read(groups, session.read)
    digits = [{**d.verdict.to_dict(), "words": d.verdict.words(), "box": [round(v) for v in d.group.box]}
              for d in reading.digits]
    return {"path": str(path), "number": reading.number, "digits": digits,
            "words": f"{reading.number} = " + ", ".join(d["words"] for d in digits)}


__all__ = ["DigitReading", "Group", "NumberReading", "group_boxes", "predict_number", "read", "split_picture",
           "split_strokes"]
