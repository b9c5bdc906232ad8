"""The strip above the map and the saliency: the digit they explain (thumbnail and caption), a
RowPlayer to step through its rows, and an Inspect button."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from ..digit_grid import digit_image
from ..row_player import RowPlayer


class CurrentDigitBar(QWidget):
    """row_changed(row 0..27) from its player; inspect_clicked() from its button."""

    row_changed = Signal(int)
    inspect_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.thumb = QLabel()
        self.thumb.setFixedSize(56, 56)
        self.thumb.setToolTip("The digit shown below, as the network reads it (28×28 pixels).")
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.caption.setToolTip("The digit these views explain: the one on Draw & Inspect, or any digit you click in this tab.")
        self.player = RowPlayer()
        self.player.row_changed.connect(self.row_changed)
        self.inspect_button = QPushButton("Inspect")
        self.inspect_button.setToolTip("Open this digit in Draw & Inspect and watch the network read it.")
        self.inspect_button.clicked.connect(self.inspect_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.thumb)
        layout.addWidget(self.caption, 3)
        layout.addWidget(self.player, 2)
        layout.addWidget(self.inspect_button)

    def show_digit(self, image: np.ndarray | None, caption: str, row: int) -> None:
        self.thumb.setPixmap(QPixmap() if image is None else QPixmap.fromImage(digit_image(image)))
        self.caption.setText(caption)
        self.inspect_button.setEnabled(image is not None)
        self.player.setEnabled(image is not None)
        self.player.set_row(row)
