"""The "Lab" tab: edit the network and watch the current drawing's reading change at once.

The window hands it the model (set_model) and Draw & Inspect's input (set_image, on every
trace_changed). The edited reading is traced on the UI thread (about a millisecond); the ranking
of the units and the test-set effect run on the tab's JobRunner, latest-only, and LabState
refuses results of an older drawing or edit. Everything shown and said comes from LabState.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...evaluation.lab import effect_on_test_set, rank_units, save_edited_model
from .. import theme
from ..confusion_view import ConfusionMatrixView
from ..data_dialog import ensure_mnist
from ..dialogs import DIALOGS, MODEL_FILTER
from ..jobs import JobFailure, JobRunner
from ..step_panel import StepPanel
from ..widgets import TextLine, group_box, muted_label
from .controls import ChipList, EditForm
from .state import LabState, parse_units, units_field_text
from .views import EditedProbabilityPlot, UnitHeatmap

if TYPE_CHECKING:
    from ...reading import ReadingSession



class LabTab(QWidget):
    """Signals: status_message(text) for the window's status bar."""

    status_message = Signal(str)

    def __init__(self, parent=None, data_loader=None):
        """data_loader(parent, on_ready, on_give_up) replaces data_dialog.ensure_mnist (tests)."""
        super().__init__(parent)
        self.state = LabState()
        self.data_loader = data_loader
        self._pending: tuple | None = None  # (image,) sent while hidden, read when shown
        self.runner = JobRunner("lab", self)
        self.state.ranking_job.runner = self.state.effect_job.runner = self.runner
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

        # --- left: the edits ---
        self.chips = ChipList()
        self.chips.removed.connect(lambda part: self._edit(self.state.remove, part))
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Remove every edit.")
        self.reset_button.clicked.connect(lambda: self._edit(self.state.reset))
        chips_box, chips_layout = group_box("Active edits", "Click an edit to remove it.")
        chips_layout.addWidget(self.chips, 1)
        chips_layout.addWidget(self.reset_button)
        self.form = EditForm()
        self.form.silence_requested.connect(lambda text, row: self._edit(lambda: self.state.silence(self._units(text), row)))
        self.form.pin_requested.connect(lambda name, text: self._edit(lambda: self.state.pin(name, self._units(text))))
        self.form.hide_requested.connect(lambda a, b: self._edit(self.state.hide_rows, a, b))
        self.form.temperature_requested.connect(lambda t: self._edit(self.state.set_temperature, t))
        form_box, form_layout = group_box("Change the network", "Edits apply to the layer the heatmap shows.")
        form_layout.addWidget(self.form)
        self.save_button = QPushButton("Save edited model…")
        self.save_button.setToolTip("Write the edited network as a model file (the edits that are weight edits).")
        self.save_button.clicked.connect(self.save_dialog)
        left = QVBoxLayout()
        left.addWidget(chips_box, 1)
        left.addWidget(form_box)
        left.addWidget(self.save_button)

        # --- middle: the reading before and after ---
        # Fixed widths: a new answer never asks the window for more room.
        self.before_label = TextLine("", font=theme.big_font(16))
        self.after_label = TextLine("", font=theme.big_font(16))
        for label in (self.before_label, self.after_label):
            label.setFixedWidth(label.fontMetrics().horizontalAdvance("8 (100.0%)") + 8)
        self.hint = TextLine("", lines=2, muted=True)
        answers = QHBoxLayout()
        answers.addWidget(muted_label("before"))
        answers.addWidget(self.before_label)
        answers.addSpacing(16)
        answers.addWidget(muted_label("after"))
        answers.addWidget(self.after_label)
        answers.addStretch(1)
        self.plot = EditedProbabilityPlot()
        self.heatmap = UnitHeatmap()
        self.heatmap.units_picked.connect(self._on_units_picked)
        # A cell clicked: that step's arithmetic on the edited reading (issue 26); the Lab has no
        # row of its own, so the panel's ← / → move only the panel.
        self.step_panel = StepPanel(self)
        self.heatmap.cell_clicked.connect(lambda unit, row: self.step_panel.open(self.state.layer, unit, row))
        self.layer_spin = QSpinBox()
        self.layer_spin.setPrefix("layer ")
        self.layer_spin.setRange(1, 1)
        self.layer_spin.valueChanged.connect(self._on_layer)
        middle_box, middle = group_box("The answer, edited", "Solid: with your edits; dashed: the network as it is.")
        middle.addLayout(answers)
        middle.addWidget(self.hint)
        middle.addWidget(self.plot, 2)
        middle.addWidget(self.layer_spin, 0, Qt.AlignLeft)
        middle.addWidget(self.heatmap, 3)

        # --- right: the units that decide, and the test set ---
        self.ranking_list = QListWidget()
        self.ranking_list.setToolTip("Each unit silenced alone, and how much the answer's probability falls.\nDouble-click one to silence it.")
        self.ranking_list.itemDoubleClicked.connect(self._on_ranked_unit)
        self.silence_top_button = QPushButton("Silence these ten")
        self.silence_top_button.clicked.connect(lambda: self._edit(self.state.silence_top))
        self.deciding_label = TextLine("", lines=4, muted=True)  # room for "saturated" before what silencing does
        self.silence_deciding_button = QPushButton("Silence that set")
        self.silence_deciding_button.clicked.connect(lambda: self._edit(self.state.silence_deciding))
        rank_box, rank_layout = group_box("Units that decide this answer", "Ranked by the fall of the answer's probability.")
        rank_layout.addWidget(self.ranking_list, 1)
        rank_layout.addWidget(self.silence_top_button)
        rank_layout.addWidget(self.deciding_label)
        rank_layout.addWidget(self.silence_deciding_button)
        self.measure_button = QPushButton("Measure on the test set")
        self.measure_button.clicked.connect(self.measure)
        self.effect_label = TextLine("", lines=2)
        self.confusion = ConfusionMatrixView()
        self.confusion.setMinimumSize(150, 150)
        effect_box, effect_layout = group_box("Effect on the test set", "The edited network on the 10,000 MNIST test digits.")
        effect_layout.addWidget(self.measure_button)
        effect_layout.addWidget(self.effect_label)
        effect_layout.addWidget(self.confusion, 1)
        right = QVBoxLayout()
        right.addWidget(rank_box, 1)
        right.addWidget(effect_box, 1)

        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(middle_box, 5)
        layout.addLayout(right, 3)
        self._refresh()

    # --- inputs from the window ------------------------------------------------------------------
    def set_model_in_use(self, session: ReadingSession | None) -> None:
        """A new model clears the edits (the state says which); the same network under a new name
        (saved) keeps them."""
        current = self.state.loaded
        if session is not None and current is not None and session.model is current.model:
            self.state.loaded = session.loaded
            return
        self.runner.cancel_all()
        self.state.set_model(None if session is None else session.loaded, None if session is None else session.tracer)
        self.form.set_pins(self.state.pins)  # only the gates the model's cell has
        self.layer_spin.blockSignals(True)
        self.layer_spin.setRange(1, max(self.state.layers, 1))
        self.layer_spin.setValue(1)
        self.layer_spin.blockSignals(False)
        self.layer_spin.setVisible(self.state.layers > 1)
        self._changed()
        if self.state.notice:
            self.status_message.emit(self.state.notice)

    def set_image(self, image28) -> None:
        self.state.set_image(image28)
        self._changed()

    def set_trace(self, trace) -> None:
        """Draw & Inspect's trace_changed: the Lab reads the same input. While the Lab is hidden
        it only remembers the latest one: re-reading and ranking 128 units at every stroke took
        the CPU from the drawing (stroke to answer went from ~5 to ~21 ms of work)."""
        image = None if trace is None else trace.image
        if not self.isVisible():
            self._pending = (image,)
            return
        self._pending = None
        self.set_image(image)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending is not None:
            (image,), self._pending = self._pending, None
            self.set_image(image)

    # --- actions ---------------------------------------------------------------------------------
    def _units(self, text: str):
        return parse_units(text, self.state.units)

    def _edit(self, action, *args) -> bool:
        try:
            action(*args)
        except ValueError as e:
            DIALOGS.show_message(self, "warning", "Cannot make that edit", str(e))
            return False
        self._changed()
        return True

    def _on_units_picked(self, first: int, last: int) -> None:
        units = tuple(range(first, last + 1))
        self.state.select(units)
        self.form.units.setText(units_field_text(units))
        self.heatmap.show_selection(units)

    def _on_layer(self, value: int) -> None:
        self.state.set_layer(value - 1)
        self.form.units.clear()
        self._changed()

    def _on_ranked_unit(self, item) -> None:
        unit = self.state.ranking.top()[self.ranking_list.row(item)][0]
        self._edit(self.state.silence, (unit,))

    def measure(self) -> None:
        if self.state.loaded is None:
            return
        loader = self.data_loader
        if loader is None:
            def loader(parent, on_ready, on_give_up):
                return ensure_mnist(parent, on_ready, on_give_up=on_give_up)

        loader(self, self._measure_on, lambda reason: self.status_message.emit(reason))

    def _measure_on(self, data) -> None:
        state = self.state
        model, interventions, before = state.loaded.model, state.interventions, state.before
        work = lambda ctx: effect_on_test_set(model, data.test_images, data.test_labels, interventions, before, ctx.should_stop)
        state.effect_job.start(work, lambda effect: (state.set_effect(effect), self._refresh()), on_error=self._on_failed,
                               on_cancelled=self._refresh)  # fmt: skip
        self.measure_button.setEnabled(False)
        self.effect_label.setText("Reading the 10,000 test digits…")

    def _on_failed(self, failure: JobFailure) -> None:
        self._refresh()
        DIALOGS.show_message(self, "warning", "The Lab could not finish", failure.message, failure.details)

    def save_dialog(self) -> None:
        if self.state.loaded is None:
            return
        path = DIALOGS.ask_save_path(self, "Save the edited model", "edited.safetensors", MODEL_FILTER)
        if path:
            self.save(path)

    def save(self, path) -> bool:
        state = self.state
        accuracy = None if state.effect is None else state.effect.after.accuracy
        try:
            written, left_out = save_edited_model(path, state.loaded, state.interventions, accuracy)
        except OSError as e:
            DIALOGS.show_message(self, "critical", "Cannot save the model", f"Cannot write {path}: {e.strerror or e}")
            return False
        note = "" if not left_out else "; not saved (no weight edit equals them): " + ", ".join(p.describe() for p in left_out)
        self.status_message.emit(f"Saved the edited model to {written}{note}")
        return True

    def shutdown(self) -> None:
        self.runner.shutdown()

    def restore_settings(self, store) -> None:
        """Nothing of this tab is kept between sessions."""

    def save_settings(self, store) -> None:
        """Nothing of this tab is kept between sessions."""

    # --- showing the state -----------------------------------------------------------------------
    def _changed(self) -> None:
        """Something the reading depends on changed: show it, and rank the units again."""
        self._refresh()
        state = self.state
        if state.tracer is None or state.image28 is None:
            return

        tracer, image, interventions, layer = state.tracer, state.image28, state.interventions, state.layer
        state.ranking_job.start(lambda ctx: rank_units(tracer, image, interventions, layer),
                                lambda ranking: (state.set_ranking(ranking), self._refresh()), on_error=self._on_failed)  # fmt: skip

    def _refresh(self) -> None:
        state = self.state
        self.chips.set_chips(state.chips())
        self.reset_button.setEnabled(bool(state.interventions))
        before, after = state.answer_texts()
        self.before_label.setText(before)
        self.after_label.setText(after)
        self.hint.setText(state.hint())
        self.plot.set_traces(state.original, state.edited)
        self.heatmap.set_values(None if state.edited is None else state.edited.layers[state.layer].h)
        self.step_panel.set_trace(state.tracer, state.edited, state.interventions)
        self.heatmap.show_selection(state.selected)
        self.ranking_list.clear()
        self.ranking_list.addItems(state.ranking_lines())
        self.silence_top_button.setEnabled(state.ranking is not None)
        self.deciding_label.setText(state.deciding_text())
        self.silence_deciding_button.setEnabled(state.ranking is not None and state.ranking.deciding is not None)
        self.effect_label.setText(state.effect_text())
        self.confusion.set_matrix(None if state.effect is None else state.effect.after.confusion)
        self.measure_button.setEnabled(state.loaded is not None and not state.effect_job.busy)
        self.save_button.setEnabled(state.loaded is not None)
