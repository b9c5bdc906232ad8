"""The Train tab's "Start from" and "Include my digits": train a new model, or continue from the
model in use (its architecture and weights, with a fine-tune's settings filled in), and mix My
digits into every batch (finetune.py), with their held-out part measured after every epoch.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QVBoxLayout, QWidget

from ...errors import RecognizerError
from ...store.my_digits import MyDigits
from ...store.records import Records
from ...training.finetune import FINE_TUNE, MyDigitsMix, my_digits_words
from ...training.run import plan_run
from ..widgets import TextLine, muted_label

NEW, IN_USE = 0, 1


class StartFromBox(QWidget):
    """Beside the settings form (form.SettingsForm), which gets a fine-tune's settings when the
    model in use is picked."""

    def __init__(self, form, db_path: str | Path | None = None, parent=None):
        super().__init__(parent)
        self.form = form
        self.loaded = None  # the model in use (model_file.LoadedModel), or None
        self.db_path = db_path  # the records file holding My digits (None: the user data folder's)
        self.combo = QComboBox()
        self.combo.addItems(["a new model", "the model in use"])
        self.combo.setToolTip("A new model starts from random weights; the model in use keeps its architecture and\n"
                              "weights and is trained further (a fine-tune: a lower peak rate, one epoch).")  # fmt: skip
        # As wide as its own items, so that a model's long name never widens the settings column.
        self.combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(16)
        self.combo.currentIndexChanged.connect(self._on_choice)
        self.my_digits_check = QCheckBox("Include my digits")
        self.my_digits_check.setToolTip("Every batch carries a share of My digits (drawn again and again, each time moved a\n"
                                        "little); a fifth of them is held out and measured after every epoch.")  # fmt: skip
        self.my_digits_check.toggled.connect(self._on_my_digits)
        # How many are trained on and held out, in the CLI's words (two lines, always there, so
        # that nothing below moves when it fills in).
        self.my_digits_label = TextLine(lines=2, muted=True)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(muted_label("Start from"))
        line.addWidget(self.combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(line)
        layout.addWidget(self.my_digits_check)
        layout.addWidget(self.my_digits_label)
        self.set_model_in_use(None)

    def set_model_in_use(self, loaded) -> None:
        self.loaded = loaded
        name = "none loaded" if loaded is None else loaded.name
        item = self.combo.model().item(IN_USE)
        item.setToolTip(f"Continue from {name}: its architecture and weights.")
        item.setEnabled(loaded is not None)
        if loaded is None and self.combo.currentIndex() == IN_USE:
            self.combo.setCurrentIndex(NEW)

    def plan(self, config):
        """The run of config as chosen here (training_run.RunPlan, as the CLI's --init and
        --my-digits make it), My digits' counts said under their check box. RecognizerError when
        My digits cannot be used."""
        in_use = self.loaded if self.combo.currentIndex() == IN_USE else None
        try:
            plan = plan_run(config, start_from=None if in_use is None else in_use.model,
                            start_path=None if in_use is None else in_use.path,
                            my_digits=self.my_digits_check.isChecked(), db_path=self.db_path, wait=False)  # fmt: skip
        except RecognizerError as e:
            if self.my_digits_check.isChecked():
                self.my_digits_label.setText(str(e))
            raise
        if plan.my_digits is not None:
            self.my_digits_label.setText(my_digits_words(plan.my_digits))
        return plan

    def _read_my_digits(self):
        """My digits as the run will mix them in (finetune.MyDigitsMix), said under the check box."""
        try:
            with Records(self.db_path, wait=False) as records:  # on the UI thread: never wait for a writer
                mix = MyDigitsMix.from_store(MyDigits(records))
        except RecognizerError as e:
            self.my_digits_label.setText(str(e))
            raise
        self.my_digits_label.setText(my_digits_words(mix))
        return mix

    def _on_my_digits(self, checked: bool) -> None:
        if not checked:
            self.my_digits_label.setText("")
            return
        try:
            self._read_my_digits()
        except RecognizerError:
            pass  # said under the check box; Start says it again

    def _on_choice(self, index: int) -> None:
        if index != IN_USE:
            return

        try:
            self.form.set_config(replace(self.form.config(), **FINE_TUNE))
        except ValueError:
            return  # a form halfway through editing is left as it is
