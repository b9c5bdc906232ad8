"""The "Draw & Inspect" tab: draw a digit, see what the network sees, its answer, and an animation
of the LSTM reading the image one row at a time.

Flow: the canvas emits its pixels -> to_mnist -> the model in use's read (reading.py: its one
Tracer, ~1 ms, and the verdict) -> every view. While a stroke is
under way the views jump to the last row (the live answer); when it ends the animation plays from
row 1 (auto-play). What is shown, and every sentence, comes from InspectState (state.py); this
file lays out the widgets, runs the 60 Hz animation timer and hands the state to the views. The
row, playing, speed, auto-play and pen width are the state's: the widgets write them there and
follow its events, so a slider and the state never disagree.
"""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QVBoxLayout, QWidget

from ..plot_menu import install_plot_menu
from ..widgets import group_box
from . import remembered
from .answer_views import NetworkInputView, ProbabilityBars, TrajectoryPlot
from .canvas import DrawingCanvas
from .columns import middle_column, right_column
from .compare_view import ComparePanel
from .draw_column import AnswerBox, DrawTools
from .gradient_flow_view import GradientFlowView
from .number_view import NumberPanel
from .player_bar import PlayerBar
from .state import LAST, ROWS, YOUR_DRAWING, InspectState
from .state_panel import StatePanel
from .step_attach import attach as attach_step_panel

if TYPE_CHECKING:  # imports torch, which the window loads after it is on screen
    from ...reading import ReadingSession

FRAME_MS = 16  # the animation timer: ~60 frames per second
CATCH_UP_MS = 40  # at the latest, the heavy views follow a finished stroke this much later


class InspectTab(QWidget):
    """Signals: trace_changed(trace or None) after every new trace; open_requested() when the
    Open… button is pressed (file_actions.py opens the dialog); series_changed(name) and
    series_offered(names): the heatmap's quantity, and the ones the model's cell has."""

    trace_changed = Signal(object)
    open_requested = Signal()
    series_changed = Signal(str)
    series_offered = Signal(tuple)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.state = InspectState()
        # The trajectories and the heatmap (the costliest views to update and paint) show the
        # trace _heavy_trace; while drawing they wait, and catch up on the next turn of the event
        # loop after a stroke ends, or at once when anything else moves the views.
        self._defer_heavy = False
        self._heavy_trace = None
        self._catch_up = QTimer(self, singleShot=True, interval=CATCH_UP_MS)
        self._catch_up.timeout.connect(self._update_row_views)
        self.update_times_ms: deque[float] = deque(maxlen=2000)  # pixels in -> all views updated
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._tick)

        # --- left: the canvas and the answer ---
        self.canvas = DrawingCanvas()
        self.canvas.pixels_changed.connect(self._on_pixels)
        self.canvas.painted.connect(self._on_canvas_painted)
        tools = DrawTools(self.canvas)
        self.number = NumberPanel(self, self.canvas)  # a number's digits: its strip, boxes and Tab
        self.number.chosen_changed.connect(self._on_digit_chosen)
        answer_box = AnswerBox(self.number.in_place_of)
        for part, names in ((tools, ("pen_slider", "pen_preview", "undo_button", "clear_button", "open_button")),
                            (answer_box, ("prediction", "confidence", "answer_hint", "keep_button"))):  # fmt: skip
            for name in names:
                setattr(self, name, getattr(part, name))
        self.undo_button.clicked.connect(self.undo)
        self.clear_button.clicked.connect(self.clear)
        self.open_button.clicked.connect(self.open_requested)
        draw_box, draw_layout = group_box("Your drawing", "Draw a digit, 0 to 9, as large as the box.")
        self.draw_box = draw_box  # its title says where the digit came from
        draw_layout.addWidget(self.canvas, 1)
        draw_layout.addWidget(tools)

        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(draw_box, 1)
        left.addWidget(answer_box)

        # --- middle: what the network sees and its answer at this row (columns.py) ---
        self.input_view = NetworkInputView()
        self.bars = ProbabilityBars()
        middle, self.neighbour_strip = middle_column(self.input_view, self.bars, self)

        # --- right: over the rows ---
        self.trajectories = TrajectoryPlot()
        self.flow_view = GradientFlowView()  # follows every new trace; its model, the one in use
        self.trace_changed.connect(self.flow_view.show_trace)
        self.state_panel = StatePanel()
        self.state_panel.series_changed.connect(self._on_state_panel_changed)
        self.state_panel.layer_changed.connect(self._on_state_panel_changed)
        self.state_panel.series_changed.connect(self.series_changed)
        self.state_panel.series_offered.connect(self.series_offered)
        right, traj_box, state_box, self.row_pages = right_column(self.trajectories, self.flow_view, self.state_panel)
        self.compare = ComparePanel(self.state, replaces=(traj_box, state_box))  # Compare: a second model
        right.addWidget(self.compare, 8)
        self.trace_changed.connect(self.compare.follow_trace)

        # --- bottom: the caption and the playback controls (player_bar.py) ---
        bottom = PlayerBar(self.compare.toggle)
        self.player = bottom
        for name in ("caption", "play_button", "back_button", "forward_button", "row_slider", "row_label",
                     "speed_slider", "speed_label", "autoplay_check"):
            setattr(self, name, getattr(bottom, name))
        self.play_button.clicked.connect(self._on_play_clicked)
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.forward_button.clicked.connect(lambda: self.step(1))
        self._player_controls = bottom.controls
        self._follow_state()
        self.step_panel = attach_step_panel(self)  # a cell clicked: that step's arithmetic (issue 26)

        grid = QGridLayout(self)
        grid.setContentsMargins(10, 10, 10, 8)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)
        grid.addLayout(left, 0, 0)
        grid.addLayout(middle, 0, 1)
        grid.addLayout(right, 0, 2)
        grid.addWidget(bottom, 1, 0, 1, 3)
        grid.setColumnStretch(0, 11)
        grid.setColumnStretch(1, 8)
        grid.setColumnStretch(2, 12)
        grid.setRowStretch(0, 1)
        for w in (self.input_view, self.bars, self.trajectories):
            w.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
            w.setMinimumSize(200, 150)
        self.trajectories.setMinimumHeight(110)  # the page buttons take the rest: the column keeps its height
        for view, name, csv in ((self.input_view, "network-input", None), (self.bars, "answer-at-this-row", self.bars),
                                (self.trajectories, "probability-per-row", self.trajectories),
                                (self.state_panel.heatmap, "inside-the-lstm", None),
                                (self.state_panel.unit_plot, "one-unit", self.state_panel.unit_plot)):  # fmt: skip
            install_plot_menu(view, name, csv=None if csv is None else csv.getPlotItem())
        self._show_new_trace(play=False)

    # --- public API -------------------------------------------------------------------------

    @property
    def trace(self):
        return self.state.trace

    @property
    def row(self) -> int:
        """The animation's row, 0-based."""
        return self.state.row

    @property
    def playing(self) -> bool:
        return self.state.playing

    @property
    def auto_play(self) -> bool:
        return self.state.auto_play

    def set_auto_play(self, on: bool) -> None:
        self.state.set_auto_play(on)

    @property
    def speed(self) -> int:
        return self.state.speed

    def set_speed(self, rows_per_second: int) -> None:
        self.state.set_speed(rows_per_second)

    def set_pen_width(self, width: float) -> None:
        self.state.set_pen_width(width)

    def undo(self) -> None:
        self.canvas.undo()

    def clear(self) -> None:
        self.canvas.clear()

    @property
    def series(self) -> str:
        """What the heatmap shows: a name of state_panel.SERIES."""
        return self.state_panel.series

    @property
    def offered_series(self) -> tuple[str, ...]:
        return self.state_panel.offered

    def set_series(self, name: str) -> None:
        self.state_panel.set_series(name)

    def set_model_in_use(self, session: ReadingSession | None) -> None:
        """Use another model (None: none); the current input is read again at once. The same
        network under a new name (saved) only changes the name Compare shows."""
        self.compare.set_model_a(session)
        if not self.state.set_session(session):
            return
        self.state_panel.readout_weights = None if session is None else session.tracer.readout_w
        self.state_panel.set_layer_count(1 if session is None else session.layers)
        self.flow_view.set_model(None if session is None else session.model)
        if self.state.source == YOUR_DRAWING and not self.canvas.is_empty():
            self._read_drawing(self.canvas.pixels())  # a number is split and read again by this model
        self._show_new_trace(play=False)

    restore_settings, save_settings = remembered.restore, remembered.save  # (tab, store): the tab protocol's

    def shutdown(self) -> None:
        """The window is closing: the animation stops, the flow view's and the neighbours' work too."""
        self.pause()
        self.flow_view.shutdown()
        self.neighbour_strip.shutdown()

    def inspect_image(self, image28: np.ndarray, caption: str, play: bool = True, picture: np.ndarray | None = None) -> None:
        """Trace exactly this 28x28 image (ink high, [0, 1]). The canvas shows the picture it was
        read from when there is one (ink high, any size, fitted whole: a blurred 28x28 stood for
        it), else the 28x28 itself blown up."""
        image28 = np.asarray(image28, dtype=np.float32).reshape(ROWS, ROWS)
        self.number.clear()
        if picture is not None:
            self.canvas.set_image(np.clip(np.asarray(picture, np.float32) * 255 + 0.5, 0, 255).astype(np.uint8))
        else:
            self.canvas.show_digit(image28)
        self.state.set_input(image28, caption)
        self._show_new_trace(play=play)

    def views_in_sync(self) -> bool:
        """Whether the trajectories and the heatmap show the current trace (they follow a
        finished stroke one paint later; see _on_pixels)."""
        return self._heavy_trace is self.state.trace and not self._catch_up.isActive()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self) -> None:
        self.state.play()  # -> _on_playing starts the timer

    def pause(self) -> None:
        self.state.pause()

    def step(self, delta: int) -> None:
        self.go_to_row(self.row + delta)

    def go_to_row(self, row: int) -> None:
        self.pause()
        self._set_row(row)

    # --- the pipeline -----------------------------------------------------------------------

    def _on_pixels(self, pixels: np.ndarray, live: bool) -> None:
        t0 = time.perf_counter()
        self._read_drawing(pixels)
        # Only the answer, the network's view, the bars and the caption follow the pen at once;
        # the trajectories and the heatmap catch up after the stroke ends, on the next turn of
        # the event loop. Each update then fits well inside a frame.
        self._defer_heavy = True
        try:
            self._show_new_trace(play=self.auto_play and not live)
        finally:
            self._defer_heavy = False
        if not live:
            self._catch_up.start(CATCH_UP_MS)  # brought forward by the canvas's next paint
        self.update_times_ms.append((time.perf_counter() - t0) * 1000)

    def _read_drawing(self, pixels: np.ndarray) -> None:
        """The drawing, or the chosen digit of a number, as the state's input."""
        image28, extent = self.number.read(self.canvas.strokes(), pixels, self.state.session)
        self.state.set_input(image28, YOUR_DRAWING, has_marks=not self.canvas.is_empty(), extent=extent)

    def _on_digit_chosen(self) -> None:
        """Another digit of the number: the views follow it, from row 1 when auto-playing."""
        image28, extent = self.number.chosen_input()
        self.state.set_input(image28, YOUR_DRAWING, extent=extent)
        self._show_new_trace(play=self.auto_play)

    def _show_new_trace(self, play: bool) -> None:
        """The state holds a new trace (or none): everything that does not depend on the row,
        then the row views, from row 1 when it is to play."""
        state, trace = self.state, self.state.trace
        state.pause()
        self.draw_box.setTitle(state.source)
        answer = state.answer()
        self.prediction.setText(answer.digit)
        self.confidence.setText(answer.confidence)
        self.answer_hint.setText(answer.hint)
        self.input_view.set_image(trace.image if trace is not None else state.image28)
        self.trace_changed.emit(trace)
        self._set_row(0 if trace is not None and play else LAST, force=True)
        if trace is not None and play:
            self.play()
        else:
            self._sync_play_button()

    def _set_row(self, row: int, force: bool = False) -> None:
        before = self.state.row
        if self.state.go_to(row) == before and force:
            self._update_row_views()  # the same row: no event, but the trace may be new

    def _follow_state(self) -> None:
        """The widgets show the state's values and write them back (see the module's docstring)."""
        events = self.state.events
        events.row.connect(self._on_row)
        events.playing.connect(self._on_playing)
        events.speed.connect(self._on_speed)
        events.auto_play.connect(self.autoplay_check.setChecked)
        events.pen_width.connect(self._on_pen_width)
        self.row_slider.valueChanged.connect(self._on_slider)
        self.pen_slider.valueChanged.connect(self.state.set_pen_width)
        self.speed_slider.valueChanged.connect(self.state.set_speed)
        self.autoplay_check.toggled.connect(self.state.set_auto_play)
        self._on_speed(self.state.speed)
        self.autoplay_check.setChecked(self.state.auto_play)
        self._on_pen_width(self.state.pen_width)

    def _on_slider(self, value: int) -> None:
        if value - 1 != self.state.row:  # dragged by the user: the animation stops there
            self.pause()
            self.state.go_to(value - 1)

    def _on_row(self, row: int) -> None:
        self._update_row_views()
        self.compare.set_row(row)
        self.neighbour_strip.set_row(row + 1)
        self.row_slider.setValue(row + 1)  # last, the views drawn; the state's value: _on_slider does nothing

    def _update_row_views(self) -> None:
        state, row, trace = self.state, self.state.row, self.state.trace
        self.row_label.setText(state.row_text())
        for control in self._player_controls:
            control.setEnabled(trace is not None)
        self.input_view.set_row(None if trace is None else row)
        self.bars.set_probabilities(None if trace is None else state.probabilities[row])
        if self._sync_heavy():
            self.trajectories.set_row(None if trace is None else row)
            self.state_panel.set_row(None if trace is None else row)
        self.caption.setText(state.caption())

    def _on_canvas_painted(self) -> None:
        # The answer of a finished stroke is on screen: now the trajectories and the heatmap.
        if self._catch_up.isActive():
            self._catch_up.start(0)

    def _sync_heavy(self) -> bool:
        """Hand the current trace to the trajectories and the heatmap, unless they are to wait.
        Returns whether they may be moved to the current row."""
        if self._defer_heavy:
            return False
        self._catch_up.stop()
        trace = self.state.trace
        if self._heavy_trace is not trace:
            self._heavy_trace = trace
            self.trajectories.set_trace(None if trace is None else self.state.probabilities)
            self.state_panel.set_trace(trace)
        return True

    def _on_state_panel_changed(self, *_) -> None:
        """The panel redrew itself for another quantity or layer: make sure it holds this trace."""
        if self._heavy_trace is not self.state.trace:
            self._update_row_views()

    # --- animation --------------------------------------------------------------------------

    def _tick(self) -> None:
        self.state.advance(self._clock.restart() / 1000.0)  # the row, and at the end playing, follow

    def _on_playing(self, playing: bool) -> None:
        if playing:
            self._clock.start()
            self._timer.start()
        else:
            self._timer.stop()
        self._sync_play_button()

    def _on_play_clicked(self) -> None:
        self.toggle_play()
        self._sync_play_button()  # the button checked itself: nothing may have changed

    def _sync_play_button(self) -> None:
        self.player.show_playing(self.playing)

    def _on_speed(self, value: int) -> None:
        self.speed_slider.setValue(value)
        self.speed_label.setText(self.state.speed_text())

    def _on_pen_width(self, width: int) -> None:
        self.pen_slider.setValue(width)
        self.canvas.set_pen_width(width)
        self.pen_preview.update()
