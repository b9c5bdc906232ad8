"""The Evaluate tab: how good the model is on the 10,000 MNIST test digits, where it goes wrong,
and what it pays attention to. Six pages, one file each; what they show is in state.py.

The tab owns one JobRunner for all the heavy work (the test-set evaluation, the answers on the
training set, the robustness check), each a latest-only job under its own key; a new model
cancels them all, and the state refuses any result of an older version that was still on its way.

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
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from ... import analysis
from ...analysis import PERTURBATIONS, Perturbation, RobustnessCurve
from ...data import MNIST, missing_files
from ...errors import DataError
from ...evaluate import Evaluation
from ...modelfile import LoadedModel
from ...reading import ReadingSession
from ...trace import Trace
from .. import theme
from ..dialogs import DIALOGS
from ..jobs import JobFailure, JobRunner
from ..widgets import TextLine, percent_bar
from .calibration_page import CalibrationPage
from .compare_page import ComparePage
from .flow_page import FlowPage
from .browse import BrowsePage
from .hidden_map import MapPage
from .matrix import MatrixPage
from .mistakes import MistakesPage
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
DataLoader = Callable[[QWidget, Callable[[MNIST], None], Callable[[str], None]], object]


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
        self.data_dir = data_dir
        self.auto_evaluate = auto_evaluate
        self.perturbations = tuple(perturbations)
        self._data_loader = data_loader
        self._data_request = None
        self._data_waiters: list[Callable[[], None]] = []
        self._pending_trace: tuple[Trace | None, int | None] | None = None  # show_trace while hidden
        self.last_error = ""
        self._robustness_job = None
        self.state = EvaluateState(robustness_size)
        self.runner = JobRunner("evaluate", self)
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
        waiters, self._data_waiters = self._data_waiters, []
        for fn in waiters:
            fn()

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
        self._submit("evaluate", "evaluating", "Evaluation failed",
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
        state = self.state
        if state.loaded is None:
            return
        if size is not None:
            state.robustness_size = int(size)
        if state.data is None:
            self._need_data(self.run_robustness)
            return
        run = state.start_robustness(self.perturbations)
        model, perturbations, version = state.loaded.model, self.perturbations, state.version
        images, labels = state.data.test_images[run.indices], state.data.test_labels[run.indices]

        def work(ctx):
            def progress(done, total, curve):  # a copy: the check goes on filling the curve
                ctx.send((done, total, RobustnessCurve(curve.perturbation, curve.levels.copy(), curve.accuracy.copy())))

            return analysis.robustness(model, images, labels, perturbations, progress=progress, should_stop=ctx.should_stop)

        self._robustness_job = self.runner.submit(work, key="robustness", on_partial=lambda items: self._on_robust_progress(version, items),
                           on_done=lambda curves: self._on_robustness(version, curves),
                           on_error=lambda failure: self._on_robust_failed(version, failure))  # fmt: skip
        self.robustness_page.refresh()

    def stop_robustness(self) -> None:
        self.runner.cancel(self._robustness_job)
        self.state.stop_robustness()
        self.robustness_page.refresh_progress()

    def restore_settings(self, store) -> None:
        """Nothing of this tab is kept between sessions."""

    def save_settings(self, store) -> None:
        """Nothing of this tab is kept between sessions."""

    def shutdown(self) -> None:
        """Stop the background work and wait for it (at most one batch); call before closing."""
        for bar in (self.map_page.digit_bar, self.saliency_page.digit_bar):
            bar.player.pause()
        request, self._data_request = self._data_request, None
        if request is not None and hasattr(request, "cancel") and getattr(request, "active", False):
            request.cancel()
        self.runner.shutdown()
        self.browse_page.search.shutdown()

    # --- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        state = self.state
        self.accuracy_label = QLabel("")
        self.accuracy_label.setObjectName("accuracy")
        self.accuracy_label.setFont(theme.big_font(26))
        self.accuracy_label.setToolTip("Accuracy: the share of the 10,000 MNIST test digits the model reads correctly.")
        self.summary_label = TextLine(lines=2)
        self.summary_label.setToolTip("What was measured, on which model, and how long it took.")
        self.progress = percent_bar(220)
        self.progress.setToolTip("Work under way in the background; the window stays usable.")
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setToolTip("Measure the current model on the 10,000 MNIST test digits (about two seconds).")
        self.evaluate_button.clicked.connect(self.start_evaluation)
        self.get_mnist_button = QPushButton("Get MNIST…")
        self.get_mnist_button.setToolTip("Download MNIST (about 11 MB) or choose the folder that holds it.")
        self.get_mnist_button.clicked.connect(lambda: self._need_data(self.start_evaluation))
        header = QHBoxLayout()
        header.setSpacing(12)
        header.addWidget(self.accuracy_label)
        header.addWidget(self.summary_label, 1)
        header.addWidget(self.progress)
        header.addWidget(self.get_mnist_button)
        header.addWidget(self.evaluate_button)

        self.matrix_page = MatrixPage(state)
        self.mistakes_page = MistakesPage(state)
        self.browse_page = BrowsePage(state)
        self.map_page = MapPage(state)
        self.saliency_page = SaliencyPage(state)
        self.robustness_page = RobustnessPage(state, self.perturbations)
        for page in (self.matrix_page, self.mistakes_page, self.browse_page, self.map_page):
            page.show_digit.connect(lambda dataset, i: self.show_digit(i, dataset))
        for page in (self.matrix_page, self.mistakes_page, self.browse_page):
            page.inspect_digit.connect(lambda dataset, i: self.request_inspect(i, dataset))
        self.browse_page.answers_wanted.connect(self._start_train_predictions)
        for bar in (self.map_page.digit_bar, self.saliency_page.digit_bar):
            bar.row_changed.connect(self._set_row)
            bar.inspect_clicked.connect(self._inspect_current)
        self.robustness_page.start_clicked.connect(self.run_robustness)
        self.robustness_page.stop_clicked.connect(self.stop_robustness)

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
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)

    # --- drawing the state ----------------------------------------------------------------------

    def _refresh_header(self) -> None:
        state = self.state
        self.accuracy_label.setText(state.accuracy_text())
        self.accuracy_label.setVisible(bool(self.accuracy_label.text()))  # the line beside it says why there is none
        self.summary_label.setText(state.header_text())
        self.progress.setVisible(bool(state.activity))
        if state.progress is None:
            self.progress.setRange(0, 0)  # busy, but no idea how far
        else:
            self.progress.setRange(0, 100)
            self.progress.setValue(int(round(state.progress * 100)))
        self.evaluate_button.setVisible(state.result is None)
        self.evaluate_button.setEnabled(state.loaded is not None)
        self.get_mnist_button.setVisible(state.data is None and state.data_missing)

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

    def _submit(self, key: str, activity: str, title: str, work, on_done) -> None:
        """Run work(ctx) as the latest-only job `key`, with the header's bar for `activity`."""
        version = self.state.version
        self.state.begin(activity)
        job = self.runner.submit(work, key=key, on_done=lambda result: on_done(version, result),
                                 on_progress=lambda f: self._on_progress(version, f),
                                 on_error=lambda failure: self._on_failed(version, title, failure))  # fmt: skip
        if job is None:  # shut down: nothing will run
            self.state.activity = ""
        self._refresh_header()

    def _on_progress(self, version: int, fraction: float) -> None:
        self.state.report(version, fraction)
        self._refresh_header()

    def _on_failed(self, version: int, title: str, failure: JobFailure) -> None:
        if not self.state.fail(version, f"{title}: {failure.message}"):
            return
        self.last_error = failure.message
        self._refresh_header()
        if failure.details:  # a bug, not a missing file: worth a box with the traceback
            DIALOGS.show_message(self, "critical", title, failure.message, failure.details)

    def _on_evaluated(self, version: int, result: TestSetResult) -> None:
        if not self.state.finish_evaluation(version, result):
            return
        if self.state.current is None:
            self.state.set_current_digit("test", 0)
        self._refresh_all()
        self.status_message.emit(self.state.finished_message())
        self.evaluation_finished.emit(result.evaluation)

    def _start_train_predictions(self) -> None:
        model, images = self.state.loaded.model, self.state.data.train_images
        self._submit("train", "train", "Reading the training set failed",
                     lambda ctx: predict(model, images, ctx.report, ctx.should_stop), self._on_train_predictions)  # fmt: skip
        self.browse_page.refresh()

    def _on_train_predictions(self, version: int, probabilities: np.ndarray) -> None:
        if self.state.finish_train_predictions(version, probabilities):
            self._refresh_header()
            self.browse_page.refresh()

    def _on_robust_progress(self, version: int, items: list) -> None:
        for done, total, curve in items:
            self.state.robustness_progress(version, done, total, curve.perturbation.key, curve)
        self.robustness_page.refresh_curves()
        self.robustness_page.refresh_progress()

    def _on_robustness(self, version: int, curves: dict[str, RobustnessCurve]) -> None:
        if self.state.finish_robustness(version, curves):
            self.robustness_page.refresh()
            self.robustness_finished.emit(curves)

    def _on_robust_failed(self, version: int, failure: JobFailure) -> None:
        if self.state.is_current(version):
            self.state.stop_robustness(failure.message)
            self.robustness_page.refresh_progress()
            if failure.details:
                DIALOGS.show_message(self, "critical", "The robustness check failed", failure.message, failure.details)

    # --- data -----------------------------------------------------------------------------------

    def _mnist_on_disk(self) -> bool:
        """Whether getting MNIST needs no question to the user (loaded before, or its files there)."""
        from ..data_dialog import cached_mnist, data_folder

        if cached_mnist(self.data_dir) is not None:
            return True
        try:
            return not missing_files(data_folder(self.data_dir)[0])
        except DataError:
            return False

    def _need_data(self, then: Callable[[], None]) -> None:
        if then not in self._data_waiters:
            self._data_waiters.append(then)
        if self._data_request is not None and getattr(self._data_request, "active", True):
            return
        self.state.begin("loading")
        self._refresh_header()
        loader = self._data_loader
        if loader is None:
            from ..data_dialog import ensure_mnist

            def loader(parent, on_ready, on_give_up):
                return ensure_mnist(parent, on_ready, on_give_up=on_give_up, data_dir=self.data_dir)

        self._data_request = loader(self, self._on_data, self._on_no_data)

    def _on_data(self, mnist: MNIST) -> None:
        self._data_request = None
        self.set_data(mnist)

    def _on_no_data(self, reason: str) -> None:
        self._data_request = None
        self._data_waiters = []
        self.last_error = reason
        text = f"MNIST is not available: {reason}" if reason else "MNIST is needed to evaluate the model."
        self.state.fail(self.state.version, text + " Press Evaluate to try again.")
        self._refresh_header()

    def _evaluate_if_wanted(self) -> None:
        """On show: evaluate a model not evaluated yet, but never ask for MNIST unprompted."""
        state = self.state
        if not self.auto_evaluate or state.loaded is None or state.result is not None:
            return
        if state.data is None and not self._mnist_on_disk():
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
