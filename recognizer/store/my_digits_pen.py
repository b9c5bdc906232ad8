"""My digits in and out of pen files (UNIPEN text, unipen.py), beside the folders of images of
store/my_digits_folders.py.

Import: each segment labelled with a digit becomes a My digit whose strokes are kept as vectors,
exactly as the canvas would have taken them (unipen.canvas_strokes: canvas units, y down), and
whose input is drawn from them as a drawing's is (unipen.render_pen). Segments with any other
label (letters, symbols) are counted, named and left out.
Export: the strokes of every digit that has them (drawn on the canvas, or imported from a pen
file), y up again; digits without strokes (imported images) are counted and left out. A file
written here reads back as the same strokes and the same inputs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..datasets.unipen import canvas_strokes, digit_of, read_pen_file, shown_name, write_pen_file
from ..errors import RecognizerError
from ..files.safe_io import brief, shown
from ..inputs.strokes import render_strokes
from .my_digits import MyDigits
from .my_digits_folders import ImportReport, content_key, import_folder

NAMED_LABELS = 12  # the non-digit labels a report names before "..."
WRITER = "my-digits"  # the writer a written file names in each .COMMENT, unless told another
MAX_WRITER = 64


@dataclass
class PenImportReport(ImportReport):
    """An ImportReport of one pen file: problems name the segments left out, not files."""

    segments_left_out: int = 0

    def summary(self) -> str:
        kept = f"Imported {len(self.added):,} digit{'' if len(self.added) == 1 else 's'}"
        return (kept + (f"; {self.already:,} already there" if self.already else "")
                + (f"; {self.segments_left_out:,} segment(s) left out" if self.segments_left_out else ""))  # fmt: skip


def import_digits(path: str | Path, store: MyDigits, on_file: Callable[[int, int], None] | None = None) -> ImportReport:
    """A folder of images (subfolders 0 ... 9, my_digits_files.import_folder) or a pen file (any
    other path that exists). A path that does not exist goes to import_folder, which says so."""
    if Path(path).is_dir() or not os.path.lexists(path):
        return import_folder(path, store, on_file)
    return import_pen_file(path, store, on_file)


def import_pen_file(path: str | Path, store: MyDigits, on_sample: Callable[[int, int], None] | None = None) -> PenImportReport:
    """Add every digit segment of the pen file at path, one transaction each; DataError (nothing
    added) when the file cannot be read. on_sample(done, total) after each segment."""
    samples = read_pen_file(path)
    name = Path(path).name
    report = PenImportReport()
    others: dict[str, int] = {}
    empty = 0
    kept = {content_key(d.label, d.input) for d in store.digits()}
    for done, sample in enumerate(samples, 1):
        label = digit_of(sample.label)
        strokes = canvas_strokes(sample.strokes) if label is not None else []
        if label is None:
            others[sample.label] = others.get(sample.label, 0) + 1
        elif not strokes:
            empty += 1
        else:
            image28 = render_strokes(strokes)
            key = content_key(label, image28)
            if key in kept:
                report.already += 1
            else:
                source = f"import {name}" + (f", writer {shown_name(sample.source, MAX_WRITER)}" if sample.source else "")
                report.added.append(store.add(label, image28, source=source, strokes=strokes))
                kept.add(key)
        if on_sample:
            on_sample(done, len(samples))
    if others:
        named = ", ".join(shown_name(label) for label in sorted(others)[:NAMED_LABELS])
        more = ", ..." if len(others) > NAMED_LABELS else ""
        report.problems.append(f"{sum(others.values()):,} segment(s) of {shown(name)} not labelled with a digit "
                               f"({named}{more}) left out")  # fmt: skip
    if empty:
        report.problems.append(f"{empty:,} segment(s) of {shown(name)} without a point left out")
    report.segments_left_out = sum(others.values()) + empty
    return report


def export_pen_file(path: str | Path, store: MyDigits, writer: str = WRITER) -> tuple[int, int]:
    """Write the strokes of every digit that has them to the pen file at path (gzip when it ends
    in .gz), atomically, each segment naming `writer` (so that a class's files, put together, are
    measured per pupil); (digits written, digits without strokes left out). RecognizerError,
    and no file, when no digit has strokes."""
    path = Path(path)
    if not writer or len(writer) > MAX_WRITER or not writer.isprintable() or any(c.isspace() for c in writer):
        raise RecognizerError(f"A writer is one word of at most {MAX_WRITER} printable characters, not {brief(writer, 40)}")
    if path.is_dir():
        raise RecognizerError(f"{shown(path)} is a folder; name a pen file such as my-digits.unp")
    written, without = [], 0
    for listed in store.digits():
        d = store.digit(listed.id)
        if d.strokes:
            written.append((str(d.label), d.strokes, f"{writer} {d.id}"))
        else:
            without += 1
    if not written:
        raise RecognizerError(f"None of My digits has strokes to write ({without:,} without: imported images)")
    write_pen_file(path, written)
    return len(written), without
