"""The settings form: how the next run trains.

Every field is a row of the settings table (train_settings.SETTINGS), which gives its limits, its
parser and its tooltip, the same the CLI's options read. The form holds the values it was given
(set_config) and changes only the one a user edits, so that "Train again with these settings"
runs exactly the recorded run: no value goes through the widgets' text and back. state.py parses
and checks what was typed (every wrong field at once, each marked), and warns when a warm-up set
by hand would outlast the whole run. Small settings share a line and the widest field sets the
form's width, so that it fits a 1024-pixel window uncut.
"""

from __future__ import annotations

import re
import textwrap

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,  # fmt: skip
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...network.hidden_sizes import format_hidden_sizes
from ...text import plural
from ...training.settings import BY_NAME, SETTINGS
from ...training.trainer import TrainConfig
from . import state

ERROR_COLOUR = "#f87171"
SPIN_MAX = 2**31 - 1  # a QSpinBox holds a C int: larger limits (the seed's) get a validated line edit
AUTO = -1  # an optional whole number's spin box shows "auto" (the rule decides) below its minimum

CHOICE_LABELS = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN (tanh)", "auto": "Auto (GPU when present)"}


def tip(name: str) -> str:
    """The table's help, as a tooltip."""
    text = BY_NAME[name].help
    return textwrap.fill(text[0].upper() + text[1:] + ".", 80)


class CountSpin(QSpinBox):
    """A count with its unit and thousands separators, singular or plural: "1 batch", "3,000 images"."""

    def __init__(self, name: str, one: str, many: str | None = None, step: int = 1):
        super().__init__()
        self._one, self._many = one, many
        _set_range(self, name)
        self.setSingleStep(step)

    def textFromValue(self, value: int) -> str:
        return plural(value, self._one, self._many)

    def valueFromText(self, text: str) -> int:
        if text == self.specialValueText():
            return self.minimum()
        digits = re.sub(r"\D", "", text)
        return int(digits) if digits else self.minimum()

    def validate(self, text: str, pos: int):
        digits = re.sub(r"\D", "", text)
        if text == self.specialValueText() or (digits and self.minimum() <= int(digits) <= self.maximum()):
            return QValidator.Acceptable
        return QValidator.Intermediate


def _set_range(spin: QSpinBox, name: str) -> None:
    setting = BY_NAME[name]
    spin.setRange(AUTO if setting.optional else setting.lo, setting.hi)
    if setting.optional:
        spin.setSpecialValueText("auto")


def _number_spin(name: str) -> QSpinBox:
    spin = QSpinBox()
    _set_range(spin, name)
    spin.setGroupSeparatorShown(True)
    return spin


def _whole_edit(name: str) -> QLineEdit:
    """A whole number beyond a spin box's reach (the seed, up to 2^63-1): digits only, checked on Start."""
    setting = BY_NAME[name]
    edit = QLineEdit()
    edit.setValidator(QRegularExpressionValidator(QRegularExpression(rf"\d{{0,{len(str(setting.hi))}}}"), edit))
    return edit


def _default_widget(name: str) -> QWidget:
    """The field of a setting by its kind: a check box, a spin box, a choice or a typed line."""
    setting = BY_NAME[name]
    if setting.kind == "bool":
        return QCheckBox()
    if setting.kind == "choice":
        return _combo(name, [(c, CHOICE_LABELS.get(c, c)) for c in setting.choices])
    if setting.kind == "int":
        return _number_spin(name) if setting.hi <= SPIN_MAX else _whole_edit(name)
    return QLineEdit()


def _combo(name: str, items) -> QComboBox:
    combo = QComboBox()
    for value, label in items:
        combo.addItem(label, value)
    return combo


class SettingsForm(QGroupBox):
    """changed(): a field was edited (the warm-up warning follows at once; errors wait for Start)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Settings", parent)
        self.setToolTip("How the next run trains. Hover over a setting for what it does.")
        self.setStyleSheet(f'QLineEdit[invalid="true"] {{ border: 1px solid {ERROR_COLOUR}; }}')
        self.train_images = state.MAX_SUBSET  # what a run would see; the tab sets it once data is known
        self.cell_combo = _combo("cell", [(c, CHOICE_LABELS[c]) for c in BY_NAME["cell"].choices])
        self.hidden_edit = QLineEdit(placeholderText="e.g. 128 or 32, 64")
        self.epochs_spin = _number_spin("epochs")
        self.batch_spin = _number_spin("batch_size")
        self.lr_edit = QLineEdit(placeholderText="e.g. 0.003")
        self.lr_edit.setMinimumWidth(self.lr_edit.fontMetrics().horizontalAdvance("0.00003") + 16)
        self.schedule_combo = _combo("schedule", [(c, c) for c in BY_NAME["schedule"].choices])
        self.warmup_spin = CountSpin("warmup_steps", "batch", "batches")
        self.decay_edit = QLineEdit()
        self.clip_edit = QLineEdit()
        self.augment_check = QCheckBox("shift, rotate, scale")
        self.sources_check = QCheckBox("other sources")
        self.outliers_check = QCheckBox("teach what is no digit")
        self.pen_check = QCheckBox("real handwriting")
        self.subset_spin = CountSpin("train_subset", "image", step=1000)
        self.subset_spin.setSpecialValueText(f"all {state.MAX_SUBSET:,}")
        self.seed_edit = _whole_edit("seed")  # a name, not a count: no separators
        self.device_combo = _combo("device", state.available_devices())
        self.verdict_check = QCheckBox("fit after training")
        # The table's rows placed by hand; a row added to the table without a widget here gets one
        # of its kind at the end of the form (_default_widget), so that adding a setting is one row there.
        self.widgets = {"cell": self.cell_combo, "hidden_sizes": self.hidden_edit, "epochs": self.epochs_spin,
                        "batch_size": self.batch_spin, "learning_rate": self.lr_edit, "schedule": self.schedule_combo,
                        "warmup_steps": self.warmup_spin, "weight_decay": self.decay_edit, "grad_clip": self.clip_edit,
                        "augment": self.augment_check, "other_sources": self.sources_check,
                        "outliers": self.outliers_check, "pen_data": self.pen_check, "train_subset": self.subset_spin, "seed": self.seed_edit,
                        "device": self.device_combo, "fit_verdict": self.verdict_check}  # fmt: skip
        self.extra = [s.name for s in SETTINGS if s.name not in self.widgets]
        self.widgets.update({name: _default_widget(name) for name in self.extra})
        self.edits = {name: w for name, w in self.widgets.items() if isinstance(w, QLineEdit)}
        self.values = {s.name: s.default for s in SETTINGS}  # what a run gets: set_config's, and edits
        self.warmup_warning = QLabel(wordWrap=True)
        self.warmup_warning.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.warmup_warning.hide()
        self.settings_error = QLabel(wordWrap=True)
        self.settings_error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.settings_error.hide()
        d = TrainConfig()
        self.defaults_button = QPushButton("Defaults")
        self.defaults_button.setToolTip(
            f"Back to the defaults (the CLI's too): LSTM {format_hidden_sizes(d.hidden_sizes)}, {plural(d.epochs, 'epoch')}, "
            f"learning rate {d.learning_rate:g} ({d.schedule}), shifts and rotations, non-digits taught, all images.")  # fmt: skip
        self.defaults_button.clicked.connect(lambda: self.set_config(TrainConfig(device=state.available_devices()[0][0])))
        self._layout()
        for name, widget in self.widgets.items():
            signal = {QLineEdit: "textChanged", QComboBox: "currentIndexChanged", QCheckBox: "toggled"}.get(
                type(widget), "valueChanged")  # fmt: skip
            getattr(widget, signal).connect(lambda *_, name=name: self._edited(name))
        # Warm-up only means something to the cosine schedule.
        self.schedule_combo.currentIndexChanged.connect(lambda: self.set_enabled(self.defaults_button.isEnabled()))
        self.changed.connect(self.update_warmup_warning)

    def _edited(self, name: str) -> None:
        """A user's edit of one field: its value, as typed (text is parsed on Start, every error at once)."""
        widget = self.widgets[name]
        if isinstance(widget, QLineEdit):
            value = widget.text()
        elif isinstance(widget, QComboBox):
            value = widget.currentData()
        elif isinstance(widget, QCheckBox):
            value = widget.isChecked()
        else:
            value = None if widget.value() == AUTO else widget.value()
        self.values[name] = value
        self.changed.emit()

    def _layout(self) -> None:
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(5)
        self._fields: list[QWidget] = []

        def row(label: str, key: str, widget: QWidget, *beside: tuple[str, QWidget, str]) -> None:
            """label and widget for key, and optional (label, widget, key) beside it on the line."""
            line = QHBoxLayout()
            line.setSpacing(6)
            for text, w, k in ((label, widget, key), *beside):
                w.setToolTip(tip(k))
                if w is not widget and text:
                    line.addWidget(QLabel(text, toolTip=tip(k)))
                line.addWidget(w, 1)
                self._fields.append(w)
            form.addRow(QLabel(label, toolTip=tip(key)), line)

        row("Cell", "cell", self.cell_combo)
        row("Hidden sizes", "hidden_sizes", self.hidden_edit)
        row("Epochs", "epochs", self.epochs_spin)
        row("Batch", "batch_size", self.batch_spin)
        row("Learning rate", "learning_rate", self.lr_edit, ("", self.schedule_combo, "schedule"))
        row("Warm-up", "warmup_steps", self.warmup_spin)
        form.addRow(self.warmup_warning)
        row("Weight decay", "weight_decay", self.decay_edit, ("Clip", self.clip_edit, "grad_clip"))
        row("Augmentation", "augment", self.augment_check)
        row("", "other_sources", self.sources_check)
        row("Non-digits", "outliers", self.outliers_check)
        row("Pen data", "pen_data", self.pen_check)
        row("Training subset", "train_subset", self.subset_spin)
        row("Seed", "seed", self.seed_edit)
        row("Device", "device", self.device_combo)
        row("Verdict", "fit_verdict", self.verdict_check)
        for name in self.extra:
            row(BY_NAME[name].label, name, self.widgets[name])
        bottom = QHBoxLayout()
        bottom.addWidget(self.settings_error, 1)
        bottom.addWidget(self.defaults_button, 0, Qt.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 10, 8, 8)
        layout.setSpacing(4)
        layout.addLayout(form)
        layout.addLayout(bottom)

    # --- values -------------------------------------------------------------------------------
    def set_config(self, config: TrainConfig) -> None:
        """Hold config's values, exactly, and show them."""
        for setting in SETTINGS:
            value = getattr(config, setting.name)
            self.values[setting.name] = value
            widget = self.widgets[setting.name]
            widget.blockSignals(True)  # shown, not edited: the value stays the one held
            if isinstance(widget, QLineEdit):
                widget.setText(setting.show(value))
            elif isinstance(widget, QComboBox):
                if widget.findData(value) < 0:  # e.g. "auto" from a CLI run: offered, so that it is kept
                    widget.addItem(CHOICE_LABELS.get(value, value), value)
                widget.setCurrentIndex(widget.findData(value))
            elif isinstance(widget, QCheckBox):
                widget.setChecked(value)
            else:
                widget.setValue(AUTO if value is None else value)
            widget.blockSignals(False)
        self.show_errors({})
        self.update_warmup_warning()
        self.set_enabled(self.defaults_button.isEnabled())

    def fields(self) -> dict:
        """The form's values: those it was given, and for each field edited since, what was typed."""
        return dict(self.values)

    def config(self) -> TrainConfig:
        """The form as a TrainConfig; ValueError names every field that is wrong."""
        config, errors = state.parse_form(self.fields())
        if config is None:
            raise ValueError("\n".join(errors.values()))
        return config

    def check(self) -> TrainConfig | None:
        """The form as a TrainConfig, or None with every wrong field marked and explained."""
        config, errors = state.parse_form(self.fields())
        self.show_errors(errors)
        return config

    def show_errors(self, errors: dict[str, str]) -> None:
        for key, edit in self.edits.items():
            if edit.property("invalid") != (key in errors):
                edit.setProperty("invalid", key in errors)
                edit.style().unpolish(edit)
                edit.style().polish(edit)
        self.settings_error.setText("\n".join(errors.values()))
        self.settings_error.setVisible(bool(errors))

    def update_warmup_warning(self) -> None:
        text = state.warmup_warning(self.fields(), self.train_images)
        self.warmup_warning.setText(text)
        self.warmup_warning.setVisible(bool(text))

    def set_enabled(self, idle: bool) -> None:
        for widget in self._fields:
            widget.setEnabled(idle)
        self.warmup_spin.setEnabled(idle and self.schedule_combo.currentData() == "cosine")
        self.defaults_button.setEnabled(idle)
