"""The Compare page: the tab's model (A) and another (B) on the 10,000 test digits: both
accuracies, and in two galleries the digits one reads right and the other wrong. The work runs on
the tab's JobRunner with progress; what the page says is in compare_page_state.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...evaluation.model_comparison import compare_models
from ...files.model_catalog import ModelCatalog, same_file
from ...files.model_file import load_model
from .. import theme
from ..dialogs import DIALOGS
from ..digit_grid import DigitGrid
from ..jobs import JobFailure, JobRunner
from ..model_chooser import ModelChooser
from ..widgets import TextLine, caption_label, muted_label, percent_bar
from .compare_page_state import ComparisonState
from .state import EvaluateState


class ComparePage(QWidget):
    """need_data(then) gets MNIST (the tab's way, which may ask) and calls then() once it is there.
    inspect_digit("test", i) on a double-click; finished(ModelComparison) when a comparison ends."""

    inspect_digit = Signal(str, int)
    finished = Signal(object)

    def __init__(self, state: EvaluateState, runner: JobRunner, need_data: Callable[[Callable[[], None]], None],
                 catalog: ModelCatalog | None = None, parent=None):  # fmt: skip
        super().__init__(parent)
        self.state, self._need_data = state, need_data
        self.catalog = catalog or ModelCatalog()
        self.comparison = ComparisonState()
        self.comparison.slot.runner = runner

        self.chooser = ModelChooser("Model B, to compare with the model in use (A).", 24)
        self.chooser.activated.connect(lambda i: self.choose_model(self.chooser.itemData(i)))
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Both models read the 10,000 test digits, in the background (a few seconds).")
        self.compare_button.clicked.connect(self.start)
        self.progress = percent_bar(180)
        bar = QHBoxLayout()
        bar.addWidget(muted_label("Compare with"))
        bar.addWidget(self.chooser, 1)
        bar.addWidget(self.compare_button)
        bar.addWidget(self.progress)

        self.accuracy = {}
        scores = QHBoxLayout()
        for which in ("a", "b"):
            label = QLabel("")
            label.setFont(theme.big_font(18))
            label.setToolTip(f"Model {which.upper()}'s accuracy on the 10,000 test digits, measured here.")
            self.accuracy[which] = label
            scores.addWidget(label, 1)
        self.status = TextLine(lines=2, muted=True)

        self.grids, self.grid_titles = {}, {}
        grids = QGridLayout()
        for column, which in enumerate(("a", "b")):
            title = TextLine(font=theme.big_font(11))
            grid = DigitGrid(thumb=56)
            grid.setToolTip("Double-click a digit to watch the model in use read it in Draw & Inspect.")
            grid.digit_activated.connect(lambda i: self.inspect_digit.emit("test", i))
            grids.addWidget(title, 0, column)
            grids.addWidget(grid, 1, column)
            self.grids[which], self.grid_titles[which] = grid, title
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(caption_label(
            "Two models on the same 10,000 test digits: each one's accuracy, and the digits one reads right and "
            "the other wrong (the other's most confident mistakes first; each is labelled with the true digit and "
            "the other's answer). Double-click a digit to watch it read.", lines=2))  # fmt: skip
        layout.addLayout(bar)
        layout.addLayout(scores)
        layout.addWidget(self.status)
        layout.addLayout(grids, 1)
        self.refresh()

    # --- public API -------------------------------------------------------------------------
    def choose_model(self, path: str | Path | None) -> None:
        """Compare with the model at path; never the model in use (A), which would say nothing."""
        if path and not same_file(path, self._path_a()):
            self.comparison.choose(path)
            self.chooser.select(Path(path))
            self.refresh()

    def start(self) -> None:
        """Compare A and B on the test set in the background (MNIST is fetched first if needed)."""
        state, comparison = self.state, self.comparison
        if state.loaded is None or comparison.path_b is None:
            return
        if state.data is None:
            self._need_data(self.start)
            return

        model_a, path_b = state.loaded.model, comparison.path_b
        images, labels = state.data.test_images, state.data.test_labels
        comparison.begin(state.version)

        def work(ctx):
            loaded = load_model(path_b)
            return loaded.name, compare_models(model_a, loaded.model, images, labels, ctx.report, ctx.should_stop)

        comparison.slot.start(work, lambda done: self._on_done(*done), on_progress=self._on_progress,
                              on_error=self._on_failed, on_cancelled=self.refresh)  # fmt: skip
        self.refresh()

    def refresh(self) -> None:
        state, comparison = self.state, self.comparison
        if same_file(comparison.path_b, self._path_a()):  # B has become the model in use: another B
            self._fill_chooser()
        version, name_a = state.version, state.loaded.name if state.loaded is not None else "no model"
        for which in ("a", "b"):
            self.accuracy[which].setText(comparison.accuracy_text(which, name_a, version))
            self.grid_titles[which].setText(comparison.grid_title(which, version))
        self.status.setText(comparison.status_text(version, state.loaded is not None))
        self.progress.setVisible(comparison.slot.busy)
        self.progress.setValue(int(round(comparison.slot.progress * 100)))
        self.compare_button.setEnabled(state.loaded is not None and comparison.path_b is not None and not comparison.slot.busy)
        result = comparison.current(version)
        for which, grid in self.grids.items():
            if result is None:
                grid.set_digits(None, [])
            else:
                grid.set_digits(state.data.test_images, result.only_right(which),
                                lambda i, w=which: comparison.thumb_text(w, i), comparison.tooltip, lambda i: True)  # fmt: skip

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fill_chooser()  # when shown, not built: models may have been saved since, and none is read unwanted
        self.refresh()

    # --- jobs and choices -------------------------------------------------------------------
    def _on_progress(self, fraction: float) -> None:
        self.progress.setValue(int(round(self.comparison.slot.progress * 100)))
        self.status.setText(self.comparison.status_text(self.state.version, self.state.loaded is not None))

    def _on_done(self, name_b: str, result) -> None:
        self.comparison.finish(result, name_b)
        self.refresh()
        self.finished.emit(result)

    def _on_failed(self, failure: JobFailure) -> None:
        self.comparison.failed()
        self.chooser.select(self.comparison.path_b)
        self.refresh()
        DIALOGS.show_message(self, "warning", "Cannot compare the models", failure.message, failure.details)

    def _path_a(self) -> Path | None:
        return self.state.loaded.path if self.state.loaded is not None else None

    def _fill_chooser(self) -> None:
        chosen = self.chooser.fill(self.catalog, self.comparison.path_b, exclude=self._path_a())
        if not same_file(chosen, self.comparison.path_b):
            self.comparison.choose(chosen)
