"""Draw & Inspect's bottom bar: the caption and the playback controls (row back, play, row on, the
row slider and its label, the speed, auto-play, and the Compare toggle handed in). It only holds
and lays out the widgets; the tab connects them to its state and its animation timer.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QSlider, QStyle, QToolButton, QVBoxLayout, QWidget

from .. import theme
from ..widgets import TextLine, muted_label
from .state import DEFAULT_SPEED, MAX_SPEED, MIN_SPEED, ROWS


class PlayerBar(QWidget):
    def __init__(self, compare_toggle: QWidget, parent=None):
        super().__init__(parent)
        self.setObjectName("player")
        self.caption = TextLine("", font=theme.big_font(12, bold=False))
        self.caption.setToolTip("What the animation shows at this moment.")
        self.play_button = QToolButton()
        self.play_button.setCheckable(True)
        self.play_button.setIcon(theme.standard_icon(QStyle.SP_MediaPlay))
        self.play_button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.play_button.setToolTip("Play or pause the animation of the network reading the rows (Space).")
        self.play_button.setIconSize(QSize(16, 16))
        self.play_button.setText("Pause")  # the wider of its two texts, to size it once
        self.play_button.setFixedSize(self.play_button.sizeHint() + QSize(10, 0))  # no relayouts
        self.play_button.setText("Play")
        self.back_button = QToolButton()
        self.back_button.setIcon(theme.standard_icon(QStyle.SP_MediaSeekBackward))
        self.back_button.setToolTip("One row back (←).")
        self.forward_button = QToolButton()
        self.forward_button.setIcon(theme.standard_icon(QStyle.SP_MediaSeekForward))
        self.forward_button.setToolTip("One row on (→).")
        self.row_slider = QSlider(Qt.Horizontal)
        self.row_slider.setObjectName("row_slider")
        self.row_slider.setRange(1, ROWS)
        self.row_slider.setValue(ROWS)
        self.row_slider.setPageStep(7)
        self.row_slider.setToolTip("The row the network has read up to (1–28). Drag to scrub through the reading.")
        self.row_label = TextLine(f"row {ROWS:>2} / {ROWS}")
        self.row_label.setFixedWidth(self.row_label.fontMetrics().horizontalAdvance("row 28 / 28") + 12)
        self.row_label.setToolTip("The row being read.")
        self.speed_slider = QSlider(Qt.Horizontal)
        self.speed_slider.setRange(MIN_SPEED, MAX_SPEED)
        self.speed_slider.setValue(DEFAULT_SPEED)
        self.speed_slider.setFixedWidth(120)
        self.speed_slider.setToolTip("Animation speed, in rows per second.")
        self.speed_label = TextLine()
        self.speed_label.setFixedWidth(self.speed_label.fontMetrics().horizontalAdvance("60 rows/s") + 10)
        self.speed_label.setToolTip("Animation speed, in rows per second.")
        self.autoplay_check = QCheckBox("Auto-play")
        self.autoplay_check.setChecked(True)
        self.autoplay_check.setToolTip("Play the animation from row 1 after every stroke.")
        for w in (self.play_button, self.back_button, self.forward_button, self.autoplay_check):
            w.setFocusPolicy(Qt.TabFocus)  # keep Space and the arrows for the animation
        player = QHBoxLayout()
        player.setSpacing(8)
        player.addWidget(self.back_button)
        player.addWidget(self.play_button)
        player.addWidget(self.forward_button)
        player.addWidget(self.row_slider, 1)
        player.addWidget(self.row_label)
        player.addSpacing(12)
        player.addWidget(muted_label("Speed"))
        player.addWidget(self.speed_slider)
        player.addWidget(self.speed_label)
        player.addSpacing(12)
        player.addWidget(self.autoplay_check)
        player.addWidget(compare_toggle)
        self.controls = (self.play_button, self.back_button, self.forward_button, self.row_slider)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self.caption)
        layout.addLayout(player)

    def show_playing(self, playing: bool) -> None:
        self.play_button.setChecked(playing)
        if self.play_button.text() != ("Pause" if playing else "Play"):
            # Only on a change: setIcon invalidates the layout, which would repaint the window.
            self.play_button.setText("Pause" if playing else "Play")
            self.play_button.setIcon(theme.standard_icon(QStyle.SP_MediaPause if playing else QStyle.SP_MediaPlay))
