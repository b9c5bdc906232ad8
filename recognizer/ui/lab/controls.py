"""The Lab's edit form and its chips: widgets that only say what the user asked for."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...network.dims import ROWS
from ...network.interventions import PINS
from ..widgets import muted_label


def _row_spin(value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(1, ROWS)
    spin.setValue(value)
    return spin


class EditForm(QWidget):
    """Units (typed, or filled by the heatmap), and one button per kind of edit. Rows are shown
    1-based and handed on 0-based."""

    silence_requested = Signal(str, int)  # units text, from row
    pin_requested = Signal(str, str)  # PINS name, units text ('' = all)
    hide_requested = Signal(int, int)  # first, last row
    temperature_requested = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.units = QLineEdit()
        self.units.setPlaceholderText("e.g. 3, 17, 40-45")
        self.units.setToolTip("The units to edit (0-based, as the heatmap's axis). Drag in the heatmap to fill this in.")
        self.from_row = _row_spin(1)
        self.from_row.setPrefix("from row ")
        self.from_row.setToolTip("Silence from this row on (1: every row, which a saved model can hold exactly).")
        self.silence_button = QPushButton("Silence")
        self.silence_button.setToolTip("Hold the units' h and c at 0 from that row on.")
        self.silence_button.clicked.connect(lambda: self.silence_requested.emit(self.units.text(), self.from_row.value() - 1))
        self.pin_choice = QComboBox()
        self.pin_button = QPushButton("Pin")
        self.pin_button.setToolTip("Pin the gate for the units above, or for all units when none are given.")
        self.set_pins(PINS)
        self.pin_button.clicked.connect(lambda: self.pin_requested.emit(self.pin_choice.currentText(), self.units.text()))
        self.hide_first, self.hide_last = _row_spin(20), _row_spin(ROWS)
        self.hide_button = QPushButton("Hide rows")
        self.hide_button.setToolTip("The network reads blank rows instead of these.")
        self.hide_button.clicked.connect(lambda: self.hide_requested.emit(self.hide_first.value() - 1, self.hide_last.value() - 1))
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.05, 20.0)
        self.temperature.setSingleStep(0.25)
        self.temperature.setValue(1.0)
        self.temperature.setPrefix("T = ")
        self.temperature.setToolTip("Softmax temperature: above 1 the answers grow less sure, below 1 surer.")
        self.temperature_button = QPushButton("Set")
        self.temperature_button.clicked.connect(lambda: self.temperature_requested.emit(self.temperature.value()))

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(muted_label("Units"), 0, 0)
        grid.addWidget(self.units, 0, 1, 1, 2)
        grid.addWidget(self.from_row, 1, 1)
        grid.addWidget(self.silence_button, 1, 2)
        grid.addWidget(self.pin_choice, 2, 1)
        grid.addWidget(self.pin_button, 2, 2)
        grid.addWidget(self.hide_first, 3, 0)
        grid.addWidget(self.hide_last, 3, 1)
        grid.addWidget(self.hide_button, 3, 2)
        grid.addWidget(self.temperature, 4, 1)
        grid.addWidget(self.temperature_button, 4, 2)


    def set_pins(self, pins: dict[str, tuple[str, float]]) -> None:
        """Offer these pins (interventions.CELL_PINS of the model's cell); none: a plain RNN."""
        self.pin_choice.clear()
        self.pin_choice.addItems(list(pins))
        self.pin_choice.setToolTip(
            "\n".join(f"{name}: {gate} gate = {value:g}" for name, (gate, value) in pins.items())
            or "A plain RNN has no gates to pin: silence units, hide rows or change the temperature."
        )
        self.pin_choice.setEnabled(bool(pins))
        self.pin_button.setEnabled(bool(pins))


class ChipList(QScrollArea):
    """One button per active intervention; clicking it removes that one."""

    removed = Signal(object)  # the part

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setMinimumHeight(60)
        inner = QWidget()
        self._layout = QVBoxLayout(inner)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addStretch(1)
        self.setWidget(inner)
        self.buttons: list[QPushButton] = []

    def set_chips(self, chips) -> None:
        """chips: (text, part) pairs."""
        for button in self.buttons:
            button.deleteLater()
        self.buttons = []
        for text, part in chips:
            button = QPushButton(f"{text}  ✕")
            button.setToolTip("Click to remove this edit.")
            button.clicked.connect(lambda _=False, p=part: self.removed.emit(p))
            self._layout.insertWidget(len(self.buttons), button)
            self.buttons.append(button)
