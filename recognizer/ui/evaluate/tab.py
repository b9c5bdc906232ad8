"""The Evaluate tab: how good the model is on the 10,000 MNIST test digits, where it goes wrong,
and what it pays attention to. Six pages, one file each; what they show is in state.py.

The tab owns one JobRunner for all the heavy work, each task in a job slot of its state (the
test-set evaluation, the answers on the training set, the robustness check) or of its page's
(Compare, Gradient flow); a new model cancels them all, and a result of the previous model's that
was still on its way is dropped. Getting MNIST is
mnist_request.py's, the header header.py's.

The main window talks to the tab through:
    set_model_in_use(session)           whenever the model changes (and once at start)
    show_trace(trace, row)              the inspector's current trace and row, for the map and saliency
    inspect_requested(image, caption)   emitted to open a digit in Draw & Inspect
    status_message(text)                emitted for the window's status bar
    shutdown()                          on close: stops the background work
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QApplication, QTabWidget, QVBoxLayout, QWidget

from ...datasets.mnist import MNIST
from ...evaluation.accuracy import Evaluation
from ...evaluation.analysis import PERTURBATIONS, Perturbation, RobustnessCurve
from ...files.model_file import LoadedModel
from ...network.trace import Trace
from ...reading import ReadingSession
from ..dialogs import DIALOGS
from ..job_slot import JobSlot
from ..jobs import JobFailure, JobRunner
from .browse import BrowsePage
from .calibration_page import CalibrationPage
from .compare_page import ComparePage
from .flow_page import FlowPage
from .header import EvaluateHeader
from .hidden_map import MapPage
from .matrix import MatrixPage
from .mistakes import MistakesPage
from .mnist_request import DataLoader, MnistRequest
from .results import DEFAULT_ROBUSTNESS_SIZE, TestSetResult, evaluate_test_set, predict
from .robustness import RobustnessPage
from .saliency import SaliencyPage
from .state import LAST, CurrentDigit, EvaluateState

PAGE_MATRIX, PAGE_MISTAKES, PAGE_BROWSE, PAGE_MAP, PAGE_SALIENCY, PAGE_ROBUSTNESS, PAGE_CALIBRATION = range(7)
PAGE_TIPS = (
    "Which digits the model confuses with which, and its precision and recall per digit.",
    "Every test digit the model gets wrong, the most confident mistakes first.",
    "All training or test digits, filtered by label, prediction and confidence.",
    "Where the network's memory puts each test digit, and the path of the current one.",
    "Which rows and pixels drove the answer for the current digit.",
    "Accuracy as the test digits are shifted, rotated, thickened or noised.",
    "Whether the model's confidence means what it says: accuracy against confidence.",
    "The model in use against another on the test set: both accuracies, the digits one gets right and the other wrong.",
    "The shipped plain RNN, GRU and LSTMs side by side: how far back through the rows the gradient reaches.",
)


class EvaluateTab(QWidget):
    """See the module's docstring. Further signals, for tests and scripts:
    evaluation_finished(Evaluation) and robustness_finished({perturbation key: RobustnessCurve})."""

    inspect_requested = Signal(object, str)
    evaluation_finished = Signal(object)
    robustness_finished = Signal(object)
    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, data_dir=None, auto_evaluate: bool = True,
                 robustness_size: int = DEFAULT_ROBUSTNESS_SIZE, perturbations: Sequence[Perturbation] = PERTURBATIONS,
                 data_loader: DataLoader | None = None):  # fmt: skip
        """data_dir: the MNIST folder (default: what data_dialog.ensure_mnist picks). auto_evaluate:
        evaluate as soon as the tab is shown with a model not evaluated yet (when MNIST is on disk;
        else the tab offers Get MNIST…). data_loader(parent, on_ready, on_give_up) replaces
        data_dialog.ensure_mnist (tests)."""
        super().__init__(parent)
        self.auto_evaluate = auto_evaluate
        self.perturbations = tuple(perturbations)
        self.mnist = MnistRequest(self, data_dir, data_loader)
        self._pending_trace: tuple[Trace | None, int | None] | None = None  # show_trace while hidden
        self.last_error = ""
        self.state = EvaluateState(robustness_size)
        self.runner = JobRunner("evaluate", self)
        for slot in (self.state.evaluation_job, self.state.train_job, self.state.robustness_job):
            slot.runner = self.runner  # the robustness page runs the check in its slot
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._build()
        self._refresh_all()

    # --- public API -----------------------------------------------------------------------------

    @property
    def model(self) -> LoadedModel | None:
        return self.state.loaded

    @property
    def evaluation(self) -> Evaluation | None:
        """The current model's evaluation on the test set, once done."""
        return None if self.state.result is None else self.state.result.evaluation

    @property
    def test_result(self) -> TestSetResult | None:
        return self.state.result

    @property
    def robustness_curves(self) -> dict[str, RobustnessCurve] | None:
        run = self.state.robustness
        return run.curves if run is not None and run.finished else None

    @property
    def data(self) -> MNIST | None:
        return self.state.data

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def set_model_in_use(self, session: ReadingSession | None) -> None:
        """Use this model from now on: what was computed for the previous one is dropped and the
        test set is evaluated again (at once if the tab is on screen, else when it is shown). The
        same network under a new name (saved) keeps every result and shows the new name."""
        current = self.state.loaded
        if session is not None and current is not None and session.model is current.model:
            self.state.loaded = session.loaded
            self._refresh_header()
            return
        self.runner.cancel_all()
        self.state.set_model(session)
        self._refresh_all()
        if self.isVisible():
            self._evaluate_if_wanted()

    def set_data(self, mnist: MNIST) -> None:
        """Use these MNIST arrays (instead of loading them)."""
        self.state.set_data(mnist)
        self._refresh_all()
        self.mnist.arrived()

    def start_evaluation(self) -> None:
        """Evaluate the current model on the test set in the background (no-op if under way or done)."""
        state = self.state
        if state.loaded is None or state.result is not None or state.activity == "evaluating":
            self._refresh_header()
            return
        if state.data is None:
            self._need_data(self.start_evaluation)
            return
        model, trust, data = state.loaded.model, state.loaded.trust, state.data
        self._submit(self.state.evaluation_job, "evaluating", "Evaluation failed",
                     lambda ctx: evaluate_test_set(model, trust, data.test_images, data.test_labels, ctx.report,
                                                   ctx.should_stop),
                     self._on_evaluated)  # fmt: skip

    def select_cell(self, true: int, predicted: int) -> None:
        """List the test digits of one confusion-matrix cell (as a click on it does)."""
        self.matrix_page.select_cell(true, predicted)

    def show_trace(self, trace: Trace | None, row: int | None = None) -> None:
        """Follow Draw & Inspect: its current trace and row (0-based; None: the last row).

        A None trace (empty canvas) keeps the digit shown. While the tab is hidden it only
        remembers the latest call (the inspector calls this on every stroke and row) and catches
        up when shown.
        """
        if not self.isVisible():
            if trace is not None or self._pending_trace is None:
                self._pending_trace = (trace, row)
            else:
                self._pending_trace = (self._pending_trace[0], row)
            return
        if trace is None:
            if row is not None and self.state.current is not None:
                self._set_row(int(row))
            return
        if self.state.current is None or self.state.current.trace is not trace:
            self.state.follow_trace(trace)
            self._refresh_digit()
        self._set_row(LAST if row is None else int(row))

    def show_digit(self, index: int, dataset: str = "test") -> None:
        """Make a digit of the test (or "train") set the current one, for the map and saliency."""
        self.state.set_current_digit(dataset, int(index))
        self._refresh_digit()

    def request_inspect(self, index: int, dataset: str = "test") -> None:
        """Emit inspect_requested for a digit of the test (or "train") set."""
        if self.state.data is None:
            return
        image, caption = self.state.image(dataset, index), self.state.inspect_caption(dataset, int(index))
        self.state.last_sent = (image, caption, (dataset, int(index)))
        self.inspect_requested.emit(image, caption)

    def current_digit(self) -> CurrentDigit | None:
        return self.state.current

    def run_robustness(self, size: int | None = None) -> None:
        """Start the robustness check on `size` test digits (default: the size chosen in the page)."""
        self.robustness_page.start(size)

    def restore_settings(self, store) -> None:
        """Nothing of this tab is kept between sessions."""

    def save_settings(self, store) -> None:
        """Nothing of this tab is kept between sessions."""

    def shutdown(self) -> None:
        """Stop the background work and wait for it (at most one batch); call before closing."""
        for bar in (self.map_page.digit_bar, self.saliency_page.digit_bar):
            bar.player.pause()
        self.mnist.cancel()
        self.runner.shutdown()
        self.browse_page.search.shutdown()

    # --- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        state = self.state
        self.header = header = EvaluateHeader()
        for name in ("accuracy_label", "summary_label", "progress", "evaluate_button", "get_mnist_button"):
            setattr(self, name, getattr(header, name))
        self.evaluate_button.clicked.connect(self.start_evaluation)
        self.get_mnist_button.clicked.connect(lambda: self._need_data(self.start_evaluation))

        self.matrix_page = MatrixPage(state)
        self.mistakes_page = MistakesPage(state)
        self.browse_page = BrowsePage(state)
        self.map_page = MapPage(state)
        self.saliency_page = SaliencyPage(state)
        self.robustness_page = RobustnessPage(state, self.perturbations, self._need_data)
        self.robustness_page.finished.connect(self.robustness_finished)
        for page in (self.matrix_page, self.mistakes_page, self.browse_page, self.map_page):
            page.show_digit.connect(lambda dataset, i: self.show_digit(i, dataset))
        for page in (self.matrix_page, self.mistakes_page, self.browse_page):
            page.inspect_digit.connect(lambda dataset, i: self.request_inspect(i, dataset))
        self.browse_page.answers_wanted.connect(self._start_train_predictions)
        for bar in (self.map_page.digit_bar, self.saliency_page.digit_bar):
            bar.row_changed.connect(self._set_row)
            bar.inspect_clicked.connect(self._inspect_current)

        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.calibration_page = CalibrationPage(state)
        self.compare_page = ComparePage(state, self.runner, self._need_data)
        self.compare_page.inspect_digit.connect(lambda dataset, i: self.request_inspect(i, dataset))
        self.flow_page = FlowPage(state, self.runner, self._need_data)
        titles = ("Confusion matrix", "Mistakes", "Browse digits", "Hidden-state map", "Saliency", "Robustness", "Calibration", "Compare",
                  "Gradient flow")  # fmt: skip
        pages = (self.matrix_page, self.mistakes_page, self.browse_page, self.map_page, self.saliency_page,
                 self.robustness_page, self.calibration_page, self.compare_page, self.flow_page)  # fmt: skip
        for i, (page, title, tip) in enumerate(zip(pages, titles, PAGE_TIPS)):
            self.pages.addTab(page, title)
            self.pages.setTabToolTip(i, tip)
        self.pages.currentChanged.connect(self._on_page_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        layout.addWidget(header)
        layout.addWidget(self.pages, 1)

    # --- drawing the state ----------------------------------------------------------------------

    def _refresh_header(self) -> None:
        self.header.show_state(self.state)

    def _refresh_all(self) -> None:
        self._refresh_header()
        self.matrix_page.refresh()
        self.mistakes_page.refresh()
        self.browse_page.refresh()
        self.map_page.refresh_points()
        self.robustness_page.refresh()
        self.calibration_page.refresh()
        self.compare_page.refresh()
        self._refresh_digit()

    def _refresh_digit(self) -> None:
        self.map_page.refresh_digit()
        self.saliency_page.refresh(compute=self._saliency_visible())

    def _set_row(self, row: int) -> None:
        self.state.set_row(row)
        self.map_page.refresh_row()
        self.saliency_page.refresh_row(compute=self._saliency_visible())

    def _saliency_visible(self) -> bool:
        return self.isVisible() and self.pages.currentIndex() == PAGE_SALIENCY

    # --- jobs -----------------------------------------------------------------------------------

    def _submit(self, slot: JobSlot, activity: str, title: str, work, on_done) -> None:
        """Run work(ctx) in the state's slot, with the header's bar for `activity`."""
        self.state.begin(activity)
        if slot.start(work, on_done, on_progress=self._on_progress,
                      on_error=lambda failure: self._on_failed(title, failure)) is None:  # fmt: skip
            self.state.activity = ""  # shut down: nothing will run
        self._refresh_header()

    def _on_progress(self, fraction: float) -> None:
        self.state.report(fraction)
        self._refresh_header()

    def _on_failed(self, title: str, failure: JobFailure) -> None:
        self.state.fail(f"{title}: {failure.message}")
        self.last_error = failure.message
        self._refresh_header()
        if failure.details:  # a bug, not a missing file: worth a box with the traceback
            DIALOGS.show_message(self, "critical", title, failure.message, failure.details)

    def _on_evaluated(self, result: TestSetResult) -> None:
        self.state.finish_evaluation(result)
        if self.state.current is None:
            self.state.set_current_digit("test", 0)
        self._refresh_all()
        self.status_message.emit(self.state.finished_message())
        self.evaluation_finished.emit(result.evaluation)

    def _start_train_predictions(self) -> None:
        model, images = self.state.loaded.model, self.state.data.train_images
        self._submit(self.state.train_job, "train", "Reading the training set failed",
                     lambda ctx: predict(model, images, ctx.report, ctx.should_stop), self._on_train_predictions)  # fmt: skip
        self.browse_page.refresh()

    def _on_train_predictions(self, probabilities: np.ndarray) -> None:
        self.state.finish_train_predictions(probabilities)
        self._refresh_header()
        self.browse_page.refresh()

    # --- data -----------------------------------------------------------------------------------

    def _need_data(self, then: Callable[[], None]) -> None:
        self.mnist.ask(then, self._asking_for_data, self.set_data, self._on_no_data)

    def _asking_for_data(self) -> None:
        self.state.begin("loading")
        self._refresh_header()

    def _on_no_data(self, reason: str) -> None:
        self.last_error = reason
        text = f"MNIST is not available: {reason}" if reason else "MNIST is needed to evaluate the model."
        self.state.fail(text + " Press Evaluate to try again.")
        self._refresh_header()

    def _evaluate_if_wanted(self) -> None:
        """On show: evaluate a model not evaluated yet, but never ask for MNIST unprompted."""
        state = self.state
        if not self.auto_evaluate or state.loaded is None or state.result is not None:
            return
        if state.data is None and not self.mnist.on_disk():
            state.data_missing = True
            self._refresh_header()
            return
        QTimer.singleShot(0, self, self.start_evaluation)

    # --- events ---------------------------------------------------------------------------------

    def _inspect_current(self) -> None:
        current = self.state.current
        if current is not None:
            caption = current.caption if current.source is None else self.state.inspect_caption(*current.source)
            self.state.last_sent = (current.image, current.caption, current.source)
            self.inspect_requested.emit(current.image.copy(), caption)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending_trace is not None:
            pending, self._pending_trace = self._pending_trace, None
            self.show_trace(*pending)
        self._evaluate_if_wanted()
        QTimer.singleShot(0, self, self._on_page_changed)

    def _on_page_changed(self, index: int | None = None) -> None:
        if not self.isVisible():
            return
        page = self.pages.currentIndex()
        if page == PAGE_SALIENCY:
            self.saliency_page.refresh_row(compute=True)
        if page not in (PAGE_MAP, PAGE_SALIENCY):
            for bar in (self.map_page.digit_bar, self.saliency_page.digit_bar):
                bar.player.pause()
