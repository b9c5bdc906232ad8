"""The LSTMVis search on the Browse page (issue 26): "digits whose units u1..un are high from row
a to b". It asks the neighbour index (recognizer/evaluation/neighbours.py) of the model: its stored states of
the last layer's h after every row for the 10,000 sampled training digits (one byte per unit, so a
threshold is met to within 1/127). The index is read from its cache, or built the first time, in
the Evaluate state's search job slot on a runner of its own (a new model invalidates the slot);
the matches become a filter of the page's training digits."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLineEdit, QPushButton, QSpinBox, QWidget

from ...evaluation.neighbours import index_for, parse_units
from ...network.dims import ROWS
from ..jobs import JobRunner
from ..widgets import TextLine, muted_label


class UnitSearch(QWidget):
    """found_changed() when the matching training digits (found) change or are cleared (None)."""

    found_changed = Signal()

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.setObjectName("unitSearch")
        self.setWhatsThis("Find the training digits that make some memory units of the last layer high over "
                          "a span of rows, as LSTMVis does: name the units, the rows and how high.")  # fmt: skip
        self.state = state  # the Evaluate tab's: its tracer and its MNIST
        self.runner = JobRunner("unit-search", parent=self)
        state.search_job.runner = self.runner
        self.found: tuple[int, ...] | None = None
        self._index = None  # the current model's, once read or built
        self._tracer = None
        self.units = QLineEdit()
        self.units.setObjectName("unitSearchUnits")
        self.units.setPlaceholderText("units, e.g. 3, 17, 20-24")
        self.units.setWhatsThis("The hidden units of the last layer, numbered from 0 as the heatmap numbers them, "
                                "that must all be high.")  # fmt: skip
        self.first, self.last = QSpinBox(), QSpinBox()
        for spin, value, name in ((self.first, 15, "unitSearchFirstRow"), (self.last, 28, "unitSearchLastRow")):
            spin.setRange(1, ROWS)
            spin.setValue(value)
            spin.setObjectName(name)
            spin.setWhatsThis("The rows (1 to 28) over which the units must stay high, after each row is read.")
        self.threshold = QDoubleSpinBox()
        self.threshold.setObjectName("unitSearchThreshold")
        self.threshold.setRange(-1.0, 1.0)
        self.threshold.setSingleStep(0.1)
        self.threshold.setValue(0.5)
        self.threshold.setWhatsThis("How high: every named unit's h must be at least this (h lies between -1 and 1).")
        self.search_button = QPushButton("Search")
        self.search_button.setObjectName("unitSearchButton")
        self.search_button.setWhatsThis("Show only the sampled training digits that meet the condition.")
        self.search_button.clicked.connect(self.search)
        self.units.returnPressed.connect(self.search)
        self.clear_button = QPushButton("Show all")
        self.clear_button.setObjectName("unitSearchClear")
        self.clear_button.setWhatsThis("Forget the search: the filters above choose the digits again.")
        self.clear_button.clicked.connect(self.clear)
        self.status = TextLine(muted=True)
        self.status.setObjectName("unitSearchStatus")
        self.status.setWhatsThis("What the unit search found, or why it could not search.")
        for w in (self.units, self.first, self.last, self.threshold, self.search_button, self.clear_button, self.status):
            w.setToolTip(w.whatsThis())  # the same sentence on hover as on Shift+F1
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        for w in (muted_label("Units"), self.units, muted_label("high from row"), self.first, muted_label("to"),
                  self.last, muted_label("at least"), self.threshold, self.search_button, self.clear_button):  # fmt: skip
            row.addWidget(w)
        row.addWidget(self.status, 1)
        self.clear_button.setEnabled(False)

    def search(self) -> None:
        tracer = self.state.tracer
        images, labels = self.state.dataset("train")
        if tracer is None or images is None:
            self.status.setText("Needs a model and MNIST's training digits.")
            return
        try:
            units = parse_units(self.units.text(), tracer.hidden_sizes[-1])
        except ValueError as e:
            self.status.setText(str(e))
            return
        self.forget_if_model_changed()
        rows, threshold, known = (self.first.value() - 1, self.last.value() - 1), self.threshold.value(), self._index

        def work(ctx):
            index = known or index_for(tracer, images, labels, should_stop=ctx.should_stop,
                                       progress=lambda done, total: ctx.report((done, total)))[0]  # fmt: skip
            return None if index is None else (index, index.indices[index.search(units, rows, threshold)])

        self.status.setText("Reading the training digits' memory (once per model)…" if known is None else "Searching…")
        self.state.search_job.start(work, self._on_done, on_progress=self._on_progress,
                                    on_error=lambda failure: self.status.setText(failure.message))  # fmt: skip

    def clear(self) -> None:
        self.found = None
        self.clear_button.setEnabled(False)
        self.status.setText("")
        self.found_changed.emit()

    def forget_if_model_changed(self) -> bool:
        """Drop the index and the matches of another model; True when there were matches to drop."""
        if self.state.tracer is self._tracer:
            return False
        self._tracer, self._index = self.state.tracer, None
        had = self.found is not None
        self.found = None
        self.clear_button.setEnabled(False)
        return had

    def wait_idle(self, timeout: float = 30.0) -> bool:
        return self.runner.wait_idle(timeout)

    def shutdown(self) -> None:
        self.runner.shutdown()

    def _on_progress(self, payload) -> None:
        done, total = payload
        self.status.setText(f"Reading the training digits' memory (once per model): {done:,} of {total:,}…")

    def _on_done(self, result) -> None:
        if result is None:
            return  # stopped
        self._index, found = result
        self.found = tuple(int(i) for i in found)
        self.clear_button.setEnabled(True)
        self.status.setText(f"{len(found):,} of the {len(self._index):,} sampled training digits match.")
        self.found_changed.emit()
