"""What the Evaluate tab knows and every text it shows (captions.py), without Qt.

The pages only draw this state and hand the user's actions back to it, so the rules (which digits
a matrix cell lists, what the browser's filters keep, which job results still count after a
model switch) and the captions are tested without a display. The tab runs the jobs in this
state's job slots (ui/job_slot.py): the test-set evaluation, the training set's answers and the
robustness check; a new model invalidates all three, so a result for another model never lands.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

import numpy as np

from ...datasets.mnist import MNIST
from ...evaluation import analysis
from ...evaluation.analysis import RobustnessCurve
from ...files.model_file import LoadedModel
from ...network.dims import ROWS
from ...network.trace import Trace, Tracer
from ...reading import ReadingSession
from ..job_slot import JobSlot
from .captions import EvaluateWords
from .results import DEFAULT_ROBUSTNESS_SIZE, RobustnessResult, TestSetResult

LAST = ROWS - 1


# --- what is shown ------------------------------------------------------------------------------


@dataclass(eq=False)
class CurrentDigit:
    """The digit the map and the saliency explain."""

    image: np.ndarray  # (28, 28) float32 in [0, 1]
    caption: str
    trace: Trace
    path: np.ndarray | None = None  # (28, 2) its hidden states on the map
    saliency: analysis.RowSaliency | None = None
    saliency_target: int | None = None
    source: tuple[str, int] | None = None  # ("test" or "train", index) when it is an MNIST digit


@dataclass(frozen=True)
class BrowseFilters:
    dataset: str = "test"  # or "train"
    label: int | None = None  # None: any
    answer: int | None = None
    confidence: tuple[float, float] = (0.0, 1.0)
    mistakes_only: bool = False
    among: tuple[int, ...] | None = None  # training digits the unit search found (unit_search.py)


class EvaluateState(EvaluateWords):
    """See the module's docstring; every sentence it says is EvaluateWords' (captions.py)."""

    def __init__(self, robustness_size: int = DEFAULT_ROBUSTNESS_SIZE):
        self.version = 0  # bumped by every model: what Compare computed for an older one is stale
        self.loaded: LoadedModel | None = None
        self.tracer: Tracer | None = None
        self.data: MNIST | None = None
        self.data_missing = False  # MNIST is not on disk: the tab offers "Get MNIST…"
        self.activity = ""  # "loading", "evaluating", "train" or "": what the header's bar is for
        self.progress: float | None = None  # the bar's fraction; None: no idea how far
        self.problem = ""  # the last failure, said in the header until the next success
        self.result: TestSetResult | None = None
        self.train_probabilities: np.ndarray | None = None
        self.cell: tuple[int, int] | None = None
        self.cell_indices = np.zeros(0, np.int64)
        self.most_confident_first = True
        self.browse = BrowseFilters()
        self.browse_indices = np.zeros(0, np.int64)
        self.current: CurrentDigit | None = None
        self.row = LAST
        self.saliency_target: int | None = None  # None: the answer at the current row
        self.robustness_size = int(robustness_size)
        self.robustness: RobustnessResult | None = None
        # the tasks under way (the tab hands the slots its runner; the unit search its own)
        self.evaluation_job, self.train_job, self.robustness_job = JobSlot(), JobSlot(), JobSlot()
        self.search_job = JobSlot()  # the unit search's (unit_search.py)
        self._robustness_by_model: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.last_sent: tuple[np.ndarray, str, tuple | None] | None = None  # the digit last sent to inspect

    # --- model and data -------------------------------------------------------------------------

    def set_model(self, session: ReadingSession | None) -> None:
        """Drop everything computed for the previous model; re-read the current digit with this
        one (by the model in use's own Tracer)."""
        self.version += 1
        self.loaded = None if session is None else session.loaded
        self.tracer = None if session is None else session.tracer
        loaded = self.loaded
        self.result = None
        self.train_probabilities = None
        self.activity, self.progress, self.problem = "", None, ""
        self.cell, self.cell_indices = None, np.zeros(0, np.int64)
        for slot in (self.evaluation_job, self.train_job, self.robustness_job, self.search_job):
            slot.invalidate()  # what the previous model's tasks find must not land on this one
        self.robustness = None if loaded is None else self._robustness_by_model.get(loaded.model)
        self.refresh_browse()
        current = self.current
        if current is None:
            return
        if self.tracer is None:
            self.current = None
            return
        caption = self.digit_caption(*current.source) if current.source else current.caption
        self.set_current(current.image, caption, source=current.source)

    def set_data(self, mnist: MNIST) -> None:
        self.data, self.data_missing = mnist, False
        if self.activity == "loading":
            self.activity = ""
        self.refresh_browse()

    def dataset(self, name: str) -> tuple[np.ndarray | None, np.ndarray | None]:
        if self.data is None:
            return None, None
        if name == "train":
            return self.data.train_images, self.data.train_labels
        return self.data.test_images, self.data.test_labels

    def probabilities(self, name: str) -> np.ndarray | None:
        if name == "train":
            return self.train_probabilities
        return None if self.result is None else self.result.evaluation.probabilities

    def image(self, name: str, i: int) -> np.ndarray:
        return self.dataset(name)[0][int(i)].astype(np.float32) / 255.0

    # --- jobs' results --------------------------------------------------------------------------

    def begin(self, activity: str) -> None:
        self.activity, self.progress, self.problem = activity, (None if activity == "loading" else 0.0), ""

    def report(self, fraction: float) -> None:
        if self.activity:
            self.progress = float(fraction)

    def fail(self, what: str) -> None:
        """A job failed (or MNIST could not be had), said as `what`."""
        self.activity, self.progress, self.problem = "", None, what

    def finish_evaluation(self, result: TestSetResult) -> None:
        """Take a test-set result; opens the most common mistake's cell."""
        self.result = result
        self.activity, self.progress, self.problem = "", None, ""
        off = result.evaluation.confusion.copy()
        np.fill_diagonal(off, -1)
        t, p = np.unravel_index(int(off.argmax()), off.shape)
        self.select_cell(*((int(t), int(p)) if off.max() > 0 else (0, 0)))
        self.refresh_browse()
        self.update_path()

    def finish_train_predictions(self, probabilities: np.ndarray) -> None:
        self.train_probabilities = probabilities
        self.activity, self.progress = "", None
        self.refresh_browse()

    # --- the matrix, the mistakes and the browser -----------------------------------------------

    def select_cell(self, true: int, predicted: int) -> None:
        """The test digits of one confusion-matrix cell: least sure first on the diagonal (the
        near-misses), most confident first off it (the most worrying mistakes)."""
        self.cell = (int(true), int(predicted))
        if self.result is None:
            self.cell_indices = np.zeros(0, np.int64)
            return
        ev = self.result.evaluation
        idx = np.flatnonzero((ev.labels == true) & (ev.predictions == predicted))
        idx = idx[np.argsort(ev.confidences[idx], kind="stable")]
        self.cell_indices = idx if true == predicted else idx[::-1]

    def mistakes(self) -> np.ndarray:
        """Every misread test digit, the most confident mistake first (or last)."""
        if self.result is None:
            return np.zeros(0, np.int64)
        ev = self.result.evaluation
        wrong = np.flatnonzero(ev.predictions != ev.labels)
        wrong = wrong[np.argsort(-ev.confidences[wrong], kind="stable")]
        return wrong if self.most_confident_first else wrong[::-1]

    def set_browse(self, filters: BrowseFilters) -> None:
        self.browse = filters
        self.refresh_browse()

    def refresh_browse(self) -> None:
        f = self.browse
        images, labels = self.dataset(f.dataset)
        if images is None:
            self.browse_indices = np.zeros(0, np.int64)
            return
        keep = np.ones(len(labels), bool)
        if f.label is not None:
            keep &= labels == f.label
        if f.among is not None and f.dataset == "train":
            keep &= np.isin(np.arange(len(labels)), f.among)
        probs = self.probabilities(f.dataset)
        if probs is not None:  # the answers' filters wait for the answers
            preds, conf = probs.argmax(axis=1), probs.max(axis=1)
            if f.answer is not None:
                keep &= preds == f.answer
            lo, hi = f.confidence
            keep &= (conf >= lo - 1e-9) & (conf <= hi + 1e-9)
            if f.mistakes_only:
                keep &= preds != labels
        self.browse_indices = np.flatnonzero(keep)

    def browse_needs_answers(self) -> bool:
        """The training set is browsed but its answers are not computed (nor being computed)."""
        return (self.browse.dataset == "train" and self.train_probabilities is None and self.loaded is not None
                and self.data is not None and self.activity != "train")  # fmt: skip

    # --- the current digit ----------------------------------------------------------------------

    def set_current(self, image, caption: str, trace: Trace | None = None, source: tuple[str, int] | None = None) -> None:
        image = np.asarray(image, dtype=np.float32)
        if trace is None:
            if self.tracer is None:
                return
            trace = self.tracer(image)
        self.current = CurrentDigit(image=image, caption=caption, trace=trace, source=source)
        self.update_path()

    def set_current_digit(self, dataset: str, i: int) -> None:
        if self.data is not None:
            self.set_current(self.image(dataset, i), self.digit_caption(dataset, i), source=(dataset, int(i)))

    def follow_trace(self, trace: Trace) -> None:
        """The digit on Draw & Inspect: named as the digit this tab sent there, if it is that one."""
        if self.current is not None and self.current.trace is trace:
            return
        caption, source = "Your drawing on Draw & Inspect", None
        sent = self.last_sent
        if sent is not None and sent[0].shape == trace.image.shape and np.allclose(sent[0], trace.image, atol=1e-6):
            caption, source = sent[1], sent[2]
        self.set_current(trace.image, caption, trace=trace, source=source)

    def update_path(self) -> None:
        current, result = self.current, self.result
        if current is None or result is None:
            return
        hidden = current.trace.layers[-1].h
        if hidden.shape[1] == result.pca.mean.shape[0]:
            current.path = result.pca.transform(hidden)

    def set_row(self, row: int) -> None:
        self.row = int(np.clip(row, 0, LAST))

    def ensure_saliency(self) -> analysis.RowSaliency | None:
        """The current digit's saliency at every row for the chosen target (computed on demand:
        one batched backward pass, a few milliseconds)."""
        current = self.current
        if current is None or self.loaded is None:
            return None
        if current.saliency is None or current.saliency_target != self.saliency_target:
            current.saliency = analysis.saliency_by_row(self.loaded.model, current.image, self.saliency_target)
            current.saliency_target = self.saliency_target
        return current.saliency

    # --- robustness -----------------------------------------------------------------------------

    def start_robustness(self, perturbations) -> RobustnessResult | None:
        if self.loaded is None or self.data is None:
            return None
        idx = analysis.robustness_subset(self.data.test_labels, self.robustness_size)
        self.robustness = RobustnessResult(indices=idx, total=sum(len(p.levels) for p in perturbations))
        return self.robustness

    def robustness_progress(self, done: int, total: int, key: str, curve: RobustnessCurve) -> bool:
        run = self.robustness
        if run is None or run.finished:
            return False
        run.curves[key], run.done, run.total = curve, done, total
        return True

    def finish_robustness(self, curves: dict[str, RobustnessCurve]) -> bool:
        run = self.robustness
        if run is None:
            return False
        run.curves, run.finished, run.done = dict(curves), True, run.total
        self._robustness_by_model[self.loaded.model] = run  # remembered for as long as the model lives
        return True

    def stop_robustness(self, error: str = "") -> None:
        if self.robustness is not None and not self.robustness.finished:
            self.robustness = replace(self.robustness, stopped=True, error=error)
