"""One step, with its numbers: a small window beside a tab's heatmap that shows the arithmetic of
one unit at one row on the user's drawing (the words come from step_state.py); Draw & Inspect's
reading (inspect/step_attach.py) or the Lab's edited one (lab/tab.py). ← / → step through the rows
(row_wanted asks the tab to follow); the units of h_{t-1} are buttons that follow the chain one
row back; Esc closes it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .step_state import NAMED, StepState

MAX_GATES = 4  # an LSTM's; a GRU has 3, a plain RNN 1
REFRESH_MS = 40  # as the tab's heavy views: after a stroke's last move, not at each one


def _label(text: str = "", bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    return label


class _GateBox(QFrame):
    """One gate: its name, its sum of three sources, the largest contributors; the h_{t-1} ones
    are buttons (made once: a step only changes their text)."""

    def __init__(self, index: int, follow):
        super().__init__()
        self.setObjectName(f"stepGate{index}")
        self.setFrameShape(QFrame.StyledPanel)
        self.setWhatsThis("One gate of the cell at this row: its three sources added up, squashed into its value, "
                          "and the inputs and units that gave the most; click a unit to follow it one row back.")
        self.title = _label(bold=True)
        self.sum = _label()
        self.inputs = _label()
        self.inputs.setProperty("role", "muted")
        self.buttons = []
        units = QHBoxLayout()
        units.setSpacing(4)
        self.units_label = QLabel()
        self.units_label.setProperty("role", "muted")
        units.addWidget(self.units_label)
        for k in range(NAMED):
            button = QPushButton()
            button.setObjectName(f"stepGate{index}Unit{k}")
            button.setFlat(True)
            button.setCursor(Qt.PointingHandCursor)
            button.setToolTip("Follow this unit one row back: its own step at the row before.")
            button.clicked.connect(lambda _=False, b=button: follow(b.property("unit")))
            self.buttons.append(button)
            units.addWidget(button)
        units.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(2)
        for w in (self.title, self.sum, self.inputs):
            layout.addWidget(w)
        layout.addLayout(units)

    def show_gate(self, text, units_label: str) -> None:
        self.title.setText(text.title)
        self.sum.setText(text.sum)
        self.inputs.setText(text.inputs)
        for button, item in zip(self.buttons, text.recurrent + [None] * NAMED):
            button.setVisible(item is not None)
            if item is not None:
                button.setProperty("unit", item[0])
                button.setText(item[1])
        self.units_label.setText(units_label)


class StepPanel(QWidget):
    """Signals: row_wanted(row) when ← / → or a followed unit moves to another row (the tab moves
    its row, which comes back through set_row); unit_shown(layer, unit) for the heatmap to mark."""

    row_wanted = Signal(int)
    unit_shown = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent, Qt.Tool)
        self.setObjectName("stepPanel")
        self.setWindowTitle("One step, with its numbers")
        self.setWhatsThis(
            "The arithmetic of one unit at one row: each gate adds the row's inputs, the previous "
            "hidden state and a bias, squashes the sum, and the gates update the memory and h."
        )
        self.state = StepState()
        self._placed = False  # placed once; where the user moves it after that, it stays
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh.timeout.connect(self._show)
        self.title = _label(bold=True)
        self.title.setObjectName("stepTitle")
        self.title.setWhatsThis("Which unit, of which layer, at which row this panel shows; ← and → move a row.")
        self.sources = _label()
        self.sources.setProperty("role", "muted")
        self.gates = [_GateBox(k, self._follow) for k in range(MAX_GATES)]
        self.update_label = _label(bold=True)
        self.update_label.setObjectName("stepUpdate")
        self.update_label.setWhatsThis(
            "The cell's own update at this row: the gates above, with their values, give the new memory and h."
        )
        self.hint = _label()
        self.hint.setProperty("role", "muted")
        self.hint.setText("")
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        for w in (self.title, self.sources, *self.gates, self.update_label, self.hint):
            layout.addWidget(w)
        layout.addStretch(1)
        # The window keeps its size when the texts change: resizing a top-level to its contents'
        # new hint at every step cost ~35 ms a click (three frames); sized once, when first shown.
        layout.setSizeConstraint(QVBoxLayout.SetNoConstraint)

    def set_trace(self, tracer, trace, interventions=None) -> None:
        """A new reading (the Lab's: edited by `interventions`): shown once the pen rests (a trace
        comes with every move of a stroke)."""
        self.state.set_trace(tracer, trace, interventions)
        if self.isVisible():
            self._refresh.start()

    def open(self, layer: int, unit: int, row: int) -> None:
        """Show unit `unit` of layer `layer` at row `row` (0-based), and the window."""
        self.state.open(layer, unit, row)
        self._show()
        if not self.isVisible():
            self.show()
            if not self._placed and self.parentWidget() is not None:
                # Over the drawing's column: the heatmap and the row stay in sight beside it.
                # Sized once shown (the style sheet's fonts and paddings count from then on), with
                # two lines to spare for texts that wrap once more at another step.
                self.move(self.parentWidget().mapToGlobal(QPoint(0, 0)))
                hint = self.sizeHint()
                self.resize(hint.width(), hint.height() + 2 * self.fontMetrics().lineSpacing())
                self._placed = True
        self.row_wanted.emit(row)

    def set_row(self, row: int) -> None:
        if row != self.state.row:
            self.state.set_row(row)
            if self.isVisible():
                self._show()

    def event(self, event) -> bool:
        # A tool window's keys are its parent window's shortcuts too: without this, Esc here
        # would clear the drawing, and ← / → would move the tab before the panel painted.
        if event.type() == QEvent.ShortcutOverride and event.key() in (Qt.Key_Escape, Qt.Key_Left, Qt.Key_Right):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape:
            self.hide()
            return
        delta = {Qt.Key_Left: -1, Qt.Key_Right: 1}.get(event.key())
        if delta is None or not self.state.ready:
            return super().keyPressEvent(event)
        row = min(max(self.state.row + delta, 0), len(self.state.trace.image) - 1)
        self.set_row(row)
        self.row_wanted.emit(row)

    def _follow(self, unit: int) -> None:
        row = self.state.follow(unit)
        self._show()
        self.row_wanted.emit(row)

    def _show(self) -> None:
        state = self.state
        self.title.setText(state.title())
        ready = state.ready
        for w in (self.sources, self.update_label, self.hint):
            w.setVisible(ready)
        if not ready:
            for box in self.gates:
                box.setVisible(False)
            return
        texts = state.gate_texts()
        for box, text in zip(self.gates, texts + [None] * MAX_GATES):
            box.setVisible(text is not None)
            if text is not None:
                box.show_gate(text, state.recurrent_label())
        self.sources.setText(state.sources_text())
        self.update_label.setText(state.update_text())
        self.hint.setText(state.chain_hint())
        self.unit_shown.emit(state.layer, state.unit)
