"""The Evaluate tab: how good the model is on the 10,000 MNIST test digits, where it goes wrong, and
what it pays attention to.

Pages: Confusion matrix (with per-digit precision and recall, and the digits of any cell), Mistakes
(a gallery sorted by confidence), Browse (train or test digits filtered by label, prediction and
confidence), Hidden-state map (PCA of the final hidden states, with the current digit's path row
by row), Saliency (which pixels and rows drove the answer) and Robustness (accuracy as the digits
are shifted, rotated, thickened or noised).

All the heavy work (reading MNIST, the test-set evaluation, predictions on the training set, the
robustness check) runs in one background thread, one job at a time, and reports back to the UI
thread through queued signals; a new model cancels what is under way for the old one.

The main window talks to the tab through:
    set_model(loaded)             whenever the model changes (and once at start)
    inspect_requested(image, caption)   emitted to open a digit in Draw & Inspect
    show_trace(trace, row)        the inspector's current trace and row, for the map and saliency
    shutdown()                    on close: stops the background work
"""

from __future__ import annotations

import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .. import analysis
from ..analysis import PERTURBATIONS, PCA, Perturbation, RobustnessCurve, Stopped
from ..data import MNIST
from ..errors import RecognizerError
from ..evaluate import Evaluation, as_float_images
from ..dims import CLASSES, ROWS
from ..modelfile import LoadedModel
from ..trace import Trace, Tracer
from . import theme
from .widgets import group_box, muted_label as _muted
from .evaluate_views import (
    ConfusionMatrixView,
    DigitGrid,
    HiddenStateMap,
    RobustnessPlot,
    SaliencyView,
    digit_image,
    short_percent,
)
from .trace_views import percent

ROBUSTNESS_SIZES = (500, 1000, 2000, 5000, 10000)
DEFAULT_ROBUSTNESS_SIZE = 2000
PLAYER_SPEED = 14  # rows per second, as Draw & Inspect's default
LAST = ROWS - 1

# The robustness plots: (group, title); each group's perturbations share a plot.
ROBUSTNESS_GROUPS = (
    ("shift", "Shift"),
    ("rotate", "Rotation"),
    ("thicken", "Stroke width"),
    ("noise", "Noise"),
)

PAGE_MATRIX, PAGE_MISTAKES, PAGE_BROWSE, PAGE_MAP, PAGE_SALIENCY, PAGE_ROBUSTNESS = range(6)


def describe_level(p: Perturbation, level: float) -> str:
    """A perturbation's level as a person writes it: +4 px, −30°, +1.5 steps, σ = 0.2."""
    if p.unit == "pixels":
        return f"{level:+g} px".replace("-", "−")
    if p.unit == "degrees":
        return f"{level:+g}°".replace("-", "−")
    if p.group == "noise":
        return f"σ = {level:g}"
    return f"{level:+g} {p.unit}".replace("-", "−")


# --- background jobs ----------------------------------------------------------------------------


class _Bridge(QObject):
    progress = Signal(int, object)
    done = Signal(int, object)
    failed = Signal(int, str)


class JobRunner(QObject):
    """Runs functions one at a time in a background thread and hands their progress and results
    to callbacks on the UI thread. fn(report, should_stop) -> result; report(payload) sends
    progress; a job whose should_stop() turns true may raise analysis.Stopped and is then dropped
    silently, as is anything a cancelled job still sends."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recognizer-evaluate")
        self._bridge = _Bridge(self)
        self._bridge.progress.connect(self._on_progress)
        self._bridge.done.connect(self._on_done)
        self._bridge.failed.connect(self._on_failed)
        self._jobs: dict[int, tuple[threading.Event, Callable, Callable | None, Callable | None]] = {}
        self._next_id = 0
        self._closed = False

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def submit(self, fn, on_done, on_progress=None, on_error=None) -> int | None:
        """Queue fn; returns the job's id, or None once shut down (nothing will run)."""
        if self._closed:
            return None
        self._next_id += 1
        job_id = self._next_id
        stop = threading.Event()
        self._jobs[job_id] = (stop, on_done, on_progress, on_error)
        bridge = self._bridge

        def emit(signal, *args):
            try:
                signal.emit(*args)
            except RuntimeError:  # the tab is gone: nobody to tell
                pass

        def run():
            if stop.is_set():
                return
            try:
                result = fn(lambda payload: None if stop.is_set() else emit(bridge.progress, job_id, payload), stop.is_set)
            except Stopped:
                emit(bridge.failed, job_id, "")
            except RecognizerError as e:
                emit(bridge.failed, job_id, str(e))
            except Exception as e:  # a bug: say so in the tab rather than fail silently
                traceback.print_exc()
                emit(bridge.failed, job_id, f"{type(e).__name__}: {e}")
            else:
                emit(bridge.done, job_id, result)

        self._executor.submit(run)
        return job_id

    def cancel(self, job_id: int | None) -> None:
        job = self._jobs.pop(job_id, None) if job_id is not None else None
        if job is not None:
            job[0].set()

    def cancel_all(self) -> None:
        for job_id in list(self._jobs):
            self.cancel(job_id)

    def shutdown(self, wait: bool = True) -> None:
        self._closed = True
        self.cancel_all()
        self._executor.shutdown(wait=wait, cancel_futures=True)

    def _on_progress(self, job_id: int, payload) -> None:
        job = self._jobs.get(job_id)
        if job is not None and job[2] is not None:
            job[2](payload)

    def _on_done(self, job_id: int, result) -> None:
        job = self._jobs.pop(job_id, None)
        if job is not None:
            job[1](result)

    def _on_failed(self, job_id: int, message: str) -> None:
        job = self._jobs.pop(job_id, None)
        if job is not None and job[3] is not None and message:
            job[3](message)


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TestSetResult:
    evaluation: Evaluation
    hidden: np.ndarray  # (N, H) final hidden states of the last layer
    pca: PCA
    points: np.ndarray  # (N, 2) hidden states projected on the first two components
    seconds: float  # wall time of the evaluation itself (not the PCA)


@dataclass(eq=False)
class CurrentDigit:
    image: np.ndarray  # (28, 28) float32 in [0, 1]
    caption: str
    trace: Trace
    path: np.ndarray | None = None  # (28, 2) its hidden states on the map
    saliency: analysis.RowSaliency | None = None
    saliency_target: int | None = None
    source: tuple[str, int] | None = None  # ("test" or "train", index) when it is an MNIST digit


def _evaluate_test_set(model, images, labels, report, should_stop) -> TestSetResult:
    start = time.perf_counter()
    evaluation, hidden = analysis.evaluate_with_hidden(
        model, images, labels, progress=lambda done, total: report(done / total), should_stop=should_stop
    )
    seconds = time.perf_counter() - start
    pca = analysis.fit_pca(hidden, 2)
    return TestSetResult(evaluation, hidden, pca, pca.transform(hidden), seconds)


@torch.no_grad()
def _predict(model, images, report, should_stop, chunk: int = 2000) -> np.ndarray:
    from ..evaluate import predict_probabilities

    out = []
    for start in range(0, len(images), chunk):
        if should_stop():
            raise Stopped()
        out.append(predict_probabilities(model, images[start : start + chunk], batch_size=chunk))
        report(min(start + chunk, len(images)) / len(images))
    return np.concatenate(out) if out else np.zeros((0, CLASSES), np.float32)


# --- small widgets ------------------------------------------------------------------------------


def _caption(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setProperty("role", "caption")
    label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Minimum)
    return label


def _combo(items: Sequence[str], tip: str) -> QComboBox:
    combo = QComboBox()
    combo.addItems(list(items))
    combo.setToolTip(tip)
    combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
    return combo


class DigitPlayer(QWidget):
    """The current digit (thumbnail and caption) with its own row slider and Play button, so the
    map and the saliency can be stepped through the 28 rows right here. row_changed(row 0..27);
    inspect_clicked() for the Inspect button."""

    row_changed = Signal(int)
    inspect_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.thumb = QLabel()
        self.thumb.setFixedSize(56, 56)
        self.thumb.setToolTip("The digit shown below, as the network reads it (28×28 pixels).")
        self.caption = QLabel("No digit yet")
        self.caption.setWordWrap(True)
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.caption.setToolTip(
            "The digit these views explain: the one on Draw & Inspect, or any digit you click in this tab."
        )
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.setIcon(self.style().standardIcon(QStyle.SP_MediaPlay))
        self.play_button.setToolTip("Play the reading row by row, here (rows 1 to 28).")
        self.play_button.clicked.connect(self._on_play)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(1, ROWS)
        self.slider.setValue(ROWS)
        self.slider.setPageStep(7)
        self.slider.setToolTip("The row the network has read up to (1–28). Drag to scrub through the reading.")
        self.slider.valueChanged.connect(self._on_slider)
        self.row_label = QLabel(f"row {ROWS} / {ROWS}")
        self.row_label.setMinimumWidth(84)
        self.row_label.setToolTip("The row the network has read up to.")
        self.inspect_button = QPushButton("Inspect")
        self.inspect_button.setToolTip("Open this digit in Draw & Inspect and watch the network read it.")
        self.inspect_button.clicked.connect(self.inspect_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.thumb)
        layout.addWidget(self.caption, 3)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, 2)
        layout.addWidget(self.row_label)
        layout.addWidget(self.inspect_button)
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / PLAYER_SPEED))
        self._timer.timeout.connect(self._tick)

    @property
    def row(self) -> int:
        return self.slider.value() - 1

    def set_digit(self, image: np.ndarray | None, caption: str) -> None:
        self.thumb.setPixmap(QPixmap() if image is None else QPixmap.fromImage(digit_image(image)))
        self.caption.setText(caption)
        self.inspect_button.setEnabled(image is not None)
        self.play_button.setEnabled(image is not None)

    def set_row(self, row: int) -> None:
        """Move to a row without emitting row_changed."""
        self.slider.blockSignals(True)
        self.slider.setValue(int(row) + 1)
        self.slider.blockSignals(False)
        self.row_label.setText(f"row {int(row) + 1} / {ROWS}")

    def pause(self) -> None:
        self._timer.stop()
        self.play_button.setChecked(False)
        self.play_button.setText("Play")
        self.play_button.setIcon(self.style().standardIcon(QStyle.SP_MediaPlay))

    def _on_play(self, checked: bool) -> None:
        if not checked:
            self.pause()
            return
        if self.row >= LAST:
            self.slider.setValue(1)
        self.play_button.setText("Pause")
        self.play_button.setIcon(self.style().standardIcon(QStyle.SP_MediaPause))
        self._timer.start()

    def _tick(self) -> None:
        if self.row >= LAST or not self.isVisible():
            self.pause()
            return
        self.slider.setValue(self.slider.value() + 1)

    def _on_slider(self, value: int) -> None:
        self.row_label.setText(f"row {value} / {ROWS}")
        self.row_changed.emit(value - 1)


# --- the tab ------------------------------------------------------------------------------------


class EvaluateTab(QWidget):
    """See the module's docstring. Signals:

    inspect_requested(image, caption): a (28, 28) float32 image in [0, 1] and a caption such as
        "test digit #1234: true 4, predicted 9 (87%)", to open in Draw & Inspect.
    evaluation_finished(Evaluation): the test set has been evaluated for the current model.
    robustness_finished(dict): {perturbation key: RobustnessCurve} for the current model.
    status_message(str): a one-line message for the window's status bar.
    """

    inspect_requested = Signal(object, str)
    evaluation_finished = Signal(object)
    robustness_finished = Signal(object)
    status_message = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        data_dir=None,
        auto_evaluate: bool = True,
        robustness_size: int = DEFAULT_ROBUSTNESS_SIZE,
        perturbations: Sequence[Perturbation] = PERTURBATIONS,
        data_loader: Callable[[QWidget, Callable[[MNIST], None], Callable[[str], None]], object] | None = None,
    ):
        """data_dir: the MNIST folder (default: what data_dialog.ensure_mnist picks: $MNIST_DIR,
        the remembered folder, or the user data folder). auto_evaluate: evaluate as soon as the
        tab is shown with a model whose results are not known yet (else only start_evaluation()
        does). robustness_size and perturbations: the robustness check's subset and curves.
        data_loader(parent, on_ready, on_give_up): replaces data_dialog.ensure_mnist (tests)."""
        super().__init__(parent)
        self.data_dir = data_dir
        self.auto_evaluate = auto_evaluate
        self.perturbations = tuple(perturbations)
        self._data_loader = data_loader
        self._loaded: LoadedModel | None = None
        self._tracer: Tracer | None = None
        self._version = 0  # bumped by every set_model: results of older versions are dropped
        self._data: MNIST | None = None
        self._data_request = None
        self._data_waiters: list[Callable[[], None]] = []
        self._result: TestSetResult | None = None
        self._eval_job: int | None = None
        self._train_probs: np.ndarray | None = None
        self._train_job: int | None = None
        self._robust_curves: dict[str, RobustnessCurve] | None = None
        self._robust_job: int | None = None
        self._robust_indices: np.ndarray | None = None
        self._current: CurrentDigit | None = None
        self._pending_trace: tuple[Trace | None, int | None] | None = None  # show_trace while hidden
        self._row = LAST
        self._last_request: tuple[np.ndarray, str, tuple | None] | None = None  # the last digit sent to inspect
        self._cell: tuple[int, int] | None = None
        self._browse_indices = np.zeros(0, np.int64)
        self.last_error = ""
        self.runner = JobRunner(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

        self._build(robustness_size)
        self._show_no_result()

    # --- public API -----------------------------------------------------------------------------

    @property
    def model(self) -> LoadedModel | None:
        return self._loaded

    @property
    def evaluation(self) -> Evaluation | None:
        """The current model's evaluation on the test set, once done."""
        return None if self._result is None else self._result.evaluation

    @property
    def test_result(self) -> TestSetResult | None:
        return self._result

    @property
    def robustness_curves(self) -> dict[str, RobustnessCurve] | None:
        return self._robust_curves

    @property
    def data(self) -> MNIST | None:
        return self._data

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def set_model(self, loaded: LoadedModel | None) -> None:
        """Use this model from now on: everything computed for the previous one is dropped and the
        test set is evaluated again (at once if the tab is on screen, else when it is shown)."""
        self.runner.cancel_all()
        self._eval_job = self._train_job = self._robust_job = None
        self._version += 1
        self._loaded = loaded
        self._tracer = None if loaded is None else Tracer(loaded.model)
        self._result = None
        self._train_probs = None
        self._robust_curves = None
        self.progress.setVisible(False)
        self._show_no_result()
        if self._current is not None:
            if self._tracer is not None:
                source = self._current.source
                caption = self._digit_caption(*source) if source is not None else self._current.caption
                self._set_current(self._current.image, caption, source=source)
            else:
                self._current = None
                self._refresh_current()
        if loaded is not None and self.auto_evaluate and self.isVisible():
            self.start_evaluation()

    def set_data(self, mnist: MNIST) -> None:
        """Use these MNIST arrays (instead of loading them)."""
        self._data = mnist
        waiters, self._data_waiters = self._data_waiters, []
        for fn in waiters:
            fn()

    def start_evaluation(self) -> None:
        """Evaluate the current model on the test set in the background (no-op if under way or done)."""
        if self._loaded is None:
            self._set_status("No model is loaded: load one (File › Load model…) to evaluate it.")
            return
        if self._result is not None or self._eval_job is not None:
            return
        if self._data is None:
            self._need_data(self.start_evaluation)
            return
        version, model, data = self._version, self._loaded.model, self._data
        self._set_busy(f"Evaluating {self._loaded.name} on the {len(data.test_labels):,} test digits…", 0)
        self._eval_job = self.runner.submit(
            lambda report, stop: _evaluate_test_set(model, data.test_images, data.test_labels, report, stop),
            on_done=lambda r: self._on_evaluated(version, r),
            on_progress=lambda f: self._on_progress(version, f),
            on_error=lambda m: self._on_job_error(version, "evaluate", m),
        )

    def select_cell(self, true: int, predicted: int) -> None:
        """List the test digits of one confusion-matrix cell (as a click on it does)."""
        self._cell = (int(true), int(predicted))
        self.matrix.select(self._cell)
        result = self._result
        if result is None:
            self.cell_grid.set_digits(None, [])
            self.cell_box.setTitle("Digits in the selected cell")
            return
        ev = result.evaluation
        idx = np.flatnonzero((ev.labels == true) & (ev.predictions == predicted))
        # Least sure first: on the diagonal those are the near-misses, off it the odd ones.
        idx = idx[np.argsort(ev.confidences[idx], kind="stable")]
        if true != predicted:
            idx = idx[::-1]  # for mistakes, the most confident (the most worrying) first
        grid_text = self._test_text(short=True)
        self.cell_grid.set_digits(self._data.test_images, idx, grid_text, self._test_tooltip, self._test_mistake)
        kind = "read correctly" if true == predicted else "mistaken"
        self.cell_box.setTitle(f"True {true}, predicted {predicted}: {len(idx):,} test digits {kind}")
        order = "least sure first" if true == predicted else "most confident first"
        self.cell_hint.setText(
            f"{len(idx):,} digits, {order}. Click one to explain it on the map and saliency pages; "
            "double-click (or Inspect) to watch the network read it."
            if len(idx) else "No test digit landed in this cell."
        )
        if len(idx):
            self.cell_grid.select_row(0)

    def show_trace(self, trace: Trace | None, row: int | None = None) -> None:
        """Follow the Draw & Inspect tab: its current trace and row (0-based; None: the last row).

        The map draws that digit's path up to the row and the saliency explains its answer at the
        row. Call it whenever the inspector's trace or row changes; a None trace (empty canvas)
        keeps the digit shown. While the tab is hidden it only remembers the latest call (the
        inspector calls this on every stroke and row) and catches up when shown.
        """
        if not self.isVisible():
            if trace is not None or self._pending_trace is None:
                self._pending_trace = (trace, row)
            else:
                self._pending_trace = (self._pending_trace[0], row)
            return
        if trace is None:
            if row is not None and self._current is not None:
                self._set_row(int(row))
            return
        current = self._current
        if current is None or current.trace is not trace:
            caption, source = "Your drawing on Draw & Inspect", None
            request = self._last_request
            if request is not None and request[0].shape == trace.image.shape and np.allclose(request[0], trace.image, atol=1e-6):
                caption, source = request[1], request[2]  # the digit this tab sent to be inspected
            self._set_current(trace.image, caption, trace=trace, source=source)
        self._set_row(LAST if row is None else int(row))

    def show_digit(self, index: int, dataset: str = "test") -> None:
        """Make a digit of the test (or "train") set the current one, for the map and saliency."""
        images, labels = self._dataset(dataset)
        if images is None:
            return
        self._set_current(images[index].astype(np.float32) / 255.0, self._digit_caption(dataset, int(index)),
                          source=(dataset, int(index)))  # fmt: skip

    def request_inspect(self, index: int, dataset: str = "test") -> None:
        """Emit inspect_requested for a digit of the test (or "train") set."""
        images, _ = self._dataset(dataset)
        if images is None:
            return
        image = images[index].astype(np.float32) / 255.0
        caption = self._digit_caption(dataset, int(index))
        self._last_request = (image, caption, (dataset, int(index)))
        self.inspect_requested.emit(image, caption)

    def current_digit(self) -> CurrentDigit | None:
        return self._current

    def current_saliency(self) -> analysis.RowSaliency | None:
        """The current digit's saliency at every row, computed now if it is not yet."""
        self._ensure_saliency()
        return None if self._current is None else self._current.saliency

    def run_robustness(self, size: int | None = None) -> None:
        """Start the robustness check on `size` test digits (default: the size chosen in the page)."""
        if self._loaded is None:
            return
        if size is not None:
            i = self.robust_size.findData(int(size))
            if i < 0:
                self.robust_size.addItem(f"{int(size):,} test digits", int(size))
                i = self.robust_size.count() - 1
            self.robust_size.setCurrentIndex(i)
        if self._data is None:
            self._need_data(self.run_robustness)
            return
        self.runner.cancel(self._robust_job)
        n = int(self.robust_size.currentData())
        data, model, version = self._data, self._loaded.model, self._version
        idx = analysis.robustness_subset(data.test_labels, n)
        self._robust_indices = idx
        self._robust_curves = None
        for plot in self.robust_plots.values():
            plot.clear_curves()
        self._update_robust_examples()
        perturbations = self.perturbations
        self.robust_button.setText("Stop")
        self.robust_progress.setValue(0)
        self.robust_progress.setVisible(True)
        self.robust_status.setText(f"Measuring on {len(idx):,} test digits…")
        for group, box in self.robust_boxes.items():
            box.setTitle(f"{dict(ROBUSTNESS_GROUPS)[group]}: accuracy on {len(idx):,} test digits (a fixed random sample)")

        def work(report, stop):
            def progress(done, total, curve):
                report((done, total, curve.perturbation.key, curve.levels.copy(), curve.accuracy.copy()))

            return analysis.robustness(model, data.test_images[idx], data.test_labels[idx], perturbations,
                                       progress=progress, should_stop=stop)  # fmt: skip

        self._robust_job = self.runner.submit(
            work,
            on_done=lambda curves: self._on_robustness(version, curves),
            on_progress=lambda p: self._on_robust_progress(version, p),
            on_error=lambda m: self._on_job_error(version, "robustness", m),
        )

    def stop_robustness(self) -> None:
        self.runner.cancel(self._robust_job)
        self._robust_job = None
        self.robust_button.setText("Run check")
        self.robust_progress.setVisible(False)
        self.robust_status.setText("Stopped. Run the check again to finish the curves.")

    def shutdown(self) -> None:
        """Stop the background work and wait for it (at most one batch); call before closing."""
        self.player_map.pause()
        self.player_saliency.pause()
        request, self._data_request = self._data_request, None
        if request is not None and hasattr(request, "cancel") and getattr(request, "active", False):
            request.cancel()
        self.runner.shutdown(wait=True)

    # --- building -------------------------------------------------------------------------------

    def _build(self, robustness_size: int) -> None:
        # Header: the accuracy, what it means, progress, and the button that starts it all.
        self.accuracy_label = QLabel("–")
        self.accuracy_label.setObjectName("accuracy")
        self.accuracy_label.setFont(theme.big_font(26))
        self.accuracy_label.setToolTip("Accuracy: the share of the 10,000 MNIST test digits the model reads correctly.")
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        self.summary_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.summary_label.setToolTip("What was measured, on which model, and how long it took.")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.progress.setToolTip("Work under way in the background; the window stays usable.")
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setToolTip("Measure the current model on the 10,000 MNIST test digits (about two seconds).")
        self.evaluate_button.clicked.connect(self.start_evaluation)
        header = QHBoxLayout()
        header.setSpacing(12)
        header.addWidget(self.accuracy_label)
        header.addWidget(self.summary_label, 1)
        header.addWidget(self.progress)
        header.addWidget(self.evaluate_button)

        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(self._build_matrix_page(), "Confusion matrix")
        self.pages.addTab(self._build_mistakes_page(), "Mistakes")
        self.pages.addTab(self._build_browse_page(), "Browse digits")
        self.pages.addTab(self._build_map_page(), "Hidden-state map")
        self.pages.addTab(self._build_saliency_page(), "Saliency")
        self.pages.addTab(self._build_robustness_page(robustness_size), "Robustness")
        tips = (
            "Which digits the model confuses with which, and its precision and recall per digit.",
            "Every test digit the model gets wrong, the most confident mistakes first.",
            "All training or test digits, filtered by label, prediction and confidence.",
            "Where the network's memory puts each test digit, and the path of the current one.",
            "Which rows and pixels drove the answer for the current digit.",
            "Accuracy as the test digits are shifted, rotated, thickened or noised.",
        )
        for i, tip in enumerate(tips):
            self.pages.setTabToolTip(i, tip)
        self.pages.currentChanged.connect(self._on_page_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)

    def _build_matrix_page(self) -> QWidget:
        page = QWidget()
        self.matrix_caption = _caption(
            "Rows are the true digit, columns the network's answer: the diagonal counts the digits read "
            "correctly and every other cell is one kind of mistake (colours on a log scale, so a single "
            "mistake shows). Click a cell to see its digits."
        )
        self.matrix = ConfusionMatrixView()
        self.matrix.cell_clicked.connect(self.select_cell)
        matrix_box, matrix_layout = group_box("Confusion matrix (test set)", self.matrix.toolTip())
        matrix_layout.addWidget(self.matrix)

        self.table = QTableWidget(CLASSES, 5)
        self.table.setHorizontalHeaderLabels(["digit", "test digits", "correct", "precision", "recall"])
        header_tips = (
            "The digit.",
            "How many test digits have this label.",
            "How many of them the model reads correctly.",
            "Precision: of all the digits the model calls this, the share that really are.",
            "Recall: of all the digits that really are this, the share the model finds.",
        )
        for c, tip in enumerate(header_tips):
            self.table.horizontalHeaderItem(c).setToolTip(tip)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(21)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.setFocusPolicy(Qt.NoFocus)
        self.table.setToolTip(
            "Per digit: precision (of the digits called this, how many are) and recall (of the digits\n"
            "that are this, how many the model finds). The lowest of each is marked in red."
        )
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.table.setFixedHeight(21 * CLASSES + self.table.horizontalHeader().sizeHint().height() + 8)
        self.table.setStyleSheet(f"QTableWidget {{ background: {theme.PANEL}; gridline-color: {theme.RAISED}; border: none; }}"
                                 f"QHeaderView::section {{ background: {theme.RAISED}; color: {theme.TEXT}; border: none; padding: 3px; }}")  # fmt: skip
        table_box, table_layout = group_box("Precision and recall per digit", self.table.toolTip())
        table_layout.addWidget(self.table)

        self.cell_grid = DigitGrid()
        self.cell_grid.setToolTip("The test digits in the selected cell. Click one to explain it on the map and\n"
                                  "saliency pages; double-click it to watch the network read it.")  # fmt: skip
        self.cell_grid.digit_selected.connect(lambda i: self.show_digit(i, "test"))
        self.cell_grid.digit_activated.connect(lambda i: self.request_inspect(i, "test"))
        self.cell_hint = _muted("Click a cell of the matrix to list its digits here.")
        self.cell_hint.setWordWrap(True)
        self.cell_inspect = QPushButton("Inspect")
        self.cell_inspect.setToolTip("Open the selected digit in Draw & Inspect and watch the network read it.")
        self.cell_inspect.clicked.connect(lambda: self._inspect_selected(self.cell_grid, "test"))
        cell_box, cell_layout = group_box("Digits in the selected cell", self.cell_grid.toolTip())
        self.cell_box = cell_box
        cell_layout.addWidget(self.cell_grid, 1)
        row = QHBoxLayout()
        row.addWidget(self.cell_hint, 1)
        row.addWidget(self.cell_inspect)
        cell_layout.addLayout(row)

        right = QVBoxLayout()
        right.setSpacing(8)
        right.addWidget(table_box)
        right.addWidget(cell_box, 1)
        body = QHBoxLayout()
        body.setSpacing(10)
        body.addWidget(matrix_box, 11)
        body.addLayout(right, 10)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(self.matrix_caption)
        layout.addLayout(body, 1)
        return page

    def _build_mistakes_page(self) -> QWidget:
        page = QWidget()
        self.mistakes_caption = _caption(
            "Every test digit the model reads wrongly, labelled true → predicted and how sure the model was "
            "(hover one for details). A confident mistake is often a badly written digit, an unsure one a "
            "near miss. Click one to explain it on the map and saliency pages; double-click to watch it read."
        )
        self.mistakes_order = _combo(["Most confident first", "Least confident first"],
                                     "Order the mistakes by the model's confidence in its wrong answer.")  # fmt: skip
        self.mistakes_order.currentIndexChanged.connect(lambda _: self._fill_mistakes())
        self.mistakes_count = _muted("")
        self.mistakes_inspect = QPushButton("Inspect")
        self.mistakes_inspect.setToolTip("Open the selected mistake in Draw & Inspect and watch the network read it.")
        self.mistakes_grid = DigitGrid(thumb=84)  # a few dozen digits: show them larger
        self.mistakes_grid.setToolTip("The test digits the model gets wrong: true → predicted, and its confidence.\n"
                                      "Click one to explain it on the map and saliency pages; double-click\n"
                                      "it to watch the network read it.")  # fmt: skip
        self.mistakes_grid.digit_selected.connect(lambda i: self.show_digit(i, "test"))
        self.mistakes_grid.digit_activated.connect(lambda i: self.request_inspect(i, "test"))
        self.mistakes_inspect.clicked.connect(lambda: self._inspect_selected(self.mistakes_grid, "test"))
        bar = QHBoxLayout()
        bar.addWidget(_muted("Order"))
        bar.addWidget(self.mistakes_order)
        bar.addWidget(self.mistakes_count, 1)
        bar.addWidget(self.mistakes_inspect)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(self.mistakes_caption)
        layout.addLayout(bar)
        layout.addWidget(self.mistakes_grid, 1)
        return page

    def _build_browse_page(self) -> QWidget:
        page = QWidget()
        self.browse_caption = _caption(
            "Any MNIST digit, filtered by its label, the model's answer and how sure it is. Red captions "
            "are mistakes. Click a digit to explain it; double-click to watch the network read it."
        )
        self.browse_set = _combo(["Test set (10,000)", "Training set (60,000)"],
                                 "Which MNIST digits to browse. The model's answers on the training set are\n"
                                 "computed the first time you pick it (a few seconds).")  # fmt: skip
        self.browse_label = _combo(["any"] + [str(d) for d in range(CLASSES)], "Show only digits with this true label.")
        self.browse_pred = _combo(["any"] + [str(d) for d in range(CLASSES)], "Show only digits the model reads as this.")
        self.browse_mistakes = QCheckBox("mistakes only")
        self.browse_mistakes.setToolTip("Show only the digits the model gets wrong.")
        self.conf_min = QDoubleSpinBox()
        self.conf_max = QDoubleSpinBox()
        for spin, value in ((self.conf_min, 0.0), (self.conf_max, 100.0)):
            spin.setRange(0.0, 100.0)
            spin.setDecimals(1)
            spin.setSingleStep(5.0)
            spin.setSuffix(" %")
            spin.setValue(value)
            spin.setToolTip("Show only digits whose answer the model gives with a confidence in this range.")
        for w in (self.browse_set, self.browse_label, self.browse_pred):
            w.currentIndexChanged.connect(lambda _: self._fill_browse())
        self.browse_mistakes.toggled.connect(lambda _: self._fill_browse())
        self.conf_min.valueChanged.connect(lambda _: self._fill_browse())
        self.conf_max.valueChanged.connect(lambda _: self._fill_browse())
        self.browse_count = _muted("")
        self.browse_inspect = QPushButton("Inspect")
        self.browse_inspect.setToolTip("Open the selected digit in Draw & Inspect and watch the network read it.")
        self.browse_grid = DigitGrid()
        self.browse_grid.setToolTip("Digits with the model's answer and confidence. Red: a mistake (true → answer).\n"
                                    "Click one to explain it; double-click to watch the network read it.")  # fmt: skip
        self.browse_grid.digit_selected.connect(lambda i: self.show_digit(i, self._browse_dataset()))
        self.browse_grid.digit_activated.connect(lambda i: self.request_inspect(i, self._browse_dataset()))
        self.browse_inspect.clicked.connect(lambda: self._inspect_selected(self.browse_grid, self._browse_dataset()))
        bar = QHBoxLayout()
        bar.setSpacing(6)
        for w in (_muted("Digits"), self.browse_set, _muted("  label"), self.browse_label, _muted("  answer"),
                  self.browse_pred, _muted("  confidence"), self.conf_min, _muted("to"), self.conf_max,
                  self.browse_mistakes):  # fmt: skip
            bar.addWidget(w)
        bar.addWidget(self.browse_count, 1)
        bar.addWidget(self.browse_inspect)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(self.browse_caption)
        layout.addLayout(bar)
        layout.addWidget(self.browse_grid, 1)
        return page

    def _build_map_page(self) -> QWidget:
        page = QWidget()
        self.map_caption = _caption(
            "Each dot is one test digit: the network's memory after reading all 28 rows (its final hidden "
            "state, 128 numbers), flattened to two dimensions by PCA and coloured by the true digit."
        )
        self.player_map = DigitPlayer()
        self.player_map.row_changed.connect(self._set_row)
        self.player_map.inspect_clicked.connect(self._inspect_current)
        self.map = HiddenStateMap()
        self.map.set_tip(lambda i: self._test_tooltip(i))
        self.map.point_clicked.connect(lambda i: self.show_digit(i, "test"))
        self.map_row_caption = _muted("")
        self.map_row_caption.setWordWrap(True)
        box, box_layout = group_box("Final hidden states of the test set (PCA)", self.map.toolTip())
        box_layout.addWidget(self.map, 1)
        box_layout.addWidget(self.map_row_caption)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(self.map_caption)
        layout.addWidget(self.player_map)
        layout.addWidget(box, 1)
        return page

    def _build_saliency_page(self) -> QWidget:
        page = QWidget()
        self.saliency_caption = _caption(
            "Which pixels drove the answer: the gradient of the chosen digit's score (its logit) with "
            "respect to every input pixel, back-propagated through the rows read so far. Bright pixels "
            "are the ones where a little more or less ink would change the score most."
        )
        self.player_saliency = DigitPlayer()
        self.player_saliency.row_changed.connect(self._set_row)
        self.player_saliency.inspect_clicked.connect(self._inspect_current)
        self.saliency_target = _combo(["the answer at this row"] + [f"digit {d}" for d in range(CLASSES)],
                                      "Whose score to explain: the digit the network leans to at the current row,\n"
                                      "or any digit you choose (why is it not a 9?).")  # fmt: skip
        self.saliency_target.currentIndexChanged.connect(lambda _: self._on_saliency_target())
        self.saliency_view = SaliencyView()
        self.saliency_row_caption = _muted("")
        self.saliency_row_caption.setWordWrap(True)
        options = QHBoxLayout()
        options.addWidget(_muted("Explain the score of"))
        options.addWidget(self.saliency_target)
        options.addStretch(1)
        box, box_layout = group_box("Saliency over the network's input, and per row", self.saliency_view.toolTip())
        box_layout.addLayout(options)
        box_layout.addWidget(self.saliency_view, 1)
        box_layout.addWidget(self.saliency_row_caption)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(self.saliency_caption)
        layout.addWidget(self.player_saliency)
        layout.addWidget(box, 1)
        return page

    def _build_robustness_page(self, robustness_size: int) -> QWidget:
        page = QWidget()
        self.robust_caption = _caption(
            "How accuracy holds up as the test digits are spoiled: moved, turned, drawn thicker or thinner, "
            "or covered in noise. Where a curve falls is where the model breaks. The dashed line is the "
            "accuracy on the untouched digits."
        )
        self.robust_size = QComboBox()
        for n in ROBUSTNESS_SIZES:
            self.robust_size.addItem(f"{n:,} test digits", n)
        i = self.robust_size.findData(int(robustness_size))
        if i < 0:
            self.robust_size.addItem(f"{int(robustness_size):,} test digits", int(robustness_size))
            i = self.robust_size.count() - 1
        self.robust_size.setCurrentIndex(i)
        self.robust_size.setToolTip("How many test digits (a fixed random sample) to measure on: more is more\n"
                                    "precise but slower (2,000 take some seconds).")  # fmt: skip
        self.robust_button = QPushButton("Run check")
        self.robust_button.setToolTip("Measure the accuracy at every level of every perturbation (in the background).")
        self.robust_button.clicked.connect(self._on_robust_button)
        self.robust_progress = QProgressBar()
        self.robust_progress.setRange(0, 100)
        self.robust_progress.setMaximumWidth(220)
        self.robust_progress.setVisible(False)
        self.robust_progress.setToolTip("Levels measured so far.")
        self.robust_status = _muted("")
        bar = QHBoxLayout()
        bar.addWidget(_muted("Measure on"))
        bar.addWidget(self.robust_size)
        bar.addWidget(self.robust_button)
        bar.addWidget(self.robust_progress)
        bar.addWidget(self.robust_status, 1)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.robust_plots: dict[str, RobustnessPlot] = {}
        self.robust_examples: dict[str, QLabel] = {}
        self.robust_boxes: dict[str, QGroupBox] = {}
        tips = {
            "shift": "Every digit moved sideways (amber) or up and down (blue) by whole pixels; what\n"
                     "leaves the 28×28 frame is lost. MNIST digits are centred, so the network never saw this.",
            "rotate": "Every digit turned about the centre of the image.",
            "thicken": "Strokes made thicker (a 3×3 max-pool spreads the ink by a pixel each side, fractions\n"
                       "blend) or thinner (a 3×3 min-pool).",
            "noise": "Gaussian noise added to every pixel (ink runs from 0 to 1), then clipped to 0–1.",
        }  # fmt: skip
        for k, (group, title) in enumerate(ROBUSTNESS_GROUPS):
            members = [p for p in self.perturbations if p.group == group]
            if not members:
                continue
            plot = RobustnessPlot("", members[0].unit)
            plot.setToolTip(tips.get(group, ""))
            example = QLabel()
            example.setAlignment(Qt.AlignCenter)
            example.setToolTip("One test digit at each level, left to right, as the network gets it.")
            box, box_layout = group_box(title, tips.get(group, ""))
            box_layout.addWidget(plot, 1)
            box_layout.addWidget(example)
            self.robust_plots[group] = plot
            self.robust_examples[group] = example
            self.robust_boxes[group] = box
            grid.addWidget(box, k // 2, k % 2)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(self.robust_caption)
        layout.addLayout(bar)
        layout.addLayout(grid, 1)
        return page

    # --- data ---------------------------------------------------------------------------------

    def _need_data(self, then: Callable[[], None]) -> None:
        if then not in self._data_waiters:
            self._data_waiters.append(then)
        if self._data_request is not None and getattr(self._data_request, "active", True):
            return
        self._set_busy("Loading MNIST…", None)
        loader = self._data_loader
        if loader is None:
            from .data_dialog import ensure_mnist

            def loader(parent, on_ready, on_give_up):
                return ensure_mnist(parent, on_ready, on_give_up=on_give_up, data_dir=self.data_dir)

        self._data_request = loader(self, self._on_data, self._on_no_data)

    def _on_data(self, mnist: MNIST) -> None:
        self._data_request = None
        self.progress.setVisible(False)
        self.set_data(mnist)

    def _on_no_data(self, reason: str) -> None:
        self._data_request = None
        self._data_waiters = []
        self.progress.setVisible(False)
        self.last_error = reason
        text = f"MNIST is not available: {reason}" if reason else "MNIST is needed to evaluate the model."
        self._set_status(text + " Press Evaluate to try again.")

    def _dataset(self, dataset: str) -> tuple[np.ndarray | None, np.ndarray | None]:
        if self._data is None:
            return None, None
        if dataset == "train":
            return self._data.train_images, self._data.train_labels
        return self._data.test_images, self._data.test_labels

    # --- job results --------------------------------------------------------------------------

    def _on_progress(self, version: int, fraction: float) -> None:
        if version == self._version:
            self.progress.setVisible(True)
            self.progress.setRange(0, 100)
            self.progress.setValue(int(round(fraction * 100)))

    def _on_job_error(self, version: int, what: str, message: str) -> None:
        if version != self._version:
            return
        self.last_error = message
        if what == "evaluate":
            self._eval_job = None
            self.progress.setVisible(False)
            self._set_status(f"Evaluation failed: {message}")
        elif what == "robustness":
            self._robust_job = None
            self.robust_button.setText("Run check")
            self.robust_progress.setVisible(False)
            self.robust_status.setText(f"The check failed: {message}")
        elif what == "train":
            self._train_job = None
            self.progress.setVisible(False)
            self._set_status(f"Reading the training set failed: {message}")

    def _on_evaluated(self, version: int, result: TestSetResult) -> None:
        if version != self._version:
            return
        self._eval_job = None
        self._result = result
        ev = result.evaluation
        self.progress.setVisible(False)
        m = ev.confusion
        loaded = self._loaded
        self.accuracy_label.setText(f"{ev.accuracy:.2%}")
        self._on_evaluated_summary()
        self.evaluate_button.setVisible(False)
        self.matrix.set_confusion(m)
        self._fill_table(ev)
        off = m.copy()
        np.fill_diagonal(off, -1)
        t, p = np.unravel_index(int(off.argmax()), off.shape)
        # Open the most common mistake's cell, without making its first digit the current one:
        # that stays the digit from Draw & Inspect, or one the user picked.
        self.cell_grid.blockSignals(True)
        self.select_cell(int(t), int(p)) if off.max() > 0 else self.select_cell(0, 0)
        self.cell_grid.blockSignals(False)
        self._fill_mistakes()
        self._fill_browse()
        self.map.set_points(result.points, ev.labels)
        self.map.set_axis_labels(result.pca.explained_ratio)
        if self._current is None:
            self.show_digit(0, "test")
        else:
            self._update_path()
        self._refresh_current()
        self.status_message.emit(f"Evaluated {loaded.name}: {ev.accuracy:.2%} on the test set ({result.seconds:.1f} s)")
        self.evaluation_finished.emit(ev)
        if self.pages.currentIndex() == PAGE_ROBUSTNESS and self.isVisible():
            self._maybe_start_robustness()

    def _on_robust_progress(self, version: int, payload) -> None:
        if version != self._version:
            return
        done, total, key, levels, accuracy = payload
        self.robust_progress.setValue(int(round(100 * done / total)))
        p = analysis.PERTURBATIONS_BY_KEY.get(key) or next(q for q in self.perturbations if q.key == key)
        plot = self.robust_plots.get(p.group)
        if plot is not None:
            plot.set_curve(key, p.name, levels, accuracy)
            zero = np.flatnonzero(levels == 0)
            if len(zero) and np.isfinite(accuracy[zero[0]]):
                for other in self.robust_plots.values():
                    other.set_baseline(float(accuracy[zero[0]]))

    def _on_robustness(self, version: int, curves: dict[str, RobustnessCurve]) -> None:
        if version != self._version:
            return
        self._robust_job = None
        self._robust_curves = curves
        for key, curve in curves.items():
            plot = self.robust_plots.get(curve.perturbation.group)
            if plot is not None:
                plot.set_curve(key, curve.perturbation.name, curve.levels, curve.accuracy)
        n = len(self._robust_indices) if self._robust_indices is not None else 0
        plain = next((float(c.accuracy[c.levels == 0][0]) for c in curves.values() if (c.levels == 0).any()), None)
        for plot in self.robust_plots.values():
            plot.set_baseline(plain)
        self.robust_button.setText("Run again")
        self.robust_progress.setVisible(False)
        worst = min(curves.values(), key=lambda c: float(np.nanmin(c.accuracy)))
        level = float(worst.levels[np.nanargmin(worst.accuracy)])
        self.robust_status.setText(
            f"Done on {n:,} test digits: {plain:.1%} read correctly untouched; the lowest point is "
            f"{worst.perturbation.name.split(' (')[0]} at {describe_level(worst.perturbation, level)} "
            f"({np.nanmin(worst.accuracy):.0%} correct)."
            if plain is not None else f"Done on {n:,} test digits."
        )
        self.robustness_finished.emit(curves)

    def _on_train_predictions(self, version: int, probs: np.ndarray) -> None:
        if version != self._version:
            return
        self._train_job = None
        self._train_probs = probs
        self.progress.setVisible(False)
        self._set_status_after_eval()
        self._fill_browse()

    # --- filling the views --------------------------------------------------------------------

    def _fill_table(self, ev: Evaluation) -> None:
        m = ev.confusion
        precision, recall = ev.precision, ev.recall
        worst_p, worst_r = int(np.argmin(precision)), int(np.argmin(recall))
        bad = QColor("#f87171")
        for d in range(CLASSES):
            values = (str(d), f"{m[d].sum():,}", f"{m[d, d]:,}", f"{precision[d]:.2%}", f"{recall[d]:.2%}")
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignCenter)
                if (c == 3 and d == worst_p) or (c == 4 and d == worst_r):
                    item.setForeground(bad)
                    item.setToolTip("The lowest in this column.")
                self.table.setItem(d, c, item)

    def _test_text(self, short: bool = False) -> Callable[[int], str]:
        ev = self._result.evaluation
        labels, preds, conf = ev.labels, ev.predictions, ev.confidences

        def text(i: int) -> str:
            if labels[i] != preds[i]:
                return f"{labels[i]}→{preds[i]} {short_percent(float(conf[i]))}"
            return f"{short_percent(float(conf[i]))}" if short else f"{preds[i]} {short_percent(float(conf[i]))}"

        return text

    def _test_tooltip(self, i: int) -> str:
        return self._digit_caption("test", int(i))

    def _test_mistake(self, i: int) -> bool:
        ev = self._result.evaluation
        return bool(ev.labels[i] != ev.predictions[i])

    def _digit_caption(self, dataset: str, i: int) -> str:
        name = "training digit" if dataset == "train" else "test digit"
        _, labels = self._dataset(dataset)
        probs = self._probabilities(dataset)
        if probs is None:
            if self._tracer is not None and self._data is not None:
                images, _ = self._dataset(dataset)
                p = self._tracer(images[i].astype(np.float32) / 255.0).probabilities[-1]
            else:
                return f"{name} #{i}: true {int(labels[i])}" if labels is not None else f"{name} #{i}"
        else:
            p = probs[i]
        pred = int(np.argmax(p))
        return f"{name} #{i}: true {int(labels[i])}, predicted {pred} ({percent(float(p[pred]))})"

    def _probabilities(self, dataset: str) -> np.ndarray | None:
        if dataset == "train":
            return self._train_probs
        return None if self._result is None else self._result.evaluation.probabilities

    def _fill_mistakes(self) -> None:
        result = self._result
        if result is None:
            self.mistakes_grid.set_digits(None, [])
            self.mistakes_count.setText("")
            return
        ev = result.evaluation
        wrong = np.flatnonzero(ev.predictions != ev.labels)
        order = np.argsort(-ev.confidences[wrong], kind="stable")
        if self.mistakes_order.currentIndex() == 1:
            order = order[::-1]
        wrong = wrong[order]
        self.mistakes_grid.set_digits(self._data.test_images, wrong, self._test_text(), self._test_tooltip,
                                      self._test_mistake)  # fmt: skip
        self.mistakes_count.setText(f"  {len(wrong):,} mistakes out of {len(ev.labels):,} test digits")

    def _browse_dataset(self) -> str:
        return "train" if self.browse_set.currentIndex() == 1 else "test"

    def _fill_browse(self) -> None:
        dataset = self._browse_dataset()
        images, labels = self._dataset(dataset)
        if images is None:
            self.browse_grid.set_digits(None, [])
            self.browse_count.setText("")
            return
        probs = self._probabilities(dataset)
        if probs is None and dataset == "train" and self._loaded is not None and self._train_job is None:
            self._start_train_predictions()
        keep = np.ones(len(labels), bool)
        label = self.browse_label.currentIndex() - 1
        if label >= 0:
            keep &= labels == label
        has_probs = probs is not None
        for w in (self.browse_pred, self.conf_min, self.conf_max, self.browse_mistakes):
            w.setEnabled(has_probs)
        if has_probs:
            preds = probs.argmax(axis=1)
            conf = probs.max(axis=1)
            pred = self.browse_pred.currentIndex() - 1
            if pred >= 0:
                keep &= preds == pred
            lo, hi = self.conf_min.value() / 100.0, self.conf_max.value() / 100.0
            keep &= (conf >= lo - 1e-9) & (conf <= hi + 1e-9)
            if self.browse_mistakes.isChecked():
                keep &= preds != labels

            def text(i: int) -> str:
                if preds[i] != labels[i]:
                    return f"{labels[i]}→{preds[i]} {short_percent(float(conf[i]))}"
                return f"{preds[i]} {short_percent(float(conf[i]))}"

            def mistake(i: int) -> bool:
                return bool(preds[i] != labels[i])
        else:

            def text(i: int) -> str:
                return f"label {labels[i]}"

            mistake = None
        idx = np.flatnonzero(keep)
        self._browse_indices = idx
        self.browse_grid.set_digits(images, idx, text, lambda i: self._digit_caption(dataset, int(i)), mistake)
        note = "" if has_probs else "  (the model's answers are being computed…)"
        self.browse_count.setText(f"  {len(idx):,} of {len(labels):,} digits{note}")

    def _start_train_predictions(self) -> None:
        data, model, version = self._data, self._loaded.model, self._version
        self._set_busy(f"Reading the {len(data.train_labels):,} training digits…", 0)
        self._train_job = self.runner.submit(
            lambda report, stop: _predict(model, data.train_images, report, stop),
            on_done=lambda probs: self._on_train_predictions(version, probs),
            on_progress=lambda f: self._on_progress(version, f),
            on_error=lambda m: self._on_job_error(version, "train", m),
        )

    # --- the current digit: map path and saliency ---------------------------------------------

    def _set_current(self, image: np.ndarray, caption: str, trace: Trace | None = None,
                     source: tuple[str, int] | None = None) -> None:  # fmt: skip
        image = np.asarray(image, dtype=np.float32)
        if trace is None:
            if self._tracer is None:
                return
            trace = self._tracer(image)
        self._current = CurrentDigit(image=image, caption=caption, trace=trace, source=source)
        self._update_path()
        for player in (self.player_map, self.player_saliency):
            player.set_digit(image, caption)
        self._refresh_current()

    def _update_path(self) -> None:
        current, result = self._current, self._result
        if current is None:
            self.map.set_path(None)
            return
        if result is not None:
            hidden = current.trace.layers[-1].h
            if hidden.shape[1] == result.pca.mean.shape[0]:
                current.path = result.pca.transform(hidden)
        self.map.set_path(current.path, self._row)

    def _set_row(self, row: int) -> None:
        self._row = int(np.clip(row, 0, LAST))
        for player in (self.player_map, self.player_saliency):
            player.set_row(self._row)
        self.map.set_row(self._row if self._current is not None and self._current.path is not None else None)
        self._refresh_captions()
        if self._current is not None and self._current.saliency is not None:
            self._show_saliency()
        elif self._saliency_visible():
            self._refresh_saliency()

    def _refresh_current(self) -> None:
        """Redraw the current digit's views (the saliency only when its page is on screen)."""
        if self._current is None:
            for player in (self.player_map, self.player_saliency):
                player.set_digit(None, "No digit yet: draw one on Draw & Inspect, or click any digit in this tab.")
            self.map.set_path(None)
            self.saliency_view.set_saliency(None, None, None)
        for player in (self.player_map, self.player_saliency):
            player.set_row(self._row)
        self.map.set_row(self._row if self._current is not None and self._current.path is not None else None)
        self._refresh_captions()
        if self._saliency_visible():
            self._refresh_saliency()

    def _saliency_visible(self) -> bool:
        return self.isVisible() and self.pages.currentIndex() == PAGE_SALIENCY

    def _ensure_saliency(self) -> None:
        current = self._current
        if current is None or self._loaded is None:
            return
        target = self.saliency_target.currentIndex() - 1
        target = None if target < 0 else target
        if current.saliency is None or current.saliency_target != target:
            current.saliency = analysis.saliency_by_row(self._loaded.model, current.image, target)
            current.saliency_target = target

    def _refresh_saliency(self) -> None:
        self._ensure_saliency()
        self._show_saliency()

    def _show_saliency(self) -> None:
        current = self._current
        if current is None or current.saliency is None:
            self.saliency_view.set_saliency(None if current is None else current.image, None, None)
            return
        s = current.saliency
        self.saliency_view.set_saliency(current.image, s.pixels[self._row], s.rows[self._row], self._row)
        target = int(s.targets[self._row])
        p = float(current.trace.probabilities[self._row, target])
        rows = s.rows[self._row]
        top = np.argsort(-rows)[:3] + 1
        which = "the answer at this row" if self.saliency_target.currentIndex() == 0 else f"digit {target}"
        self.saliency_row_caption.setText(
            f"After row {self._row + 1} of {ROWS}: explaining the score of {target} ({which}, probability "
            f"{percent(p)}). The rows that matter most: {', '.join(str(int(r)) for r in top)}."
        )

    def _refresh_captions(self) -> None:
        current = self._current
        if current is None:
            self.map_row_caption.setText("")
            self.saliency_row_caption.setText("")
            return
        row = self._row
        leader = current.trace.leader(row)
        p = float(current.trace.probabilities[row, leader])
        if current.path is None:
            self.map_row_caption.setText("The map appears once the test set has been evaluated.")
        else:
            self.map_row_caption.setText(
                f"Amber: the current digit's memory after each row, up to row {row + 1} of {ROWS} (it leans to "
                f"{leader}, {percent(p)}). It starts at the blank rows' spot and ends among the digits it is "
                "read as; the dashed line is the rest of its path."
            )

    def _on_saliency_target(self) -> None:
        if self._saliency_visible() or (self._current is not None and self._current.saliency is not None):
            self._refresh_saliency()

    def _inspect_current(self) -> None:
        current = self._current
        if current is None:
            return
        self._last_request = (current.image, current.caption, current.source)
        self.inspect_requested.emit(current.image.copy(), current.caption)

    def _inspect_selected(self, grid: DigitGrid, dataset: str) -> None:
        i = grid.current_digit()
        if i is not None:
            self.request_inspect(i, dataset)

    # --- robustness helpers ----------------------------------------------------------------------

    def _on_robust_button(self) -> None:
        if self._robust_job is not None:
            self.stop_robustness()
        else:
            self.run_robustness()

    def _maybe_start_robustness(self) -> None:
        if self._robust_curves is None and self._robust_job is None and self._loaded is not None:
            if self._result is not None or self._eval_job is None:
                self.run_robustness()

    def _update_robust_examples(self) -> None:
        """A strip of one test digit at every level of each plot's first perturbation."""
        if self._data is None or self._robust_indices is None or not len(self._robust_indices):
            return
        from .evaluate_views import mosaic

        sample = self._data.test_images[self._robust_indices[:1]]
        x = as_float_images(sample)
        gen = torch.Generator().manual_seed(0)
        for group, label in self.robust_examples.items():
            p = next(q for q in self.perturbations if q.group == group)
            frames = [p.apply(x, float(v), gen)[0].numpy() if v != 0 else x[0].numpy() for v in p.levels]
            label.setPixmap(QPixmap.fromImage(mosaic(np.stack(frames), columns=len(frames), scale=2, gap=4)))
            levels = ", ".join(f"{v:g}" for v in p.levels)
            label.setToolTip(f"One test digit, {p.name}, at {levels} {p.unit} (left to right).")

    # --- state ----------------------------------------------------------------------------------

    def _set_busy(self, text: str, fraction: float | None) -> None:
        self.progress.setVisible(True)
        if fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 100)
            self.progress.setValue(int(round(fraction * 100)))
        self._set_status(text)

    def _set_status(self, text: str) -> None:
        self.summary_label.setText(text)

    def _set_status_after_eval(self) -> None:
        if self._result is not None:
            self._on_evaluated_summary()

    def _on_evaluated_summary(self) -> None:
        result, loaded = self._result, self._loaded
        ev = result.evaluation
        m = ev.confusion
        correct, total = int(m.trace()), int(m.sum())
        self.summary_label.setText(
            f"accuracy on the MNIST test set: {correct:,} of {total:,} digits read correctly, "
            f"{total - correct:,} mistakes.  Model {loaded.name} ({loaded.model.describe()}), "
            f"evaluated in {result.seconds:.1f} s."
        )

    def _show_no_result(self) -> None:
        self.accuracy_label.setText("–")
        self.evaluate_button.setVisible(True)
        self.evaluate_button.setEnabled(self._loaded is not None)
        if self._loaded is None:
            self._set_status("No model is loaded: load one (File › Load model…) to evaluate it.")
        else:
            self._set_status(f"Press Evaluate (or just wait a moment) to measure {self._loaded.name} on the "
                             "10,000 MNIST test digits.")  # fmt: skip
        self.matrix.set_confusion(None)
        for r in range(CLASSES):
            for c in range(5):
                self.table.setItem(r, c, QTableWidgetItem(""))
        self.cell_grid.set_digits(None, [])
        self.mistakes_grid.set_digits(None, [])
        self.mistakes_count.setText("")
        self._fill_browse()
        self.map.set_points(None, None)
        self.map.set_axis_labels(None)
        for plot in self.robust_plots.values():
            plot.clear_curves()
        self.robust_button.setText("Run check")
        self.robust_progress.setVisible(False)
        self.robust_status.setText("")

    # --- events ---------------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending_trace is not None:
            pending, self._pending_trace = self._pending_trace, None
            self.show_trace(*pending)
        if self.auto_evaluate and self._loaded is not None and self._result is None:
            QTimer.singleShot(0, self, self.start_evaluation)
        QTimer.singleShot(0, self, self._on_page_changed)

    def _on_page_changed(self, index: int | None = None) -> None:
        if not self.isVisible():
            return
        page = self.pages.currentIndex()
        if page == PAGE_SALIENCY:
            self._refresh_saliency()
        elif page == PAGE_ROBUSTNESS and self._result is not None:
            self._maybe_start_robustness()
        if page not in (PAGE_MAP, PAGE_SALIENCY):
            self.player_map.pause()
            self.player_saliency.pause()


__all__ = ["EvaluateTab", "JobRunner", "TestSetResult", "DigitPlayer"]
