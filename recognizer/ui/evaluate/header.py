"""The Evaluate tab's header line: the accuracy, what is going on or was measured, the bar of the
work under way, Get MNIST… and Evaluate. It only shows the EvaluateState it is handed; the tab
connects the buttons.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from .. import theme
from ..widgets import TextLine, percent_bar
from .state import EvaluateState


class EvaluateHeader(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.accuracy_label = QLabel("")
        self.accuracy_label.setObjectName("accuracy")
        self.accuracy_label.setFont(theme.big_font(26))
        self.accuracy_label.setToolTip("Accuracy: the share of the 10,000 MNIST test digits the model reads correctly.")
        self.summary_label = TextLine(lines=2)
        self.summary_label.setToolTip("What was measured, on which model, and how long it took.")
        self.progress = percent_bar(220)
        self.progress.setToolTip("Work under way in the background; the window stays usable.")
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setToolTip("Measure the current model on the 10,000 MNIST test digits (about two seconds).")
        self.get_mnist_button = QPushButton("Get MNIST…")
        self.get_mnist_button.setToolTip("Download MNIST (about 11 MB) or choose the folder that holds it.")
        header = QHBoxLayout(self)
        header.setContentsMargins(0, 0, 0, 0)
        header.setSpacing(12)
        header.addWidget(self.accuracy_label)
        header.addWidget(self.summary_label, 1)
        header.addWidget(self.progress)
        header.addWidget(self.get_mnist_button)
        header.addWidget(self.evaluate_button)

    def show_state(self, state: EvaluateState) -> None:
        self.accuracy_label.setText(state.accuracy_text())
        self.accuracy_label.setVisible(bool(self.accuracy_label.text()))  # the line beside it says why there is none
        self.summary_label.setText(state.header_text())
        self.progress.setVisible(bool(state.activity))
        if state.progress is None:
            self.progress.setRange(0, 0)  # busy, but no idea how far
        else:
            self.progress.setRange(0, 100)
            self.progress.setValue(int(round(state.progress * 100)))
        self.evaluate_button.setVisible(state.result is None)
        self.evaluate_button.setEnabled(state.loaded is not None)
        self.get_mnist_button.setVisible(state.data is None and state.data_missing)
