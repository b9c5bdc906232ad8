"""Every model the user can pick: the ones shipped with the app and their own (the Train tab's
auto-saved best epochs, and every model file a recorded run saved, wherever it was saved).

Each file is read with the bounded, checking loader (model_file.load_model), so what a menu says
about it (its architecture, test accuracy, size) is what loading it would give; a file that fails
to load becomes an entry with the loader's reason instead of an error. Entries are cached by the
file's size and modification time, for every catalog of the process (an entry never changes):
reopening a menu reads only files that changed, and entries(read=False) lists at once what is
known, with the files not read yet as pending entries (the menu reads them in the background).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import RecognizerError
from ..store.records import Records
from ..store.records import default_path as default_records_path
from ..text import format_accuracy, plural
from .paths import default_model_path, models_dir, user_data_dir
from .safe_io import shown

SHIPPED, YOURS = "shipped", "yours"
SUFFIX = ".safetensors"


@dataclass(frozen=True)
class CatalogEntry:
    path: Path
    group: str  # SHIPPED or YOURS
    title: str  # the file's name, or the name of the run that saved it
    architecture: str = ""  # the model's own describe(), e.g. "LSTM 128"
    accuracy: float | None = None  # test accuracy from the file's metadata
    parameters: int = 0
    error: str = ""  # why the file cannot be loaded ("" when it can)
    pending: bool = False  # not read yet (entries(read=False))

    @property
    def usable(self) -> bool:
        return not self.error and not self.pending

    @property
    def details(self) -> str:
        """What the menu says beside the title: "LSTM 128, 99.57%, 82,186 parameters"."""
        if self.pending:
            return "reading…"
        if self.error:
            return f"cannot be loaded: {self.error}"
        accuracy = "accuracy unknown" if self.accuracy is None else format_accuracy(self.accuracy)
        return f"{self.architecture}, {accuracy}, {plural(self.parameters, 'parameter')}"

    @property
    def label(self) -> str:
        return f"{self.title} ({self.details})"


def _reason(error: Exception, path: Path) -> str:
    """The loader's sentence without its "Cannot load model PATH: " prefix (the menu names the file)."""
    text = str(error)
    prefix = f"Cannot load model {shown(path)}: "
    return text[len(prefix):] if text.startswith(prefix) else text


def read_entry(path: Path, group: str, title: str | None = None) -> CatalogEntry:
    """One file as an entry; never raises for what the file holds."""
    from ..network.model import count_parameters  # late: torch, which the window loads after its first paint
    from .model_file import load_model

    title = title or path.name
    try:
        loaded = load_model(path)
    except RecognizerError as e:
        return CatalogEntry(path, group, title, error=_reason(e, path))
    return CatalogEntry(path, group, title, architecture=loaded.model.describe(), accuracy=loaded.test_accuracy,
                        parameters=count_parameters(loaded.model))  # fmt: skip


def _files(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.name.endswith(SUFFIX) and p.is_file()]
    except OSError:  # no such folder yet, or unreadable: nothing to list from it
        return []


def _recorded_models(db_path: Path) -> list[tuple[Path, str]]:
    """(model file, run name) of every recorded run that saved one, newest first; nothing when
    there are no records yet or they cannot be read (the Train tab says why)."""
    if not db_path.is_file():  # opening the records would create them
        return []
    try:
        with Records(db_path) as records:
            return [(Path(run.model_path), run.name) for run in records.runs() if run.model_path]
    except RecognizerError:
        return []


class ModelCatalog:
    """entries() lists the models; the folders default to the app's (looked up at each call)."""

    def __init__(self, shipped_dir: Path | None = None, runs_dir: Path | None = None, db_path: Path | None = None):
        self.shipped_dir, self.runs_dir, self.db_path = shipped_dir, runs_dir, db_path
        self.files_read = 0  # for tests: how many files the catalog has loaded so far

    def entries(self, read: bool = True) -> list[CatalogEntry]:
        """The shipped models (the default first, then by name), then the user's: the runs the
        records name (with the run's name), then auto-saved files no record names; newest first.
        read=False: read no file; those not in the cache are pending entries."""
        shipped_dir = self.shipped_dir or models_dir()
        runs_dir = self.runs_dir or user_data_dir() / "models"
        default = default_model_path() if self.shipped_dir is None else shipped_dir / "default.safetensors"
        shipped = sorted(_files(shipped_dir), key=lambda p: (p.name != default.name, p.name))
        seen = {_key(p) for p in shipped}
        yours: list[tuple[Path, str | None]] = []
        for path, name in _recorded_models(self.db_path or default_records_path()):
            if _key(path) not in seen:
                seen.add(_key(path))
                yours.append((path, name))
        for path in sorted(_files(runs_dir), key=_modified, reverse=True):
            if _key(path) not in seen:
                seen.add(_key(path))
                yours.append((path, None))
        return ([self._entry(p, SHIPPED, None, read) for p in shipped]
                + [self._entry(p, YOURS, name, read) for p, name in yours])  # fmt: skip

    def _entry(self, path: Path, group: str, title: str | None, read: bool) -> CatalogEntry:
        try:
            st = os.stat(path)
            stamp = (st.st_size, st.st_mtime_ns)
        except OSError:
            stamp = None  # gone: the loader says so, and it is read again next time
        key = (_key(path), group, title, stamp)
        entry = _CACHE.get(key) if stamp is not None else None
        if entry is None and not read:
            return CatalogEntry(path, group, title or path.name, pending=True)
        if entry is None:
            entry = read_entry(path, group, title)
            self.files_read += 1
            if stamp is not None:
                _CACHE[key] = entry
        return entry


_CACHE: dict[tuple, CatalogEntry] = {}  # (path, group, title, (size, mtime)) -> its entry


def same_file(a: Path | str | None, b: Path | str | None) -> bool:
    """Whether two paths name one file (None names none)."""
    return a is not None and b is not None and _key(Path(a)) == _key(Path(b))


def _key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path.absolute())


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
