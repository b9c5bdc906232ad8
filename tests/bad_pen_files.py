"""Pen files that are not what they claim, for the reader, the CLI and the window tests alike
(as bad_files.py for model files): each maker writes one bad file into a folder and returns its
path and a fragment that the one-line error must contain."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from recognizer.datasets.unipen import MAX_LINE, MAX_TEXT_BYTES
from recognizer.inputs.strokes import MAX_STROKE_POINTS

HEAD = '.VERSION 1.0\n.SEGMENT CHARACTER 0 ? "3"\n.COMMENT 3 w1 f\n'


def _write(d: Path, name: str, data: bytes | str) -> Path:
    path = d / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def gzip_bomb(d):
    # 64 MB of zeros and one byte more, 64 kB gzipped: the reader stops at the limit, not in memory.
    return _write(d, "bomb.unp.gz", gzip.compress(b"\0" * (MAX_TEXT_BYTES + 1), 1)), "decompresses to more than"


def truncated_gzip(d):
    return _write(d, "cut.unp.gz", gzip.compress((HEAD + ".PEN_DOWN\n1 2\n.PEN_UP\n").encode())[:30]), "truncated gzip"


def huge_line(d):
    return _write(d, "line.unp", HEAD + ".PEN_DOWN\n1 " + "2" * (MAX_LINE + 1) + "\n"), "a line of more than"


def binary_bytes(d):
    return _write(d, "binary.unp", bytes(range(256)) * 4), "not a text file"


def fifo(d):
    os.mkfifo(d / "pipe.unp")
    return d / "pipe.unp", "named pipe"


def dev_zero(d):
    return Path("/dev/zero"), "a device"


def folder(d):
    (d / "folder.unp").mkdir()
    return d / "folder.unp", "a folder"


def missing(d):
    return d / "nowhere.unp", "No such file"


def empty(d):
    return _write(d, "empty.unp", ""), "no .SEGMENT in it"


def points_before_any_segment(d):
    return _write(d, "early.unp", ".VERSION 1.0\n.PEN_DOWN\n1 2\n.PEN_UP\n"), "before the first .SEGMENT"


def a_point_before_any_segment(d):
    return _write(d, "point.unp", ".VERSION 1.0\n1 2\n"), "a point before the first .SEGMENT"


def not_a_number(d):
    return _write(d, "nan.unp", HEAD + ".PEN_DOWN\n1 2\nnan 3\n.PEN_UP\n"), "a coordinate that no tablet gives"


def huge_coordinate(d):
    return _write(d, "huge.unp", HEAD + ".PEN_DOWN\n1e300 3\n.PEN_UP\n"), "a coordinate that no tablet gives"


def words_for_a_point(d):
    return _write(d, "words.unp", HEAD + ".PEN_DOWN\n1 2\n.PEN_UP\nhello world\n"), "neither a keyword nor a point"


def too_many_points_in_a_stroke(d):
    points = "1 2\n" * (MAX_STROKE_POINTS + 1)
    return _write(d, "long.unp", HEAD + ".PEN_DOWN\n" + points + ".PEN_UP\n"), f"more than {MAX_STROKE_POINTS:,} points"


def segment_inside_a_stroke(d):
    return _write(d, "open.unp", HEAD + ".PEN_DOWN\n1 2\n" + HEAD), "inside a stroke"


def label_without_quotes(d):
    return _write(d, "label.unp", ".SEGMENT CHARACTER 0 ? 3\n"), 'without a "label"'


BAD_PEN_FILES = [gzip_bomb, truncated_gzip, huge_line, binary_bytes, fifo, dev_zero, folder, missing, empty,
                 points_before_any_segment, a_point_before_any_segment, not_a_number, huge_coordinate,
                 words_for_a_point, too_many_points_in_a_stroke, segment_inside_a_stroke, label_without_quotes]  # fmt: skip
