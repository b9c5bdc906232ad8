"""My digits: the user's own digits, each with the label they gave it, in the records file's
`digits` table (records.py: one SQLite file, WAL, one transaction per write).

A digit keeps all it takes to make its input again: the strokes (vectors on the 280-px canvas)
when it was drawn, the source pixels, the 28x28 input itself, and the model's answer when it was
kept. The held-out part (held_out_mask) is fixed by the digits' ids and a seed, so that the same
digits measure every fine-tune. Folders of images come in and go out as subfolders 0 ... 9
(store/my_digits_folders.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from ..errors import RecordsError
from ..network.dims import CLASSES, ROWS
from . import record_fields as fields
from .records import Records

HELD_OUT_SHARE = 0.2
HELD_OUT_SEED = 0
LIST_COLUMNS = "id, label, created, source, input, answer, model"
WHOLE_COLUMNS = LIST_COLUMNS + ", strokes, pixels, pixels_height, pixels_width"
# SQL sizes of a row, for records.Records.decoded (length() of a blob reads no content)
LIST_SIZE = " + ".join(f"coalesce(length({c}), 0)" for c in ("created", "source", "input", "model"))
WHOLE_SIZE = LIST_SIZE + " + coalesce(length(strokes), 0) + coalesce(length(pixels), 0)"


@dataclass
class Digit:
    """One kept digit. strokes and pixels are None in a listing (MyDigits.digits), filled by digit()."""

    id: int
    label: int
    created: str
    source: str
    input: np.ndarray  # (28, 28) float32 in [0, 1], ink high
    answer: int | None = None  # the model's answer when it was kept
    model: str | None = None  # the model that gave it
    strokes: list[np.ndarray] | None = None  # (N, 2) float32 polylines on the canvas
    pixels: np.ndarray | None = None  # (H, W) uint8 grey, ink high


class MyDigits:
    """The digits table of an open Records (records.Records)."""

    def __init__(self, records: Records):
        self.records = records
        self.unreadable: dict[int, str] = {}  # the digits the last listing left out: id -> why

    def add(self, label: int, image28: np.ndarray, *, source: str = "drawing", strokes=None, pixels=None,
            answer: int | None = None, model: str | None = None) -> int:  # fmt: skip
        """Keep one digit, in one transaction; its id."""
        row = _row(label, image28, source, strokes, pixels, answer, model)
        with self.records.writing() as db:
            return _insert(db, row)

    def restore(self, digits: list[Digit]) -> None:
        """Put deleted digits back under their own ids (undo), all in one transaction."""
        with self.records.writing() as db:
            for d in digits:
                _insert(db, _row(d.label, d.input, d.source, d.strokes, d.pixels, d.answer, d.model, d.created), d.id)

    def digits(self, label: int | None = None) -> list[Digit]:
        """The readable digits (without strokes and pixels), by label then age; the ids of those
        that cannot be decoded go to self.unreadable."""
        where, args = ("label = ?", (int(label),)) if label is not None else ("1", ())
        found, self.unreadable = self.records.decoded("digits", LIST_COLUMNS, LIST_SIZE, _digit, where, args, "label, id")
        return found

    def digit(self, digit_id: int) -> Digit:
        """One digit, whole (strokes and source pixels too); RecordsError when gone or damaged."""
        found, unreadable = self.records.decoded("digits", WHOLE_COLUMNS, WHOLE_SIZE, _whole, "id = ?", (int(digit_id),))
        if unreadable:
            raise RecordsError(f"Digit {digit_id} is damaged ({unreadable[int(digit_id)]}); the others are not")
        if not found:
            raise RecordsError(f"Digit {digit_id} is not in My digits (deleted?)")
        return found[0]

    def relabel(self, digit_id: int, label: int) -> None:
        with self.records.writing() as db:
            db.execute("UPDATE digits SET label = ? WHERE id = ?", (_label(label), int(digit_id)))

    def delete(self, ids) -> list[Digit]:
        """Delete digits in one transaction; what was deleted, whole, for restore()."""
        gone = [self.digit(i) for i in ids]
        with self.records.writing() as db:
            db.executemany("DELETE FROM digits WHERE id = ?", [(d.id,) for d in gone])
        return gone

    def clear(self) -> int:
        """Delete every digit; how many there were."""
        with self.records.writing() as db:
            return db.execute("DELETE FROM digits").rowcount

    def counts(self) -> list[int]:
        """How many readable digits each label 0-9 has (those listed: the damaged go to self.unreadable)."""
        labels = [d.label for d in self.digits()]
        return [labels.count(label) for label in range(CLASSES)]

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """ids (N,), inputs (N, 28, 28) float32 and labels (N,) of every readable digit."""
        digits = self.digits()
        ids = np.array([d.id for d in digits], np.int64)
        images = np.stack([d.input for d in digits]) if digits else np.zeros((0, ROWS, ROWS), np.float32)
        return ids, images, np.array([d.label for d in digits], np.int64)


def held_out_mask(ids, labels, share: float = HELD_OUT_SHARE, seed: int = HELD_OUT_SEED) -> np.ndarray:
    """Which digits are held out for measuring, not trained on: `share` of each label (at least
    one where a label has two or more), picked by a seeded hash of each id, so that a digit stays
    on its side as others are added."""
    ids, labels = np.asarray(ids, np.int64), np.asarray(labels, np.int64)
    mask = np.zeros(len(ids), bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < 2:
            continue
        count = max(1, int(round(share * len(members))))
        keys = [hashlib.blake2b(f"{seed}:{ids[i]}".encode(), digest_size=8).digest() for i in members]
        mask[members[np.argsort(keys, kind="stable")[:count]]] = True
    return mask


def _label(label) -> int:
    value = int(label)
    if not 0 <= value < CLASSES:
        raise ValueError(f"A label is a digit from 0 to 9, not {label!r}")
    return value


def _row(label, image28, source, strokes, pixels, answer, model, created=None) -> tuple:
    image = np.ascontiguousarray(image28, dtype=np.float32)
    if image.shape != (ROWS, ROWS) or not np.isfinite(image).all():
        raise ValueError(f"A digit's input is a finite {ROWS}x{ROWS} image, not {image.shape}")
    lines = None if not strokes else json.dumps([np.round(np.asarray(s, float), 2).tolist() for s in strokes])
    grey = None if pixels is None else np.ascontiguousarray(pixels, dtype=np.uint8)
    if grey is not None and grey.ndim != 2:
        raise ValueError(f"Source pixels are (H, W) grey, not {grey.shape}")
    created = created or datetime.now(timezone.utc).isoformat(timespec="seconds")
    return (_label(label), created, str(source), lines, None if grey is None else grey.tobytes(),
            None if grey is None else grey.shape[0], None if grey is None else grey.shape[1], image.tobytes(),
            None if answer is None else int(answer), model)  # fmt: skip


def _insert(db, row: tuple, digit_id: int | None = None) -> int:
    cursor = db.execute(
        "INSERT INTO digits (id, label, created, source, strokes, pixels, pixels_height, pixels_width, input, "
        "answer, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (digit_id, *row))  # fmt: skip
    return cursor.lastrowid


def _digit(row) -> Digit:
    digit_id, label, created, source, blob, answer, model = row
    fields.moment(created)  # a date the views cannot show is found here, not in a view
    return Digit(id=digit_id, label=fields.whole(label, "label", 0, CLASSES - 1), created=created,
                 source=fields.text(source, "source"), input=fields.image(blob, "input", (ROWS, ROWS)),
                 answer=None if answer is None else fields.whole(answer, "answer", 0, CLASSES - 1),
                 model=fields.optional_text(model, "model"))  # fmt: skip


def _whole(row) -> Digit:
    *listed, strokes, pixels, height, width = row
    d = _digit(listed)
    if strokes is not None:
        lines = json.loads(fields.text(strokes, "strokes"))
        if not isinstance(lines, list):
            raise fields.BadField("strokes", strokes, "a list of lines")
        d.strokes = [np.asarray(line, np.float32).reshape(-1, 2) for line in lines]
    if pixels is not None:
        h, w = fields.whole(height, "pixel height", 1), fields.whole(width, "pixel width", 1)
        if not isinstance(pixels, bytes) or len(pixels) != h * w:
            raise fields.BadField("source pixels", pixels, f"{h} x {w} bytes", "of another size")
        d.pixels = np.frombuffer(pixels, np.uint8).reshape(h, w).copy()
    return d
