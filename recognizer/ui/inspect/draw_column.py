"""Draw & Inspect's left column, as widgets that only hold and lay out their parts (as
player_bar.py): the tools under the canvas (pen width and its preview, undo, clear, open) and the
network's answer (the big digit, how sure, the hint, Keep, and a number's strip in place of the
"sure" line). The tab connects them to its state and the canvas.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from .. import theme
from ..widgets import TextLine, muted_label
from .canvas import DrawingCanvas
from .keeping import KeepButton
from .pen_preview import PenPreview
from .state import DEFAULT_PEN_WIDTH, MAX_PEN_WIDTH, MIN_PEN_WIDTH


class DrawTools(QWidget):
    def __init__(self, canvas: DrawingCanvas, parent=None):
        super().__init__(parent)
        self.pen_slider = QSlider(Qt.Horizontal)
        self.pen_slider.setRange(MIN_PEN_WIDTH, MAX_PEN_WIDTH)
        self.pen_slider.setValue(DEFAULT_PEN_WIDTH)
        self.pen_slider.setToolTip(
            f"Pen width. The default ({DEFAULT_PEN_WIDTH}) gives strokes as thick as MNIST's when you\n"
            "draw a digit about as tall as the box; thinner or thicker strokes confuse the network."
        )
        self.pen_slider.setMinimumWidth(70)  # at 1024 px the buttons beside it squeezed it to nothing
        self.pen_preview = PenPreview(canvas)
        self.pen_slider.actionTriggered.connect(self.pen_preview.ring.flash)  # moved by the user, not by settings
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Take back the last stroke (Ctrl+Z).")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Wipe the canvas (Esc or Delete). Undo brings it back.")
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Read a digit from an image file (Ctrl+O). You can also drop or paste one.")
        tools = QHBoxLayout(self)
        tools.setContentsMargins(0, 0, 0, 0)
        tools.setSpacing(6)
        tools.addWidget(muted_label("Pen"))
        tools.addWidget(self.pen_slider, 1)
        tools.addWidget(self.pen_preview)
        tools.addWidget(self.undo_button)
        tools.addWidget(self.clear_button)
        tools.addWidget(self.open_button)


class AnswerBox(QGroupBox):
    """number_in_place_of(confidence) -> the widget that shows a number's strip in place of the "sure" line."""

    def __init__(self, number_in_place_of, parent=None):
        super().__init__("The network's answer", parent)
        self.setToolTip("The digit the network reads after all 28 rows, and how sure it is.")
        self.prediction = QLabel("")
        self.prediction.setObjectName("prediction")
        self.prediction.setFont(theme.big_font(64))
        self.prediction.setAlignment(Qt.AlignCenter)
        digit = self.prediction.fontMetrics()
        # a fixed size: a new answer repaints the label, not the window (see widgets.TextLine)
        self.prediction.setFixedSize(digit.horizontalAdvance("8") + 40, digit.height() + 8)
        self.prediction.setToolTip("The network's answer after reading all 28 rows.")
        self.confidence = TextLine("", lines=2, font=theme.big_font(16))  # "This doesn't look like a digit" wraps
        self.confidence.setToolTip("How sure the network is: its probability for the answer.")
        self.answer_hint = TextLine("Draw a digit", lines=2, muted=True)
        self.keep_button = KeepButton()  # keep_requested(label): file_actions.py keeps it in My digits
        hint_line = QHBoxLayout()  # the verdict's words get the whole width, the hint shares it
        hint_line.addWidget(self.answer_hint, 1)
        hint_line.addWidget(self.keep_button, 0, Qt.AlignBottom)
        answer_text = QVBoxLayout()
        answer_text.addStretch(1)
        answer_text.addWidget(number_in_place_of(self.confidence))  # the strip shows for a number
        answer_text.addLayout(hint_line)
        answer_text.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.prediction)
        layout.addSpacing(12)
        layout.addLayout(answer_text, 1)
