"""The Saliency page: which pixels and rows drove the current digit's answer at the current row."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QVBoxLayout, QWidget

from ...network.dims import CLASSES
from ..widgets import TextLine, caption_label, group_box, muted_label
from .current_digit import CurrentDigitBar
from .plots import SaliencyView
from .state import EvaluateState


class SaliencyPage(QWidget):
    """The digit bar's row_changed and inspect_clicked are the tab's to connect. The saliency is
    computed (a few milliseconds) only while the page is on screen: refresh(compute=True)."""

    def __init__(self, state: EvaluateState, parent=None):
        super().__init__(parent)
        self.state = state
        self.digit_bar = CurrentDigitBar()
        self.target = QComboBox()
        self.target.addItems(["the answer at this row"] + [f"digit {d}" for d in range(CLASSES)])
        self.target.setToolTip("Whose score to explain: the digit the network leans to at the current row,\n"
                               "or any digit you choose (why is it not a 9?).")  # fmt: skip
        self.target.currentIndexChanged.connect(self._on_target)
        self.view = SaliencyView()
        self.row_caption = TextLine(lines=2, muted=True)
        options = QHBoxLayout()
        options.addWidget(muted_label("Explain the score of"))
        options.addWidget(self.target)
        options.addStretch(1)
        box, box_layout = group_box("Saliency over the network's input, and per row", self.view.toolTip())
        box_layout.addLayout(options)
        box_layout.addWidget(self.view, 1)
        box_layout.addWidget(self.row_caption)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(caption_label(
            "Which pixels drove the answer: the gradient of the chosen digit's score (its logit) with "
            "respect to every input pixel, back-propagated through the rows read so far. Bright pixels "
            "are the ones where a little more or less ink would change the score most."
        ))  # fmt: skip
        layout.addWidget(self.digit_bar)
        layout.addWidget(box, 1)

    def refresh(self, compute: bool) -> None:
        """Show the current digit at the current row (see refresh_row)."""
        current = self.state.current
        self.digit_bar.show_digit(None if current is None else current.image, self.state.player_caption(), self.state.row)
        self.refresh_row(compute)

    def refresh_row(self, compute: bool) -> None:
        """The saliency at the current row, computed if asked or if the digit has one already
        (then only its target may have changed). Leaves the digit bar's caption alone: this runs
        on every row of a playback."""
        state, current = self.state, self.state.current
        self.digit_bar.player.set_row(state.row)
        if current is not None and (compute or current.saliency is not None):
            state.ensure_saliency()
        if current is None or current.saliency is None:
            self.view.set_saliency(None if current is None else current.image, None, None)
        else:
            s = current.saliency
            self.view.set_saliency(current.image, s.pixels[state.row], s.rows[state.row], state.row)
        self.row_caption.setText(state.saliency_row_caption())

    def _on_target(self, index: int) -> None:
        self.state.saliency_target = None if index == 0 else index - 1
        self.refresh(compute=self.isVisible())


