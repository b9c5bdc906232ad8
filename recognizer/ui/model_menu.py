"""The Models menu: every shipped model and every model of the user's own (model_catalog.py), each
with its architecture, test accuracy and size; a file that cannot be loaded is listed greyed out
with the reason. Choosing one hands its path to `choose` (the window's load_model_file, which
switches every tab and keeps the current model if loading fails after all).

Each time the menu opens it shows at once what the catalog knows; files it has not read yet (new,
or changed) are listed as "reading…" and read on a JobRunner of the menu's own, and the menu is
filled in when they are: loading a few dozen files must not freeze the window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from ..files.model_catalog import SHIPPED, YOURS, CatalogEntry, ModelCatalog
from ..text import plural
from .jobs import JobRunner

GROUP_TITLES = {SHIPPED: "Shipped with the app", YOURS: "Your models"}
NO_MODELS_OF_YOURS = "None yet: train one in the Train tab"


class ModelMenu(QMenu):
    """current() gives the path of the model in use (checked in the menu), or None."""

    def __init__(self, parent: QWidget, choose: Callable[[Path], object], current: Callable[[], Path | None],
                 catalog: ModelCatalog | None = None):  # fmt: skip
        super().__init__("&Models", parent)
        self.setToolTipsVisible(True)
        self.catalog = catalog or ModelCatalog()
        self._choose, self._current = choose, current
        self._group = QActionGroup(self)
        self.entries: list[CatalogEntry] = []
        self.model_actions: list[QAction] = []  # one per entry, in the entries' order
        self.runner = JobRunner("models", self)
        self.aboutToShow.connect(self.refresh)

    def install(self, bar: QMenuBar) -> None:
        """Put the menu into the bar before its last menu (Help)."""
        actions = bar.actions()
        bar.insertMenu(actions[-1], self) if actions else bar.addMenu(self)

    @property
    def reading(self) -> bool:
        """Whether some entries are still being read in the background."""
        return any(e.pending for e in self.entries)

    def refresh(self) -> None:
        """List what is known now, and read the rest in the background."""
        self._show(self.catalog.entries(read=False))
        if self.reading:
            self.runner.submit(lambda ctx: self.catalog.entries(), key="read", on_done=self._show)

    def _show(self, entries: list[CatalogEntry]) -> None:
        self.clear()
        for action in self._group.actions():
            self._group.removeAction(action)
        self.entries = entries
        self.model_actions = []
        current = self._current()
        current = None if current is None else _resolved(current)
        for group in (SHIPPED, YOURS):
            entries = [e for e in self.entries if e.group == group]
            count = "" if group == SHIPPED or not entries else f" ({plural(len(entries), 'model')})"
            if group != SHIPPED:
                self.addSeparator()
            # A disabled item, not addSection: several styles draw a section as a bare line.
            self.addAction(GROUP_TITLES[group] + count).setEnabled(False)
            if not entries:
                none = self.addAction(NO_MODELS_OF_YOURS)
                none.setEnabled(False)
            for entry in entries:
                self.model_actions.append(self._add(entry, current))

    def _add(self, entry: CatalogEntry, current: Path | None) -> QAction:
        action = self.addAction(entry.label)
        action.setCheckable(True)
        self._group.addAction(action)
        action.setChecked(current is not None and _resolved(entry.path) == current)
        action.setEnabled(entry.usable)
        action.setToolTip(f"{entry.path}\nCannot be loaded: {entry.error}" if entry.error else str(entry.path))
        action.setStatusTip(action.toolTip().replace("\n", ": "))
        action.triggered.connect(lambda _=False, path=entry.path: self._choose(path))
        return action


def _resolved(path: Path) -> Path:
    try:
        return Path(path).resolve()
    except OSError:
        return Path(path).absolute()
