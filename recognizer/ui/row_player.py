"""A Play/Pause button, a row slider and its "row 5 / 28" label, with the timer that plays it.

Any view that steps through the 28 rows of a reading can hold one; it knows nothing of tabs.
row_changed(row 0..27) when the user (or playing) moves it; set_row() moves it silently.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QStyle, QWidget

from ..network.dims import ROWS
from . import theme

DEFAULT_SPEED = 14  # rows per second, as Draw & Inspect's default


class RowPlayer(QWidget):
    row_changed = Signal(int)

    def __init__(self, speed: float = DEFAULT_SPEED, parent=None):
        super().__init__(parent)
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play the reading row by row, here (rows 1 to 28).")
        self.play_button.clicked.connect(self._on_play)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(1, ROWS)
        self.slider.setValue(ROWS)
        self.slider.setPageStep(7)
        self.slider.setToolTip("The row the network has read up to (1–28). Drag to scrub through the reading.")
        self.slider.valueChanged.connect(self._on_slider)
        self.row_label = QLabel(f"row {ROWS} / {ROWS}")
        # Fixed: the label's width must not change (and relayout the page) as the digits do.
        self.row_label.setFixedWidth(self.row_label.fontMetrics().horizontalAdvance(f"row {ROWS} / {ROWS}") + 8)
        self.row_label.setToolTip("The row the network has read up to.")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.row_label)
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / speed))
        self._timer.timeout.connect(self._tick)
        self._show_playing(False)

    @property
    def row(self) -> int:
        return self.slider.value() - 1

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def set_row(self, row: int) -> None:
        """Move to a row without emitting row_changed."""
        self.slider.blockSignals(True)
        self.slider.setValue(int(row) + 1)
        self.slider.blockSignals(False)
        self.row_label.setText(f"row {int(row) + 1} / {ROWS}")

    def setEnabled(self, enabled: bool) -> None:  # noqa: N802 (Qt's name)
        if not enabled:
            self.pause()
        super().setEnabled(enabled)

    def pause(self) -> None:
        self._timer.stop()
        self._show_playing(False)

    def _show_playing(self, playing: bool) -> None:
        self.play_button.setChecked(playing)
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setIcon(theme.standard_icon(QStyle.SP_MediaPause if playing else QStyle.SP_MediaPlay))

    def _on_play(self, checked: bool) -> None:
        if not checked:
            self.pause()
            return
        if self.row >= ROWS - 1:  # played to the end: start again from the top
            self.slider.setValue(1)
        self._show_playing(True)
        self._timer.start()

    def _tick(self) -> None:
        if self.row >= ROWS - 1 or not self.isVisible():
            self.pause()
            return
        self.slider.setValue(self.slider.value() + 1)

    def _on_slider(self, value: int) -> None:
        self.row_label.setText(f"row {value} / {ROWS}")
        self.row_changed.emit(value - 1)
