"""The result of the last run: its test accuracy, what it was, Use this model, Save model as…,
where its best epoch was saved, and its confusion matrix (a panel of its own, placed by the tab).
The matrix is the one confusion widget the Evaluate tab shows too (ui/confusion_view.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from .. import theme
from ..confusion_view import ConfusionMatrixView
from ..widgets import group_box, muted_label
from . import runs_state, state


class ResultPanel(QGroupBox):
    """The last run's result. The tab connects use_button and save_button and tells the panel
    what happened: show_outcome(), set_in_use(), set_saved()."""

    def __init__(self, parent=None):
        super().__init__("Result of the last run", parent)
        self.accuracy_label = QLabel("—")
        self.accuracy_label.setFont(theme.big_font(20))
        self.accuracy_label.setToolTip("Accuracy on the 10,000 MNIST test images, which training never sees.")
        self.result_label = muted_label(state.NO_RESULT_TEXT, wrap=True)
        self.use_button = QPushButton("Use this model")
        self.use_button.setToolTip("Use the weights of this run on Draw && Inspect and Evaluate right away.")
        self.save_button = QPushButton("Save model as…")
        self.save_button.setToolTip("Write the weights of this run, with its settings and accuracy, to a .safetensors file.")
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button, 1)
        buttons.addWidget(self.save_button, 1)
        self.autosave_label = muted_label(wrap=True)
        self.autosave_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 10, 8, 8)
        layout.setSpacing(4)
        layout.addWidget(self.accuracy_label)
        layout.addWidget(self.result_label)
        layout.addLayout(buttons)
        layout.addWidget(self.autosave_label)

        self.confusion = ConfusionMatrixView()
        self.confusion.setMinimumSize(150, 150)
        self.confusion.setToolTip("Every test image, counted once. Rows: the true digit. Columns: what the network\n"
                                  "read. Off the diagonal: its mistakes. Point at a cell for its count.")  # fmt: skip
        # No caption over it: the axes name the rows and columns, and every pixel of height goes
        # to the ten rows (a small window showed eight of them).
        self.confusion_box, confusion_layout = group_box("Confusion matrix of the last run", self.confusion.toolTip())
        confusion_layout.setContentsMargins(4, 8, 4, 4)
        confusion_layout.addWidget(self.confusion, 1)

        self._outcome = None
        self.record = None  # a recorded run shown before any run of this session (the tab opens on the last)
        self._test_images = 0
        self._in_use = False
        self._saved: Path | None = None

    def show_outcome(self, outcome, test_images: int) -> None:
        """A run ended: its accuracy, description, confusion matrix and where it was saved."""
        self._outcome, self._test_images = outcome, test_images
        self._in_use, self._saved, self.record = False, None, None
        result = outcome.result
        self.accuracy_label.setText(f"{result.test_accuracy:.2%}" if result.test_accuracy is not None else "—")
        self.confusion.set_matrix(result.evaluation.confusion if result.evaluation is not None else None)
        self._update_texts()

    def show_record(self, record) -> None:
        """A recorded run (records.RunRecord), from an earlier session or the CLI."""
        self.record = record
        accuracy = record.test_accuracy
        self.accuracy_label.setText(f"{accuracy:.2%}" if accuracy is not None else "—")
        confusion = record.result.get("confusion")
        try:
            self.confusion.set_matrix(np.asarray(confusion, dtype=int).reshape(10, 10) if confusion else None)
        except (TypeError, ValueError):  # a damaged matrix: the rest of the record still shows
            self.confusion.set_matrix(None)
        self.result_label.setText(runs_state.summary_text(record))
        self.autosave_label.setText(f"Its model: {record.model_path}" if record.model_path else "It saved no model file.")

    def set_in_use(self, in_use: bool) -> None:
        if in_use != self._in_use:
            self._in_use = in_use
            self._update_texts()

    def set_saved(self, path: Path) -> None:
        self._saved = path
        self._update_texts()

    def set_enabled(self, idle: bool) -> None:
        self.save_button.setEnabled(idle and self._outcome is not None)
        self.use_button.setEnabled(idle and (self._outcome is not None or bool(self.record and self.record.model_path)))

    def _update_texts(self) -> None:
        text = state.result_text(self._outcome, self._test_images)
        if self._in_use:
            text += "\nIn use on Draw & Inspect."
        self.result_label.setText(text)
        autosaved, tip = state.autosave_text(self._outcome)
        if self._saved is not None:
            autosaved += f"\nThis run's model saved as {self._saved}."
        self.autosave_label.setText(autosaved.strip())
        self.autosave_label.setToolTip(tip)
