"""The settings form: how the next run trains.

It only shows and collects values; state.py parses and checks them (every wrong field at once,
each marked), and warns when the warm-up would outlast the whole run. Small settings share a line
and the widest field sets the form's width, so that it fits a 1024-pixel window uncut.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)  # fmt: skip

from ...cells import CELLS
from ...hidden_sizes import format_hidden_sizes
from ...train import SCHEDULES, TrainConfig, quick_config
from ...text import plural
from . import state

ERROR_COLOUR = "#f87171"

CELL_LABELS = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN (tanh)"}
TIPS = {
    "cell": "The recurrent cell. LSTM: gates and a cell state (the shipped model's);\n"
    "GRU: reset and update gates, fewer weights; RNN: plain tanh, no gates, the hardest\n"
    "to train over 28 rows (a lower learning rate, e.g. 1e-3, helps).",
    "hidden_sizes": "Hidden units of each layer, bottom first: \"128\" is one layer of 128,\n"
    "\"32, 64\" two layers. More units learn more but train slower.",
    "epochs": "Passes over the training images. Three reach about 98.6% on the full set.",
    "batch_size": "Images per gradient step. Larger batches run faster per image but take\n"
    "fewer steps per epoch.",
    "learning_rate": "Peak step size of the AdamW optimizer, e.g. 0.003 or 3e-3. Too high and the\n"
    "loss jumps or becomes NaN; too low and learning crawls.",
    "schedule": "How the learning rate changes over the run. cosine: a linear warm-up, then a\n"
    "smooth decay to zero at the end. constant: the same rate throughout.",
    "warmup_steps": "Batches over which the cosine schedule ramps the rate up from zero.",
    "weight_decay": "AdamW's weight decay (0 switches it off): pulls weights towards zero.",
    "grad_clip": "Largest gradient norm per step; larger gradients are scaled down.\n"
    "0 switches clipping off.",
    "augment": "Shift, rotate and scale each training image a little, differently every\n"
    "epoch, so that the network also reads digits drawn off-centre or slanted.",
    "other_sources": "Give half the training images what other sources do to a digit: a thicker\n"
    "or thinner pen, blur, a scanner's threshold, few pixels, a stretch or another hand.",
    "outliers": "Add a quarter more images to every batch that are no digit (shapes, printed\n"
    "characters, blobs, two digits side by side), taught as \"any digit equally likely\", so\n"
    "that the network holds back on what is no digit (recognizer/outliers.py).",
    "pen_data": "Also train on real people's pen digits (pendigits, UNIPEN: the train writers),\n"
    "drawn through the canvas's own stroke path, and teach their letters and symbols as no\n"
    "digit; held-out writers fit the verdict. Needs the pen data folder ($PEN_DATA_DIR).",
    "train_subset": "Train on the first N of the 60,000 training images only, for a quick run.\n"
    "The test accuracy is always measured on all 10,000 test images.",
    "seed": "Random seed for the initial weights, the shuffling and the augmentation:\n"
    "the same settings and seed give the same model.",
    "device": "Where to train. The GPU appears only when PyTorch can use one here.",
}


class CountSpin(QSpinBox):
    """A count with its unit and thousands separators, singular or plural: "1 batch", "3,000 images"."""

    def __init__(self, name: str, one: str, many: str | None = None, step: int = 1):
        super().__init__()
        self._one, self._many = one, many
        self.setRange(*state.RANGES[name])
        self.setSingleStep(step)

    def textFromValue(self, value: int) -> str:
        return plural(value, self._one, self._many)

    def valueFromText(self, text: str) -> int:
        digits = re.sub(r"\D", "", text)
        return int(digits) if digits else self.minimum()

    def validate(self, text: str, pos: int):
        digits = re.sub(r"\D", "", text)
        if text == self.specialValueText() or (digits and self.minimum() <= int(digits) <= self.maximum()):
            return QValidator.Acceptable
        return QValidator.Intermediate


def _number_spin(name: str, separators: bool = True) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(*state.RANGES[name])
    spin.setGroupSeparatorShown(separators)
    return spin


class SettingsForm(QGroupBox):
    """changed(): a field was edited (the warm-up warning follows at once; errors wait for Start)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Settings", parent)
        self.setToolTip("How the next run trains. Hover over a setting for what it does.")
        self.setStyleSheet(f'QLineEdit[invalid="true"] {{ border: 1px solid {ERROR_COLOUR}; }}')
        self.train_images = state.MAX_SUBSET  # what a run would see; the tab sets it once data is known
        self.cell_combo = QComboBox()
        for name in CELLS:
            self.cell_combo.addItem(CELL_LABELS[name], name)
        self.hidden_edit = QLineEdit(placeholderText="e.g. 128 or 32, 64")
        self.epochs_spin = _number_spin("epochs")
        self.batch_spin = _number_spin("batch_size")
        self.lr_edit = QLineEdit(placeholderText="e.g. 0.003")
        self.lr_edit.setMinimumWidth(self.lr_edit.fontMetrics().horizontalAdvance("0.00003") + 16)
        self.schedule_combo = QComboBox()
        for name in SCHEDULES:
            self.schedule_combo.addItem(name, name)
        self.warmup_spin = CountSpin("warmup_steps", "batch", "batches")
        self.decay_edit = QLineEdit()
        self.clip_edit = QLineEdit()
        self.augment_check = QCheckBox("shift, rotate, scale")
        self.sources_check = QCheckBox("other sources")
        self.outliers_check = QCheckBox("teach what is no digit")
        self.pen_check = QCheckBox("real handwriting")
        self.subset_spin = CountSpin("train_subset", "image", step=1000)
        self.subset_spin.setSpecialValueText(f"all {state.MAX_SUBSET:,}")
        self.seed_spin = _number_spin("seed", separators=False)  # a name, not a count
        self.device_combo = QComboBox()
        for value, label in state.available_devices():
            self.device_combo.addItem(label, value)
        self.warmup_warning = QLabel(wordWrap=True)
        self.warmup_warning.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.warmup_warning.hide()
        self.settings_error = QLabel(wordWrap=True)
        self.settings_error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.settings_error.hide()
        d = quick_config()
        self.defaults_button = QPushButton("Defaults")
        self.defaults_button.setToolTip(
            f"Back to the quick recipe: LSTM {format_hidden_sizes(d.hidden_sizes)}, {plural(d.epochs, 'epoch')}, "
            f"learning rate {d.learning_rate:g} ({d.schedule}), shifts and rotations, non-digits taught, all images.")  # fmt: skip
        self.defaults_button.clicked.connect(lambda: self.set_config(quick_config(device=state.available_devices()[0][0])))
        self.edits = {"hidden_sizes": self.hidden_edit, "learning_rate": self.lr_edit,
                      "weight_decay": self.decay_edit, "grad_clip": self.clip_edit}  # fmt: skip
        self._layout()
        for edit in self.edits.values():
            edit.textEdited.connect(self.changed)
        for spin in (self.epochs_spin, self.batch_spin, self.warmup_spin, self.subset_spin, self.seed_spin):
            spin.valueChanged.connect(self.changed)
        self.schedule_combo.currentIndexChanged.connect(self.changed)
        self.cell_combo.currentIndexChanged.connect(self.changed)
        # Warm-up only means something to the cosine schedule.
        self.schedule_combo.currentIndexChanged.connect(lambda: self.set_enabled(self.defaults_button.isEnabled()))
        self.changed.connect(self.update_warmup_warning)

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
                w.setToolTip(TIPS[k])
                if w is not widget and text:
                    line.addWidget(QLabel(text, toolTip=TIPS[k]))
                line.addWidget(w, 1)
                self._fields.append(w)
            form.addRow(QLabel(label, toolTip=TIPS[key]), line)

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
        row("Seed", "seed", self.seed_spin)
        row("Device", "device", self.device_combo)
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
        self.hidden_edit.setText(format_hidden_sizes(config.hidden_sizes))
        self.epochs_spin.setValue(config.epochs)
        self.batch_spin.setValue(config.batch_size)
        self.lr_edit.setText(f"{config.learning_rate:g}")
        self.schedule_combo.setCurrentIndex(max(0, self.schedule_combo.findData(config.schedule)))
        self.warmup_spin.setValue(config.warmup_steps)
        self.decay_edit.setText(f"{config.weight_decay:g}")
        self.clip_edit.setText(f"{config.grad_clip:g}")
        self.augment_check.setChecked(config.augment)
        self.sources_check.setChecked(config.other_sources)
        self.outliers_check.setChecked(config.outliers)
        self.pen_check.setChecked(config.pen_data)
        self.subset_spin.setValue(config.train_subset)
        self.seed_spin.setValue(config.seed)
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(config.device)))
        self.cell_combo.setCurrentIndex(max(0, self.cell_combo.findData(config.cell)))
        self.show_errors({})
        self.update_warmup_warning()

    def fields(self) -> dict:
        """The form as typed: text for the typed fields, numbers and choices for the rest."""
        return dict(
            hidden_sizes=self.hidden_edit.text(), epochs=self.epochs_spin.value(), batch_size=self.batch_spin.value(),
            learning_rate=self.lr_edit.text(), schedule=self.schedule_combo.currentData(),
            warmup_steps=self.warmup_spin.value(), weight_decay=self.decay_edit.text(), grad_clip=self.clip_edit.text(),
            augment=self.augment_check.isChecked(), other_sources=self.sources_check.isChecked(),
            outliers=self.outliers_check.isChecked(), pen_data=self.pen_check.isChecked(), train_subset=self.subset_spin.value(),
            seed=self.seed_spin.value(), device=self.device_combo.currentData(), cell=self.cell_combo.currentData(),
        )  # fmt: skip

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
