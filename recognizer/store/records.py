"""The app's records: one SQLite file in the user data folder (recognizer.db), standard library only.

It holds a table per kind of record: `runs`, every training run from the CLI or the window, and
`digits`, the user's own labelled digits (my_digits.py reads and writes them). The file is ours only when its
application_id says so; its schema version is PRAGMA user_version, raised by MIGRATIONS one step
at a time inside a transaction. WAL journaling and one transaction per write mean that a process
killed mid-write loses at most the record it was writing, and readers never wait for a writer.

A file that is not SQLite, is another program's database, is damaged or comes from a newer
recognizer raises RecordsError with one readable sentence, and is never written to. A passing
error (locked by another writer, disk full, an I/O error) raises RecordsBusyError: the file is
fine, try again. Every field of every row is read through record_fields.py; a row with a field
that is not what its column says, or larger than MAX_ROW_CHARS, is set aside and named
(Records.unreadable) without hiding the others, and is never read whole into memory.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import RecordsBusyError, RecordsError
from ..files.paths import user_data_dir
from ..files.safe_io import open_regular, shown
from . import record_fields as fields

APPLICATION_ID = 0x52434E5A  # "RCNZ": PRAGMA application_id marks the file as ours
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 10.0  # another process (the CLI beside the window) may be writing
# MIGRATIONS[k] brings a file from schema version k to k + 1; version 0 is an empty file.
MIGRATIONS = [
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created TEXT NOT NULL,          -- ISO 8601, UTC
        duration REAL NOT NULL,         -- seconds of training, pauses included
        test_accuracy REAL,             -- NULL: no epoch ended
        epochs_completed INTEGER NOT NULL,
        config TEXT NOT NULL,           -- JSON: TrainConfig.to_dict()
        result TEXT NOT NULL,           -- JSON: accuracy, stopped, best epoch, confusion matrix
        curves TEXT NOT NULL,           -- JSON: curves.RunCurves.to_dict()
        distributions TEXT,             -- JSON: insight.py's per-epoch summaries, or NULL
        model_path TEXT                 -- the model file the run saved, or NULL
    )""",
    # My digits (my_digits.py): what the user drew or imported, with the label they gave it, and
    # all it takes to make the input again (the strokes, the source pixels).
    """CREATE TABLE digits (
        id INTEGER PRIMARY KEY,
        label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
        created TEXT NOT NULL,          -- ISO 8601, UTC
        source TEXT NOT NULL,           -- "drawing", "image NAME", "import PATH"
        strokes TEXT,                   -- JSON [[[x, y], ...], ...] on the 280-px canvas, or NULL
        pixels BLOB,                    -- source pixels, uint8 grey (the canvas's ink high), or NULL
        pixels_height INTEGER,
        pixels_width INTEGER,
        input BLOB NOT NULL,            -- the 28x28 float32 input the network reads
        answer INTEGER,                 -- the model's answer when it was kept, or NULL
        model TEXT                      -- the model that gave that answer, or NULL
    );
    CREATE INDEX digits_by_label ON digits (label)""",
]
SCHEMA_VERSION = len(MIGRATIONS)
SUMMARY_COLUMNS = "id, name, created, duration, test_accuracy, epochs_completed, config, result, model_path"
# What the app writes stays far below this (curves.MAX_STORED_POINTS bounds a run's curves to a few
# hundred kB); a row past it is left out by its SQL length(), never fetched (JSON of 80 MB takes 2 GB).
MAX_ROW_CHARS = 16_000_000
# A listing measures what it fetches; the curves and distributions are measured when a run is read
# whole (length() of a text reads it in SQLite: every run's curves at each listing would be slow).
SUMMARY_SIZE = " + ".join(f"coalesce(length({c}), 0)" for c in ("name", "created", "config", "result", "model_path"))
RUN_SIZE = SUMMARY_SIZE + " + coalesce(length(curves), 0) + coalesce(length(distributions), 0)"
# sqlite3's words for errors that pass: the file is fine, only not usable this moment.
PASSING = ("locked", "busy", "disk is full", "disk i/o error", "out of memory")


def default_path() -> Path:
    return user_data_dir() / "recognizer.db"


def path_beside(path: str | Path) -> Path:
    """A name no file has yet in path's folder, for a new records file beside one that cannot be
    used (which is never overwritten): recognizer-new.db, then recognizer-new-2.db, …"""
    path = Path(path)
    stem = re.sub(r"-new(-\d+)?$", "", path.stem)  # beside recognizer-new.db comes recognizer-new-2.db
    for n in range(1, 10_000):
        candidate = path.with_name(f"{stem}-new{'' if n == 1 else f'-{n}'}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise RecordsError(f"{shown(path.parent)} holds too many records files already")


@dataclass
class RunRecord:
    """One run. curves and distributions are None in a listing (Records.runs), filled by run()."""

    id: int
    name: str
    created: str
    duration: float
    test_accuracy: float | None
    epochs_completed: int
    config: dict
    result: dict
    model_path: str | None
    curves: dict | None = None
    distributions: dict | None = None

    @property
    def created_local(self) -> datetime:
        return fields.moment(self.created, "date")


class Records:
    """An open records file. Use as a context manager, or call close()."""

    def __init__(self, path: str | Path | None = None, wait: bool = True):
        """wait: for a lock another writer holds, up to BUSY_TIMEOUT_S; False (the window's UI
        thread, which must never freeze) raises RecordsBusyError at once instead."""
        self.path = Path(path) if path is not None else default_path()
        self.unreadable: dict[int, str] = {}  # the runs the last listing left out: id -> why
        self._check_file()
        try:
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S if wait else 0.0, isolation_level=None)
        except sqlite3.Error as e:
            raise self._error(e) from None
        try:
            self._open()
        except BaseException:
            self._db.close()
            raise

    # --- opening --------------------------------------------------------------------------------
    def _check_file(self) -> None:
        """Refuse what is not SQLite before sqlite3 touches it (it would happily turn an empty
        or foreign file into a database of ours)."""
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return
        try:
            with open_regular(self.path) as f:
                head = f.read(len(SQLITE_MAGIC))
        except OSError as e:
            raise RecordsError(f"Cannot open the records {shown(self.path)}: {e.strerror or e}") from None
        if head and head != SQLITE_MAGIC:
            raise RecordsError(f"{shown(self.path)} is not a recognizer records file (not an SQLite database); "
                               "it was left as it is")  # fmt: skip

    def _open(self) -> None:
        try:
            app_id, version, tables = self._identity()
            if (app_id, version, tables) != (0, 0, 0):  # not a brand-new file
                if app_id != APPLICATION_ID:
                    raise RecordsError(f"{shown(self.path)} is another program's database, not recognizer's records; "
                                       "it was left as it is")  # fmt: skip
                if version > SCHEMA_VERSION:
                    raise RecordsError(f"{shown(self.path)} was written by a newer recognizer (records version "
                                       f"{version}; this one reads up to {SCHEMA_VERSION}); it was left as it is")  # fmt: skip
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe against a killed process
            if version < SCHEMA_VERSION:
                self._migrate()
        except sqlite3.Error as e:
            raise self._error(e) from None

    def _identity(self) -> tuple[int, int, int]:
        app_id = self._db.execute("PRAGMA application_id").fetchone()[0]
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        return app_id, version, tables

    def _migrate(self) -> None:
        with self._transaction():
            app_id, version, tables = self._identity()  # again: another process may have migrated
            if (app_id, version, tables) != (0, 0, 0) and app_id != APPLICATION_ID:
                raise RecordsError(f"{shown(self.path)} is another program's database; it was left as it is")
            for step in MIGRATIONS[version:]:
                for statement in step.split(";"):  # execute() takes one statement
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _transaction(self):
        return _Transaction(self._db)

    def _error(self, e: sqlite3.Error) -> RecordsError:
        reason = str(e) or type(e).__name__
        if isinstance(e, sqlite3.OperationalError) and any(word in reason.lower() for word in PASSING):
            return RecordsBusyError(f"Cannot use the records {shown(self.path)} just now: {reason} (try again)")
        if isinstance(e, sqlite3.DatabaseError) and not isinstance(e, sqlite3.OperationalError):
            reason += " (the file is damaged; it was left as it is)"
        return RecordsError(f"Cannot use the records {shown(self.path)}: {reason}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Records:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- runs -----------------------------------------------------------------------------------
    def add_run(self, *, name: str, config: dict, result: dict, curves: dict, duration: float,
                model_path: str | Path | None = None, distributions: dict | None = None) -> int:  # fmt: skip
        """Record a run in one transaction; its id."""
        row = (name, datetime.now(timezone.utc).isoformat(timespec="seconds"), float(duration),
               result.get("test_accuracy"), int(result.get("epochs_completed", 0)), json.dumps(config),
               json.dumps(result), json.dumps(curves), None if distributions is None else json.dumps(distributions),
               None if model_path is None else str(model_path))  # fmt: skip
        try:
            with self._transaction():
                cursor = self._db.execute(
                    "INSERT INTO runs (name, created, duration, test_accuracy, epochs_completed, config, result, "
                    "curves, distributions, model_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)  # fmt: skip
                return cursor.lastrowid
        except sqlite3.Error as e:
            raise self._error(e) from None

    def runs(self) -> list[RunRecord]:
        """Every readable run, newest first, without curves or distributions; the ids of those
        that cannot be decoded go to self.unreadable."""
        records, self.unreadable = self.decoded("runs", SUMMARY_COLUMNS, SUMMARY_SIZE, _summary, order="id DESC")
        return records

    def run(self, run_id: int) -> RunRecord:
        """One run, whole; RecordsError when it is gone or damaged."""
        found, unreadable = self.decoded("runs", f"{SUMMARY_COLUMNS}, curves, distributions", RUN_SIZE, _whole,
                                         "id = ?", (run_id,))  # fmt: skip
        if unreadable:
            raise RecordsError(f"Run {run_id} in {shown(self.path)} is damaged ({unreadable[run_id]}); the others are not")
        if not found:
            raise RecordsError(f"Run {run_id} is not in the records (deleted?)")
        return found[0]

    def last_run(self) -> RunRecord | None:
        """The newest run that can be read whole, or None."""
        for summary in self.runs():
            try:
                return self.run(summary.id)
            except RecordsError:
                continue
        return None

    def check_writable(self) -> None:
        """RecordsError unless this file takes a write (a read-only file, folder or disk does not):
        asked before hours of training, not after. An empty write: nothing changes."""
        self._write("UPDATE runs SET name = name WHERE 0", ())

    def rename_run(self, run_id: int, name: str) -> None:
        self._write("UPDATE runs SET name = ? WHERE id = ?", (name, run_id))

    def delete_run(self, run_id: int) -> None:
        self._write("DELETE FROM runs WHERE id = ?", (run_id,))

    def set_model_path(self, run_id: int, path: str | Path) -> None:
        self._write("UPDATE runs SET model_path = ? WHERE id = ?", (str(path), run_id))

    # --- for the modules of the other tables (my_digits.py) -------------------------------------
    @contextmanager
    def writing(self):
        """A transaction on the connection it yields: every write in the block, or none."""
        try:
            with self._transaction():
                yield self._db
        except sqlite3.Error as e:
            raise self._error(e) from None

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        return self._query(sql, args)

    def decoded(self, table: str, columns: str, size: str, decode, where: str = "1", args: tuple = (),
                order: str = "id") -> tuple[list, dict[int, str]]:  # fmt: skip
        """The rows of table (first column the id) where `where` holds, each through decode; and
        {id: why} for those left out: too large by the SQL expression size (measured by SQLite,
        never fetched), or with a field decode refuses (record_fields.BadField)."""
        big = self._query(f"SELECT id, {size} FROM {table} WHERE ({where}) AND {size} > ? ORDER BY {order}",
                          (*args, MAX_ROW_CHARS))  # fmt: skip
        rows = self._query(f"SELECT {columns} FROM {table} WHERE ({where}) AND {size} <= ? ORDER BY {order}",
                           (*args, MAX_ROW_CHARS))  # fmt: skip
        found, unreadable = decode_rows(rows, decode)
        unreadable.update({i: f"{n:,} characters, more than the {MAX_ROW_CHARS:,} a record may hold" for i, n in big})
        return found, unreadable

    def _write(self, sql: str, args: tuple) -> None:
        try:
            with self._transaction():
                self._db.execute(sql, args)
        except sqlite3.Error as e:
            raise self._error(e) from None

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise self._error(e) from None


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception: a write is whole or absent.
    IMMEDIATE takes the write lock at once, so two writers queue instead of deadlocking."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.db.execute("COMMIT")
        elif self.db.in_transaction:  # SQLite has rolled back by itself on some errors (a full disk)
            self.db.execute("ROLLBACK")


def decode_rows(rows, decode) -> tuple[list, dict[int, str]]:
    """Each row decoded, and {id (first column): why} for the rows that cannot be: a damaged row
    is left out of a listing, not the end of it."""
    found, unreadable = [], {}
    for row in rows:
        try:
            found.append(decode(row))
        except (ValueError, TypeError) as e:  # record_fields.BadField, or numpy refusing a stored list
            unreadable[row[0]] = str(e)
    return found, unreadable


def left_out(unreadable: dict[int, str], kind: str) -> str:
    """The sentence a view shows for the rows a listing left out ("" when none): which, and why."""
    if not unreadable:
        return ""
    shown_ids = list(unreadable.items())[:3]
    more = f" and {len(unreadable) - 3:,} more" if len(unreadable) > 3 else ""
    return (f"{len(unreadable):,} damaged {kind}(s) left out: "
            + "; ".join(f"#{i}: {why}" for i, why in shown_ids) + more + ".")  # fmt: skip


def _config(value) -> dict:
    """The run's settings, with the ones the views read checked (others are a newer recognizer's)."""
    config = fields.json_object(value, "settings")
    checks = {"hidden_sizes": _hidden_sizes, "cell": lambda v: fields.text(v, "cell"), "epochs": lambda v: fields.whole(v, "epoch count"),
              "learning_rate": lambda v: fields.number(v, "learning rate", 0)}  # fmt: skip
    for key, check in checks.items():
        if key in config:
            check(config[key])
    return config


def _hidden_sizes(value) -> list[int]:
    if not isinstance(value, list) or not value:
        raise fields.BadField("hidden sizes", value, "a list of layer sizes")
    return [fields.whole(n, "hidden size", 1) for n in value]


def _summary(row) -> RunRecord:
    run_id, name, created, duration, accuracy, epochs, config, result, model_path = row
    fields.moment(created)  # a date the views cannot show is found here, not in a view
    return RunRecord(id=run_id, name=fields.text(name, "name"), created=created,
                     duration=fields.number(duration, "duration", 0),
                     test_accuracy=None if accuracy is None else fields.number(accuracy, "test accuracy", 0, 1),
                     epochs_completed=fields.whole(epochs, "epoch count"), config=_config(config),
                     result=fields.json_object(result, "result"),
                     model_path=fields.optional_text(model_path, "model file"))  # fmt: skip


def _whole(row) -> RunRecord:
    *summary, curves, distributions = row
    record = _summary(summary)
    record.curves = fields.json_object(curves, "curves")
    record.distributions = None if distributions is None else fields.json_object(distributions, "distributions")
    return record
