"""The Train tab's two columns, laid out (the tab makes the panels and connects everything): on the
left the settings (which alone scroll), the "Run" box with Start / Pause / Stop, the progress bar
and the line under it, and the result; on the right the plots' bar (pages, the learning-rate
multiplier, Export curves…), the plots and the recorded runs.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,  # fmt: skip
    QVBoxLayout,
    QWidget,
)

from ..page_switch import PageSwitch
from ..widgets import group_box, muted_label
from .state import IDLE_TEXT, RunClock, RunState, progress_text


class RunControls:
    """box: the Run box, holding every control here but lr_multiplier (which right_column places)."""

    def __init__(self):
        self.box, run_layout = group_box("Run", "Start, pause or stop a run, and how far it is.")
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Train a new model with these settings (MNIST is loaded, or offered for download, first).")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Hold the run after the current batch; Resume goes on where it stopped.")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("End the run after the current batch. The result so far is measured and kept.")
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        for b in (self.start_button, self.pause_button, self.stop_button):
            buttons.addWidget(b, 1)
        self.progress_bar = QProgressBar(minimum=0, maximum=100, format="%p%")
        self.progress_bar.setToolTip("Of the whole run: all epochs and their test passes.")
        self.progress_label = muted_label(IDLE_TEXT, wrap=True)
        self.progress_label.setMinimumHeight(34)
        self.progress_label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        run_layout.addLayout(buttons)
        run_layout.addWidget(self.progress_bar)
        run_layout.addWidget(self.progress_label)
        self.lr_multiplier = QDoubleSpinBox(minimum=0.1, maximum=10.0, singleStep=0.1, value=1.0, decimals=2, prefix="×")
        self.lr_multiplier.setToolTip("Multiply the scheduled learning rate by this while the run goes on, from its "
                                      "next batch (the learning-rate plot shows the rate used).")  # fmt: skip

    def show_phase(self, run: RunState) -> None:
        """What can be done in this phase of a run (the form and the panels follow it in the tab)."""
        self.start_button.setEnabled(not run.busy)
        self.pause_button.setEnabled(run.can_pause)
        self.pause_button.setText("Resume" if run.phase == "paused" else "Pause")
        self.stop_button.setEnabled(run.can_stop)
        self.lr_multiplier.setEnabled(run.can_stop)

    def show_progress(self, clock: RunClock, now: float, running: bool) -> None:
        self.progress_label.setText(progress_text(clock, now))
        fraction = clock.fraction_done(now)
        if running and fraction is not None:
            percent = int(100 * fraction)
            if percent != self.progress_bar.value():  # setValue repaints at once (~3 ms): only on change
                self.progress_bar.setValue(percent)


def left_column(settings: list[QWidget], run_box: QWidget, result: QWidget) -> tuple[QWidget, QScrollArea]:
    """The column and its scroll area. Only the settings scroll: Start, the progress and the result
    with its buttons stay in view below them at any window height."""
    form_widget = QWidget()
    form_column = QVBoxLayout(form_widget)
    form_column.setContentsMargins(0, 0, 4, 0)
    form_column.setSpacing(8)
    for widget in settings:
        form_column.addWidget(widget)
    form_column.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidget(form_widget)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    scroll.setFrameShape(QScrollArea.NoFrame)
    left_widget = QWidget()
    left = QVBoxLayout(left_widget)
    left.setContentsMargins(0, 0, 0, 0)
    left.setSpacing(8)
    left.addWidget(scroll, 1)
    left.addWidget(run_box)
    left.addWidget(result)
    # As wide as its widest row needs (nothing cut off) and a vertical scroll bar, no wider.
    width = max(form_widget.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width(),
                run_box.minimumSizeHint().width(), result.minimumSizeHint().width())  # fmt: skip
    left_widget.setFixedWidth(width)
    left_widget.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Expanding)
    return left_widget, scroll


def right_column(plots: QWidget, insight: QWidget, lr_multiplier: QWidget, export_button: QWidget,
                 runs: QWidget) -> tuple[QVBoxLayout, PageSwitch]:  # fmt: skip
    """The column and the switch between the plots and the insight into the training."""
    pages = PageSwitch([("Curves", "Loss, learning rate and accuracy as the run goes.", plots),
                        ("Inside the training", "Weight and gradient distributions per block, and the "
                         "gradient flow through the rows, per epoch.", insight)])  # fmt: skip
    plot_bar = QHBoxLayout()
    plot_bar.addLayout(pages.button_row())
    plot_bar.addWidget(muted_label("Dashed, faint: the previous run. Right-click a plot to export it.", wrap=True), 1)
    plot_bar.addWidget(muted_label("Rate"))  # beside the plots: the form's column has no height to spare
    plot_bar.addWidget(lr_multiplier)
    plot_bar.addWidget(export_button)
    right = QVBoxLayout()
    right.setSpacing(6)
    right.addLayout(plot_bar)
    right.addWidget(pages, 3)
    right.addWidget(runs, 1)
    return right, pages
