"""The Hidden-state map page: the test set's final hidden states flattened by PCA, coloured by
digit, with the current digit's path as it reads its rows."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..widgets import TextLine, caption_label, group_box
from .current_digit import CurrentDigitBar
from .plots import HiddenStateMap
from .state import EvaluateState


class MapPage(QWidget):
    """show_digit("test", i) when a dot is clicked; the digit bar's row_changed and
    inspect_clicked are the tab's to connect."""

    show_digit = Signal(str, int)

    def __init__(self, state: EvaluateState, parent=None):
        super().__init__(parent)
        self.state = state
        self.digit_bar = CurrentDigitBar()
        self.map = HiddenStateMap()
        self.map.set_tip(lambda i: state.digit_caption("test", i))
        self.map.point_clicked.connect(lambda i: self.show_digit.emit("test", i))
        self.row_caption = TextLine(lines=2, muted=True)
        box, box_layout = group_box("Final hidden states of the test set (PCA)", self.map.toolTip())
        box_layout.addWidget(self.map, 1)
        box_layout.addWidget(self.row_caption)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(caption_label(
            "Each dot is one test digit: the network's memory after reading all 28 rows (its final hidden "
            "state), flattened to two dimensions by PCA and coloured by the true digit."
        ))  # fmt: skip
        layout.addWidget(self.digit_bar)
        layout.addWidget(box, 1)

    def refresh_points(self) -> None:
        result = self.state.result
        if result is None:
            self.map.set_points(None, None)
            self.map.set_axis_labels(None)
        else:
            self.map.set_points(result.points, result.evaluation.labels)
            self.map.set_axis_labels(result.pca.explained_ratio)

    def refresh_digit(self) -> None:
        state, current = self.state, self.state.current
        self.digit_bar.show_digit(None if current is None else current.image, state.player_caption(), state.row)
        self.map.set_path(None if current is None else current.path, state.row)
        self.refresh_row()

    def refresh_row(self) -> None:
        state, current = self.state, self.state.current
        self.digit_bar.player.set_row(state.row)
        self.map.set_row(state.row if current is not None and current.path is not None else None)
        self.row_caption.setText(state.map_row_caption())
