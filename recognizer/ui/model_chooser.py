"""A combo box of the usable models in the catalog (shipped and your own), each with its path as
data: the "B" of Draw & Inspect's Compare and of the Evaluate tab's Compare page."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox


class ModelChooser(QComboBox):
    def __init__(self, tooltip: str, min_characters: int):
        super().__init__()
        self.setToolTip(tooltip)
        self.setMinimumContentsLength(min_characters)
        self.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)

    def fill(self, catalog, selected: Path | str | None, exclude: Path | str | None = None) -> str | None:
        """Every usable model the catalog lists but `exclude` (the model in use, when a model is
        not to be compared with itself), then `selected` chosen; no signals on the way. With
        `exclude`, a `selected` that is missing or excluded gives way to a default: the newest of
        your models, else the first shipped one. Returns the chosen path (None: none listed)."""
        from ..files.model_catalog import YOURS, same_file

        self.blockSignals(True)
        self.clear()
        entries = [e for e in catalog.entries() if e.usable and not same_file(e.path, exclude)]
        for entry in entries:
            self.addItem(entry.label, str(entry.path))
            self.setItemData(self.count() - 1, str(entry.path), Qt.ToolTipRole)
        if exclude is not None and (selected is None or same_file(selected, exclude)):
            yours = [e for e in entries if e.group == YOURS]
            selected = (yours or entries)[0].path if entries else None
        self.select(selected)
        self.blockSignals(False)
        return None if selected is None else str(selected)

    def select(self, path: Path | str | None) -> None:
        index = -1 if path is None else self.findData(str(path))
        if index < 0 and path is not None:  # chosen by path (tests, scripts): list it too
            self.addItem(Path(path).name, str(path))
            index = self.count() - 1
        self.setCurrentIndex(index)
