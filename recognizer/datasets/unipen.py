"""Pen files: the UNIPEN text format of on-line handwriting (pendigits, UNIPEN, Omniglot strokes,
a class's own tablet digits), read into labelled strokes and written back.

One dialect, as in the shared data sets' README: header lines (.VERSION, .DATA_SOURCE, .LEXICON,
...), then segments, each a `.SEGMENT <level> <delineation> <quality> "<label>"` line, an optional
`.COMMENT <label> <source> <rest>` line, and exactly its own strokes: `.PEN_DOWN`, one `x y` line
per point, `.PEN_UP`. Points after a .PEN_UP (the pen hovering) are not ink and are skipped; other
keywords (.DT, .INCLUDE, .COORD, ...) are ignored. y grows upwards, as on a tablet:
`canvas_strokes` flips it for the canvas, where y grows down.

Bounded and strict like the other readers: only a regular file is opened, at most MAX_FILE_BYTES
are read and MAX_TEXT_BYTES decompressed (a gzip bomb stops there), a line, a stroke, a segment
and a file hold at most MAX_LINE, MAX_STROKE_POINTS, MAX_STROKES, MAX_SEGMENTS and MAX_POINTS;
anything else is one DataError naming the file and the line.
"""

from __future__ import annotations

import gzip
import math
import os
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from ..errors import DataError
from ..files.safe_io import atomic_write, brief, read_regular, shown
from ..inputs.strokes import CANVAS_SIZE, MAX_STROKE_POINTS, MAX_STROKES, MIN_STEP, render_strokes
from .mnist_files import decompress

MAX_FILE_BYTES = 64 << 20  # as stored (gzip or plain); the largest shared set is 4.4 MB gzipped
MAX_TEXT_BYTES = 64 << 20  # decompressed; the largest shared set is 15.4 MB
# Points in a whole file, on the tablet or hovering (the largest shared set has 1.4 million): 64 MB
# as arrays and seconds of parsing, whatever the file holds; text alone would allow 16 million.
MAX_POINTS = 4_000_000
MAX_LINE = 1 << 16  # characters; Omniglot's .LEXICON line is 2.5 kB
MAX_SEGMENTS = 200_000  # the largest shared set has 29,964
MAX_COORDINATE = 1e9  # tablet units; anything larger is a damaged file, not a tablet
_GZIP_MAGIC = b"\x1f\x8b"
DIGITS = "0123456789"
WRITER_WIDTH = 24  # characters of a writer's name or a label in a message or a report
PRECISION_DIGITS = 2  # decimals of canvas units that My digits (my_digits.py) and a written pen file keep
PRECISION = 10.0**-PRECISION_DIGITS


@dataclass(frozen=True)
class PenSample:
    """One segment of a pen file: its label, its strokes and who wrote it."""

    label: str
    strokes: tuple[np.ndarray, ...]  # each (N, 2) float64 x, y in the file's units, y up
    source: str = ""  # the writer (pendigits) or contributor (UNIPEN): the .COMMENT's second word
    file: str = ""  # the rest of the .COMMENT: the original file, a sample index


def shown_name(name: str, limit: int = WRITER_WIDTH) -> str:
    """A label or a writer's name from a pen file, as a message shows it: escaped when not
    printable (a file's bytes must not drive the terminal), cut to limit characters."""
    text = shown(name)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def digit_of(label: str) -> int | None:
    """The digit a sample's label names ("7"), or None for any other label ("A", "10", "²")."""
    return DIGITS.index(label) if len(label) == 1 and label in DIGITS else None


def _text(path: str | os.PathLike) -> str:
    name = shown(path)
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except OSError as e:
        raise DataError(f"{name}: {e.strerror or e}") from None
    if raw[:2] == _GZIP_MAGIC:
        raw = decompress(raw, name, MAX_TEXT_BYTES, "a pen file")
    elif len(raw) > MAX_TEXT_BYTES:
        raise DataError(f"{name}: more than the {MAX_TEXT_BYTES:,} bytes of a pen file; it is not one")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{name}: not a text file (byte {e.start:,} is not UTF-8)") from None


def _label(line: str, fail) -> str:
    first, quote, rest = line.partition('"')
    label, close, _ = rest.partition('"')
    if not quote or not close or not label:
        fail(f'a .SEGMENT without a "label": {brief(line.strip())}')
    return label


def _lines(text: str):
    """The lines of text, one at a time (a list of millions of lines would cost ten times the
    text), ended by \n, \r\n or \r."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end]
        start = end + 1


def parse_pen_text(text: str, name: str = "pen file") -> list[PenSample]:
    """The segments of a pen file's text, in order; DataError (naming `name` and the line) when
    the text is not such a file or breaks a limit."""
    samples: list[PenSample] = []
    label = source = rest = None
    strokes: list[np.ndarray] = []
    points: list[tuple[float, float]] | None = None
    lineno = total_points = 0

    def fail(reason: str):
        raise DataError(f"{name}: line {lineno:,}: {reason}")

    def close_segment():
        if label is not None:
            samples.append(PenSample(label, tuple(strokes), source or "", rest or ""))

    def close_stroke():
        if points:
            strokes.append(np.asarray(points, np.float64))

    for lineno, line in enumerate(_lines(text), 1):
        if len(line) > MAX_LINE:
            fail(f"a line of more than {MAX_LINE:,} characters")
        word = line.split(None, 1)
        if not word:
            continue
        key = word[0]
        if key == ".SEGMENT":
            if points is not None:
                fail("a .SEGMENT inside a stroke (.PEN_DOWN without .PEN_UP)")
            close_segment()
            if len(samples) >= MAX_SEGMENTS:
                fail(f"more than {MAX_SEGMENTS:,} segments")
            label, source, rest, strokes = _label(line, fail), None, None, []
        elif key == ".COMMENT":
            parts = line.split(None, 3)
            if label is not None and source is None and not strokes:
                source = parts[2] if len(parts) > 2 else ""
                rest = parts[3].strip() if len(parts) > 3 else ""
        elif key == ".PEN_DOWN":
            if label is None:
                fail("strokes before the first .SEGMENT (each segment's strokes follow it)")
            if points is not None:
                fail(".PEN_DOWN twice without a .PEN_UP")
            if len(strokes) >= MAX_STROKES:
                fail(f"a segment of more than {MAX_STROKES:,} strokes")
            points = []
        elif key == ".PEN_UP":
            if points is None and label is None:
                fail(".PEN_UP before the first .SEGMENT")
            close_stroke()
            points = None
        elif key.startswith("."):
            continue  # a header or a keyword this reader does not need
        else:
            xy = line.split()
            if len(xy) < 2:
                fail(f"neither a keyword nor a point (x y): {brief(line.strip())}")
            try:
                x, y = float(xy[0]), float(xy[1])
            except ValueError:
                fail(f"neither a keyword nor a point (x y): {brief(line.strip())}")
            if not (math.isfinite(x) and math.isfinite(y)) or max(abs(x), abs(y)) > MAX_COORDINATE:
                fail(f"a coordinate that no tablet gives: {brief(line.strip())}")
            if label is None:
                fail("a point before the first .SEGMENT (each segment's strokes follow it)")
            if total_points >= MAX_POINTS:
                fail(f"more than {MAX_POINTS:,} points in the file")
            total_points += 1
            if points is None:
                continue  # the pen up (hovering): no ink
            if len(points) >= MAX_STROKE_POINTS:
                fail(f"a stroke of more than {MAX_STROKE_POINTS:,} points")
            points.append((x, y))
    if points is not None:
        close_stroke()  # a last stroke without its .PEN_UP: the file was cut, keep what it drew
    close_segment()
    return samples


def read_pen_file(path: str | os.PathLike) -> list[PenSample]:
    """Every segment of the pen file at path (gzip or plain); DataError with one sentence when it
    cannot be read or is not a pen file."""
    name = shown(path)
    samples = parse_pen_text(_text(path), name)
    if not samples:
        raise DataError(f"{name}: no .SEGMENT in it; it is not a pen file")
    return samples


def canvas_strokes(strokes: Sequence[np.ndarray], canvas_size: float = CANVAS_SIZE, fill: float = 0.7) -> list[np.ndarray]:
    """Tablet strokes (y up, any unit) -> strokes on the drawing canvas (y down, in canvas units),
    as a person draws the digit on it: the longer side scaled to `fill` of the canvas and centred,
    sampled as the canvas samples the mouse (a point is kept only MIN_STEP from the last one kept),
    the kept points fitted again (sampling may drop a point at the edge) and rounded to PRECISION.
    Strokes without a point are left out.

    A drawing that this function already left so (to PRECISION: a pen file that `digits export`
    wrote) is taken as it is, y flipped only: import -> export -> import gives the same strokes."""
    lines = [np.asarray(s, np.float64).reshape(-1, 2) * (1.0, -1.0) for s in strokes]  # y down
    lines = [s for s in lines if len(s)]
    if not lines or _is_fitted(lines, canvas_size, fill):
        return lines
    sampled = [canvas_sampled(s) for s in fit_to_canvas(lines, canvas_size, fill)]
    return [np.round(s, PRECISION_DIGITS) for s in fit_to_canvas(sampled, canvas_size, fill)]


def fit_to_canvas(lines: Sequence[np.ndarray], canvas_size: float = CANVAS_SIZE, fill: float = 0.7) -> list[np.ndarray]:
    """Strokes (y down, any unit) scaled so that the longer side of the drawing is `fill` of the
    canvas, and centred on it; a single point goes to the centre."""
    pts = np.concatenate(lines)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    extent = float((hi - lo).max())
    scale = fill * canvas_size / extent if extent > 0 else 1.0
    mid = (lo + hi) / 2
    return [(s - mid) * scale + canvas_size / 2 for s in lines]


def _is_fitted(lines: Sequence[np.ndarray], canvas_size: float, fill: float) -> bool:
    pts = np.concatenate(lines)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    extent = float((hi - lo).max())
    # Rounding each end to PRECISION moves the extent by up to PRECISION, the middle by half of it.
    return extent > 0 and abs(extent - fill * canvas_size) <= PRECISION * 1.01 and bool(
        (np.abs((lo + hi) / 2 - canvas_size / 2) <= PRECISION * 0.51).all())


def canvas_sampled(points: np.ndarray) -> np.ndarray:
    """The points the canvas would keep of this stroke: each at least MIN_STEP (Manhattan) from
    the last one kept, the first always."""
    kept = [points[0]]
    for p in points[1:]:
        if abs(p[0] - kept[-1][0]) + abs(p[1] - kept[-1][1]) >= MIN_STEP:
            kept.append(p)
    return np.asarray(kept)


def render_pen(strokes: Sequence[np.ndarray], canvas_size: float = CANVAS_SIZE) -> np.ndarray | None:
    """A pen file's strokes (y up) -> the 28x28 input the model reads, exactly as the same strokes
    drawn on the canvas would give it: canvas_strokes, then strokes.render_strokes."""
    return render_strokes(canvas_strokes(strokes, canvas_size), canvas_size)


def pen_text(samples: Iterable[tuple[str, Sequence[np.ndarray], str]], data_source: str = "recognizer") -> str:
    """A pen file's text for (label, strokes on the canvas (y down), comment) triples: y flipped
    back up, coordinates rounded to 0.01 canvas units, readable by read_pen_file."""
    samples = list(samples)
    labels = sorted({label for label, _, _ in samples})
    lines = [".VERSION 1.0", f".DATA_SOURCE {data_source}", ".HIERARCHY CHARACTER", ".COORD X Y",
             ".LEXICON " + " ".join(f'"{label}"' for label in labels), ""]  # fmt: skip
    stroke_index = 0
    for label, strokes, comment in samples:
        strokes = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes if len(s)]
        span = f"{stroke_index}" if len(strokes) == 1 else f"{stroke_index}-{stroke_index + len(strokes) - 1}"
        stroke_index += len(strokes)
        lines += [f'.SEGMENT CHARACTER {span} ? "{label}"', f".COMMENT {label} {comment}".rstrip()]
        for s in strokes:
            lines.append(".PEN_DOWN")
            lines += [f"{x:.{PRECISION_DIGITS}f} {-y:.{PRECISION_DIGITS}f}" for x, y in s]
            lines.append(".PEN_UP")
        lines.append("")
    return "\n".join(lines) + "\n"


def write_pen_file(path: str | os.PathLike, samples, data_source: str = "recognizer") -> None:
    """pen_text written atomically to path, gzip-compressed when its name ends in .gz."""
    data = pen_text(samples, data_source).encode("utf-8")
    atomic_write(path, gzip.compress(data, mtime=0) if os.fspath(path).endswith(".gz") else data)
