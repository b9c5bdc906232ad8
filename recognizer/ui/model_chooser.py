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

    def fill(self, catalog, selected: Path | str | None) -> None:
        """Every usable model the catalog lists, then `selected` chosen; no signals on the way."""
        self.blockSignals(True)
        self.clear()
        for entry in catalog.entries():
            if entry.usable:
                self.addItem(entry.label, str(entry.path))
                self.setItemData(self.count() - 1, str(entry.path), Qt.ToolTipRole)
        self.blockSignals(False)
        self.select(selected)

    def select(self, path: Path | str | None) -> None:
        index = -1 if path is None else self.findData(str(path))
        if index < 0 and path is not None:  # chosen by path (tests, scripts): list it too
            self.addItem(Path(path).name, str(path))
            index = self.count() - 1
        self.setCurrentIndex(index)
