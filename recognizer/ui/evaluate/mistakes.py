"""The Mistakes page: every misread test digit, the most confident mistake first."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ..digit_grid import DigitGrid
from ..widgets import TextLine, caption_label, muted_label
from .state import EvaluateState


class MistakesPage(QWidget):
    """show_digit("test", i) when a mistake is clicked; inspect_digit("test", i) to inspect it."""

    show_digit = Signal(str, int)
    inspect_digit = Signal(str, int)

    def __init__(self, state: EvaluateState, parent=None):
        super().__init__(parent)
        self.state = state
        self.order = QComboBox()
        self.order.addItems(["Most confident first", "Least confident first"])
        self.order.setToolTip("Order the mistakes by the model's confidence in its wrong answer.")
        self.order.currentIndexChanged.connect(self._on_order)
        self.count = TextLine(muted=True)
        self.inspect_button = QPushButton("Inspect")
        self.inspect_button.setToolTip("Open the selected mistake in Draw & Inspect and watch the network read it.")
        self.inspect_button.clicked.connect(self._inspect_selected)
        self.grid = DigitGrid(thumb=84)  # a few dozen digits: show them larger
        self.grid.setToolTip("The test digits the model gets wrong: true → predicted, and its confidence.\n"
                             "Click one to explain it on the map and saliency pages; double-click\n"
                             "it to watch the network read it.")  # fmt: skip
        self.grid.digit_selected.connect(lambda i: self.show_digit.emit("test", i))
        self.grid.digit_activated.connect(lambda i: self.inspect_digit.emit("test", i))
        bar = QHBoxLayout()
        bar.addWidget(muted_label("Order"))
        bar.addWidget(self.order)
        bar.addWidget(self.count, 1)
        bar.addWidget(self.inspect_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(caption_label(
            "Every test digit the model reads wrongly, labelled true → predicted and how sure the model was "
            "(hover one for details); \"unsure\" or \"no digit\" instead of a confidence: the window would give "
            "no answer there. A confident mistake is often a badly written digit, an unsure one a near miss. Click one to explain it on the map and saliency pages; double-click to watch it read."
        ))  # fmt: skip
        layout.addLayout(bar)
        layout.addWidget(self.grid, 1)

    def refresh(self) -> None:
        state = self.state
        images = None if state.result is None else state.data.test_images
        self.grid.set_digits(images, state.mistakes(), lambda i: state.thumb_text("test", i),
                             lambda i: state.digit_caption("test", i), lambda i: state.is_mistake("test", i))  # fmt: skip
        self.count.setText(state.mistakes_count_text())

    def _on_order(self, index: int) -> None:
        self.state.most_confident_first = index == 0
        self.refresh()

    def _inspect_selected(self) -> None:
        i = self.grid.current_digit()
        if i is not None:
            self.inspect_digit.emit("test", i)
