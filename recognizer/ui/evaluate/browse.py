"""The Browse digits page: any training or test digit, filtered by its label, the model's answer
and how sure it is."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ...network.dims import CLASSES
from ..digit_grid import DigitGrid
from ..widgets import TextLine, caption_label, muted_label
from .state import BrowseFilters, EvaluateState
from .unit_search import UnitSearch

DATASETS = (("test", "Test set (10,000)"), ("train", "Training set (60,000)"))


def _digit_combo(tip: str) -> QComboBox:
    combo = QComboBox()
    combo.addItems(["any"] + [str(d) for d in range(CLASSES)])
    combo.setToolTip(tip)
    return combo


class BrowsePage(QWidget):
    """show_digit(dataset, i) on a click, inspect_digit(dataset, i) on a double-click;
    answers_wanted() when the training set is shown and the model's answers on it are not known."""

    show_digit = Signal(str, int)
    inspect_digit = Signal(str, int)
    answers_wanted = Signal()

    def __init__(self, state: EvaluateState, parent=None):
        super().__init__(parent)
        self.state = state
        self.dataset = QComboBox()
        for name, text in DATASETS:
            self.dataset.addItem(text, name)
        self.dataset.setToolTip("Which MNIST digits to browse. The model's answers on the training set are\n"
                                "computed the first time you pick it (a few seconds).")  # fmt: skip
        self.label = _digit_combo("Show only digits with this true label.")
        self.answer = _digit_combo("Show only digits the model reads as this.")
        self.mistakes_only = QCheckBox("mistakes only")
        self.mistakes_only.setToolTip("Show only the digits the model gets wrong.")
        self.conf_min, self.conf_max = QDoubleSpinBox(), QDoubleSpinBox()
        for spin, value in ((self.conf_min, 0.0), (self.conf_max, 100.0)):
            spin.setRange(0.0, 100.0)
            spin.setDecimals(1)
            spin.setSingleStep(5.0)
            spin.setSuffix(" %")
            spin.setValue(value)
            spin.setToolTip("Show only digits whose answer the model gives with a confidence in this range.")
        for combo in (self.dataset, self.label, self.answer):
            combo.currentIndexChanged.connect(self._on_filters)
        self.mistakes_only.toggled.connect(self._on_filters)
        for spin in (self.conf_min, self.conf_max):
            spin.valueChanged.connect(self._on_filters)
        # The count and the note share one eliding line of their own: a longer note must never
        # widen the filter row, and with it the window.
        self.count = TextLine(muted=True)
        self.inspect_button = QPushButton("Inspect")
        self.inspect_button.setToolTip("Open the selected digit in Draw & Inspect and watch the network read it.")
        self.inspect_button.clicked.connect(self._inspect_selected)
        self.grid = DigitGrid()
        self.grid.setToolTip("Digits with the model's answer and confidence. Red: a mistake (true → answer).\n"
                             "Click one to explain it; double-click to watch the network read it.")  # fmt: skip
        self.grid.digit_selected.connect(lambda i: self.show_digit.emit(self.state.browse.dataset, i))
        self.grid.digit_activated.connect(lambda i: self.inspect_digit.emit(self.state.browse.dataset, i))
        filters = QHBoxLayout()
        filters.setSpacing(6)
        for w in (muted_label("Digits"), self.dataset, muted_label("label"), self.label, muted_label("answer"),
                  self.answer, muted_label("confidence"), self.conf_min, muted_label("to"), self.conf_max,
                  self.mistakes_only):  # fmt: skip
            filters.addWidget(w)
        filters.addStretch(1)
        self.search = UnitSearch(state)
        self.search.found_changed.connect(self._on_found)
        status = QHBoxLayout()
        status.addWidget(self.count, 1)
        status.addWidget(self.inspect_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(caption_label(
            "Any MNIST digit, filtered by its label, the model's answer and how sure it is. Red captions "
            "are mistakes. Click a digit to explain it; double-click to watch the network read it."
        ))  # fmt: skip
        layout.addLayout(filters)
        layout.addWidget(self.search)
        layout.addLayout(status)
        layout.addWidget(self.grid, 1)

    def filters(self) -> BrowseFilters:
        label, answer = self.label.currentIndex() - 1, self.answer.currentIndex() - 1
        return BrowseFilters(
            dataset=self.dataset.currentData(),
            label=None if label < 0 else label,
            answer=None if answer < 0 else answer,
            confidence=(self.conf_min.value() / 100.0, self.conf_max.value() / 100.0),
            mistakes_only=self.mistakes_only.isChecked(),
            among=self.search.found,
        )

    def refresh(self) -> None:
        state = self.state
        if self.search.forget_if_model_changed():
            state.set_browse(self.filters())
        dataset = state.browse.dataset
        images, _ = state.dataset(dataset)
        has_answers = state.probabilities(dataset) is not None
        for w in (self.answer, self.conf_min, self.conf_max, self.mistakes_only):
            w.setEnabled(has_answers)
        self.grid.set_digits(images, state.browse_indices, lambda i: state.thumb_text(dataset, i),
                             lambda i: state.digit_caption(dataset, i),
                             lambda i: state.is_mistake(dataset, i))  # fmt: skip
        note = state.browse_note()
        self.count.setText(state.browse_count_text() + (f"  ({note})" if note else ""))
        self.count.setToolTip(note)

    def _on_filters(self, *_) -> None:
        self.state.set_browse(self.filters())
        if self.state.browse_needs_answers():
            self.answers_wanted.emit()
        self.refresh()

    def _on_found(self) -> None:
        """The unit search's matches are training digits: show that set, filtered as it is."""
        if self.search.found is not None and self.dataset.currentData() != "train":
            self.dataset.setCurrentIndex(self.dataset.findData("train"))  # -> _on_filters
        else:
            self._on_filters()

    def _inspect_selected(self) -> None:
        i = self.grid.current_digit()
        if i is not None:
            self.inspect_digit.emit(self.state.browse.dataset, i)
