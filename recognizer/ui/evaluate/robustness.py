"""The Robustness page: accuracy as the test digits are shifted, rotated, thickened or noised.

Nothing runs until Start is pressed (a check takes some seconds of CPU); the result is kept per
model, so coming back to the page, or to a model checked before, shows it again.
"""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QComboBox, QFrame, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QSizePolicy, QVBoxLayout, QWidget)  # fmt: skip

from ...evaluation.analysis import Perturbation
from ...evaluation.accuracy import as_float_images
from ..widgets import TextLine, caption_label, group_box, muted_label, percent_bar
from ..digit_grid import mosaic
from .plots import RobustnessPlot
from .results import ROBUSTNESS_GROUPS, ROBUSTNESS_SIZES
from .state import EvaluateState

TIPS = {
    "shift": "Every digit moved sideways (amber) or up and down (blue) by whole pixels; what\n"
             "leaves the 28×28 frame is lost. MNIST digits are centred, so the network never saw this.",
    "rotate": "Every digit turned about the centre of the image.",
    "thicken": "Strokes made thicker, by about a pixel on each side per step (fractions blend),\n"
               "or thinner (negative steps).",
    "noise": "Random noise added to every pixel: at 0.2 a typical pixel moves by a fifth of full ink\n"
             "(then clipped to blank … full ink).",
}  # fmt: skip


class RobustnessPage(QWidget):
    """start_clicked() / stop_clicked() from the button; the tab runs the check."""

    start_clicked = Signal()
    stop_clicked = Signal()

    def __init__(self, state: EvaluateState, perturbations: tuple[Perturbation, ...], parent=None):
        super().__init__(parent)
        self.state, self.perturbations = state, perturbations
        self.size = QComboBox()
        for n in sorted(set(ROBUSTNESS_SIZES) | {state.robustness_size}):
            self.size.addItem(f"{n:,} test digits", n)
        self.size.setCurrentIndex(self.size.findData(state.robustness_size))
        self.size.setToolTip("How many test digits (a fixed random sample) to measure on: more is more\n"
                             "precise but slower (2,000 take some seconds).")  # fmt: skip
        self.size.currentIndexChanged.connect(lambda _: setattr(state, "robustness_size", int(self.size.currentData())))
        self.button = QPushButton("Start")
        self.button.setToolTip("Measure the accuracy at every level of every perturbation (in the background).")
        self.button.clicked.connect(lambda: (self.stop_clicked if state.robustness_running() else self.start_clicked).emit())
        self.progress = percent_bar(220)
        self.progress.setToolTip("Levels measured so far.")
        self.status = TextLine(lines=2, muted=True)
        bar = QHBoxLayout()
        bar.addWidget(muted_label("Measure on"))
        bar.addWidget(self.size)
        bar.addWidget(self.button)
        bar.addWidget(self.progress)
        bar.addWidget(self.status, 1)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.plots: dict[str, RobustnessPlot] = {}
        self.examples: dict[str, QLabel] = {}
        self.boxes: dict[str, QGroupBox] = {}
        self.titles: dict[str, str] = {}
        for k, (group, title, x_label) in enumerate(ROBUSTNESS_GROUPS):
            if not any(p.group == group for p in perturbations):
                continue
            plot = RobustnessPlot(x_label)
            plot.setToolTip(TIPS[group])
            plot.setMinimumHeight(140)  # below this the axis labels no longer fit: the page scrolls
            example = QLabel()
            example.setAlignment(Qt.AlignCenter)
            # The strip never widens the window: it is drawn for the width the label has.
            example.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
            example.setToolTip("One test digit at each level, left to right, as the network gets it.")
            box, box_layout = group_box(title, TIPS[group])
            box_layout.addWidget(plot, 1)
            box_layout.addWidget(example)
            self.plots[group], self.examples[group], self.boxes[group], self.titles[group] = plot, example, box, title
            grid.addWidget(box, k // 2, k % 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(caption_label(
            "How accuracy holds up as the test digits are spoiled: moved, turned, drawn thicker or thinner, "
            "or covered in noise. Where a curve falls is where the model breaks. The dashed line is the "
            "accuracy on the untouched digits."
        ))  # fmt: skip
        layout.addLayout(bar)
        plots = QWidget()
        plots.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidget(plots)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        layout.addWidget(scroll, 1)

    def refresh(self) -> None:
        """Draw the state's check as far as it got, or nothing."""
        self.refresh_curves()
        self.refresh_progress()
        for group, box in self.boxes.items():
            box.setTitle(self.state.robustness_box_title(self.titles[group]))
        self._show_examples()

    def refresh_curves(self) -> None:
        run = self.state.robustness
        for plot in self.plots.values():
            plot.clear_curves()
        if run is not None:
            for key, curve in run.curves.items():
                plot = self.plots.get(curve.perturbation.group)
                if plot is not None:
                    plot.set_curve(key, curve.perturbation.name, curve.levels, curve.accuracy)
            for plot in self.plots.values():
                plot.set_baseline(run.plain_accuracy)

    def refresh_progress(self) -> None:
        state, run = self.state, self.state.robustness
        self.button.setText(state.robustness_button_text())
        self.button.setEnabled(state.loaded is not None)
        self.progress.setVisible(state.robustness_running())
        self.progress.setValue(0 if run is None or not run.total else int(round(100 * run.done / run.total)))
        self.status.setText(state.robustness_status())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._show_examples()

    def _show_examples(self) -> None:
        """A strip of one test digit at every level of each plot's first perturbation."""
        run, data = self.state.robustness, self.state.data
        if run is None or data is None or not len(run.indices):
            for label in self.examples.values():
                label.setPixmap(QPixmap())
            return
        x = as_float_images(data.test_images[run.indices[:1]])
        gen = torch.Generator().manual_seed(0)
        for group, label in self.examples.items():
            p = next(q for q in self.perturbations if q.group == group)
            frames = [p.apply(x, float(v), gen)[0].numpy() if v != 0 else x[0].numpy() for v in p.levels]
            scale = 2 if label.width() >= len(frames) * 60 else 1  # 28 px digits when 56 do not fit
            label.setPixmap(QPixmap.fromImage(mosaic(np.stack(frames), columns=len(frames), scale=scale, gap=4)))
            levels = ", ".join(f"{v:g}" for v in p.levels)
            label.setToolTip(f"One test digit, {p.name}, at levels {levels} (left to right).")
