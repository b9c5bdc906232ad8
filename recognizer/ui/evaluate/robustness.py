"""The Robustness page: accuracy as the test digits are shifted, rotated, thickened or noised.

Nothing runs until Start is pressed (a check takes some seconds of CPU), in the state's robustness
job slot on the tab's runner; the result is kept per model, so coming back to the page, or to a
model checked before, shows it again.
"""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,  # fmt: skip
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...evaluation import analysis
from ...evaluation.accuracy import as_float_images
from ...evaluation.analysis import Perturbation, RobustnessCurve
from ..dialogs import DIALOGS
from ..digit_grid import mosaic
from ..jobs import JobFailure
from ..widgets import TextLine, caption_label, group_box, muted_label, percent_bar
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
    """need_data(then) gets MNIST (the tab's way, which may ask) and calls then() once it is there.
    finished({perturbation key: RobustnessCurve}) when a check ends."""

    finished = Signal(object)

    def __init__(self, state: EvaluateState, perturbations: tuple[Perturbation, ...], need_data, parent=None):
        super().__init__(parent)
        self.state, self.perturbations, self._need_data = state, perturbations, need_data
        self.size = QComboBox()
        for n in sorted(set(ROBUSTNESS_SIZES) | {state.robustness_size}):
            self.size.addItem(f"{n:,} test digits", n)
        self.size.setCurrentIndex(self.size.findData(state.robustness_size))
        self.size.setToolTip("How many test digits (a fixed random sample) to measure on: more is more\n"
                             "precise but slower (2,000 take some seconds).")  # fmt: skip
        self.size.currentIndexChanged.connect(lambda _: setattr(state, "robustness_size", int(self.size.currentData())))
        self.button = QPushButton("Start")
        self.button.setToolTip("Measure the accuracy at every level of every perturbation (in the background).")
        self.button.clicked.connect(lambda: self.stop() if state.robustness_running() else self.start())
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

    def start(self, size: int | None = None) -> None:
        """Start the check on `size` test digits (default: the size chosen here)."""
        state = self.state
        if state.loaded is None:
            return
        if size is not None:
            state.robustness_size = int(size)
        if state.data is None:
            self._need_data(self.start)
            return
        run = state.start_robustness(self.perturbations)
        model, perturbations = state.loaded.model, self.perturbations
        images, labels = state.data.test_images[run.indices], state.data.test_labels[run.indices]

        def work(ctx):
            def progress(done, total, curve):  # a copy: the check goes on filling the curve
                ctx.send((done, total, RobustnessCurve(curve.perturbation, curve.levels.copy(), curve.accuracy.copy())))

            return analysis.robustness(model, images, labels, perturbations, progress=progress, should_stop=ctx.should_stop)

        state.robustness_job.start(work, self._on_done, on_partial=self._on_progress, on_error=self._on_failed)
        self.refresh()

    def stop(self) -> None:
        self.state.robustness_job.invalidate()
        self.state.stop_robustness()
        self.refresh_progress()

    def _on_progress(self, items: list) -> None:
        for done, total, curve in items:
            self.state.robustness_progress(done, total, curve.perturbation.key, curve)
        self.refresh_curves()
        self.refresh_progress()

    def _on_done(self, curves: dict[str, RobustnessCurve]) -> None:
        if self.state.finish_robustness(curves):
            self.refresh()
            self.finished.emit(curves)

    def _on_failed(self, failure: JobFailure) -> None:
        self.state.stop_robustness(failure.message)
        self.refresh_progress()
        if failure.details:
            DIALOGS.show_message(self, "critical", "The robustness check failed", failure.message, failure.details)

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
