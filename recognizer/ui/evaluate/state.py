"""What the Evaluate tab knows and every text it shows, without Qt.

The pages only draw this state and hand the user's actions back to it, so the rules (which digits
a matrix cell lists, what the browser's filters keep, which job results still count after a
model switch) and the captions are tested without a display. The tab runs the jobs; the state
says what they are for: every result carries the `version` it was started under, and a result of
an older version (another model) is refused.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

import numpy as np

from ... import analysis
from ...analysis import RobustnessCurve
from ...data import MNIST
from ...dims import CLASSES, ROWS
from ...modelfile import LoadedModel
from ...reading import ReadingSession
from ...trace import Trace, Tracer
from ...text import format_accuracy, format_percent as percent, short_percent
from .results import DEFAULT_ROBUSTNESS_SIZE, RobustnessResult, TestSetResult, describe_level

LAST = ROWS - 1
NO_MODEL = "No model is loaded: load one (File › Load model…) to evaluate it."
NO_DIGIT = "No digit yet: draw one on Draw & Inspect, or click any digit in this tab."


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


class EvaluateState:
    """See the module's docstring."""

    def __init__(self, robustness_size: int = DEFAULT_ROBUSTNESS_SIZE):
        self.version = 0  # bumped by every model: results of an older version are refused
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

    def is_current(self, version: int) -> bool:
        return version == self.version

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

    def report(self, version: int, fraction: float) -> None:
        if self.is_current(version) and self.activity:
            self.progress = float(fraction)

    def fail(self, version: int, what: str) -> bool:
        """A job of this version failed with message `what`; False if it no longer counts."""
        if not self.is_current(version):
            return False
        self.activity, self.progress, self.problem = "", None, what
        return True

    def finish_evaluation(self, version: int, result: TestSetResult) -> bool:
        """Take a test-set result; opens the most common mistake's cell. False if it is stale."""
        if not self.is_current(version):
            return False
        self.result = result
        self.activity, self.progress, self.problem = "", None, ""
        off = result.evaluation.confusion.copy()
        np.fill_diagonal(off, -1)
        t, p = np.unravel_index(int(off.argmax()), off.shape)
        self.select_cell(*((int(t), int(p)) if off.max() > 0 else (0, 0)))
        self.refresh_browse()
        self.update_path()
        return True

    def finish_train_predictions(self, version: int, probabilities: np.ndarray) -> bool:
        if not self.is_current(version):
            return False
        self.train_probabilities = probabilities
        self.activity, self.progress = "", None
        self.refresh_browse()
        return True

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

    def robustness_progress(self, version: int, done: int, total: int, key: str, curve: RobustnessCurve) -> bool:
        run = self.robustness
        if not self.is_current(version) or run is None or run.finished:
            return False
        run.curves[key], run.done, run.total = curve, done, total
        return True

    def finish_robustness(self, version: int, curves: dict[str, RobustnessCurve]) -> bool:
        run = self.robustness
        if not self.is_current(version) or run is None:
            return False
        run.curves, run.finished, run.done = dict(curves), True, run.total
        self._robustness_by_model[self.loaded.model] = run  # remembered for as long as the model lives
        return True

    def stop_robustness(self, error: str = "") -> None:
        if self.robustness is not None and not self.robustness.finished:
            self.robustness = replace(self.robustness, stopped=True, error=error)

    # --- captions -------------------------------------------------------------------------------

    def accuracy_text(self) -> str:
        """The big number; "" until there is one (a lone "–" read as a stray white bar)."""
        return "" if self.result is None else format_accuracy(self.result.evaluation.accuracy)

    def header_text(self) -> str:
        """The line beside the accuracy: what is going on, or what was measured on which model."""
        loaded, data = self.loaded, self.data
        if loaded is None:
            return NO_MODEL
        if self.activity == "loading":
            return "Loading MNIST…"
        if self.activity == "evaluating":
            return f"Evaluating {loaded.name} on the {len(data.test_labels):,} test digits…"
        if self.activity == "train":
            return f"Reading the {len(data.train_labels):,} training digits…"
        if self.problem:
            return self.problem
        if self.data_missing:
            return "MNIST, the digits to measure the model on, is not on this computer yet."
        if self.result is None:
            return f"Press Evaluate (or just wait a moment) to measure {loaded.name} on the 10,000 MNIST test digits."
        m = self.result.evaluation.confusion
        correct, total = int(m.trace()), int(m.sum())
        # One line at 1024 px: the accuracy beside it says what it is (its tooltip too).
        return (f"{correct:,} of {total:,} test digits read correctly, {total - correct:,} mistakes · "
                f"Model {loaded.name} ({loaded.model.describe()}) · {self.result.seconds:.1f} s")  # fmt: skip

    def finished_message(self) -> str:
        """For the window's status bar, once the evaluation is done."""
        return (f"Evaluated {self.loaded.name}: {format_accuracy(self.result.evaluation.accuracy)} on the test set "
                f"({self.result.seconds:.1f} s)")  # fmt: skip

    def table_rows(self) -> list[tuple[str, ...]]:
        """Per digit: digit, test digits, correct, precision, recall (empty without a result)."""
        if self.result is None:
            return [("",) * 5] * CLASSES
        ev = self.result.evaluation
        m, precision, recall = ev.confusion, ev.precision, ev.recall
        return [(str(d), f"{m[d].sum():,}", f"{m[d, d]:,}", format_accuracy(precision[d]), format_accuracy(recall[d]))
                for d in range(CLASSES)]  # fmt: skip

    def worst_precision_recall(self) -> tuple[int, int] | None:
        if self.result is None:
            return None
        ev = self.result.evaluation
        return int(np.argmin(ev.precision)), int(np.argmin(ev.recall))

    def cell_title(self) -> str:
        if self.cell is None or self.result is None:
            return "Digits in the selected cell"
        t, p = self.cell
        kind = "read correctly" if t == p else "mistaken"
        return f"True {t}, predicted {p}: {len(self.cell_indices):,} test digits {kind}"

    def cell_hint(self) -> str:
        if self.cell is None or self.result is None:
            return "Click a cell of the matrix to list its digits here."
        n = len(self.cell_indices)
        if not n:
            return "No test digit landed in this cell."
        order = "least sure first" if self.cell[0] == self.cell[1] else "most confident first"
        return (f"{n:,} digits, {order}. Click one to explain it on the map and saliency pages; "
                "double-click (or Inspect) to watch the network read it.")  # fmt: skip

    def mistakes_count_text(self) -> str:
        if self.result is None:
            return ""
        away = len(self.result.turned_away)
        note = f" ({away:,} the verdict would turn away: unsure or not a digit)" if away else ""
        return f"{len(self.mistakes()):,} mistakes out of {len(self.result.evaluation.labels):,} test digits{note}"

    def turned_away(self, dataset: str, i: int) -> str | None:
        """"unsure" or "not-a-digit" for a test mistake the verdict would not give as a digit, else None."""
        return None if dataset != "test" or self.result is None else self.result.turned_away.get(int(i))

    def browse_count_text(self) -> str:
        _, labels = self.dataset(self.browse.dataset)
        return "" if labels is None else f"{len(self.browse_indices):,} of {len(labels):,} digits"

    def browse_note(self) -> str:
        """Why the answer filters are off, if they are."""
        if self.data is None or self.probabilities(self.browse.dataset) is not None:
            return ""
        if self.loaded is None:
            return "Load a model to filter by its answers."
        return "The model's answers are being computed…"

    def inspect_caption(self, dataset: str, i: int) -> str:
        """'test digit #12: true 4', for Draw & Inspect: the answer there is its own model's, and
        an answer in the caption went stale as soon as another model was loaded."""
        name = "training digit" if dataset == "train" else "test digit"
        _, labels = self.dataset(dataset)
        return f"{name} #{i}" if labels is None else f"{name} #{i}: true {int(labels[i])}"

    def digit_caption(self, dataset: str, i: int) -> str:
        """'test digit #12: true 4, predicted 9 (87%)', as far as it is known."""
        name = "training digit" if dataset == "train" else "test digit"
        images, labels = self.dataset(dataset)
        if labels is None:
            return f"{name} #{i}"
        probs = self.probabilities(dataset)
        if probs is not None:
            p = probs[int(i)]
        elif self.tracer is not None:
            p = self.tracer(images[int(i)].astype(np.float32) / 255.0).probabilities[-1]
        else:
            return f"{name} #{i}: true {int(labels[i])}"
        pred = int(np.argmax(p))
        said = {"unsure": "; the verdict: not sure, so no answer",
                "not-a-digit": "; the verdict: not a digit, so no answer"}.get(self.turned_away(dataset, i), "")  # fmt: skip
        return f"{name} #{i}: true {int(labels[i])}, predicted {pred} ({percent(float(p[pred]))}){said}"

    def thumb_text(self, dataset: str, i: int, short: bool = False) -> str:
        """A thumbnail's caption: '4→9 87%' for a mistake, '7 99%' (or just '99%') else; a mistake
        the verdict would turn away says so instead of a confidence: '4→9 unsure', '4→9 no digit'."""
        _, labels = self.dataset(dataset)
        probs = self.probabilities(dataset)
        if probs is None:
            return f"label {labels[i]}"
        pred, conf = int(probs[i].argmax()), short_percent(float(probs[i].max()))
        away = self.turned_away(dataset, i)
        if away is not None:
            return f"{labels[i]}→{pred} {'unsure' if away == 'unsure' else 'no digit'}"
        if pred != labels[i]:
            return f"{labels[i]}→{pred} {conf}"
        return conf if short else f"{pred} {conf}"

    def is_mistake(self, dataset: str, i: int) -> bool:
        _, labels = self.dataset(dataset)
        probs = self.probabilities(dataset)
        return probs is not None and int(probs[i].argmax()) != int(labels[i])

    def player_caption(self) -> str:
        return NO_DIGIT if self.current is None else self.current.caption

    def map_row_caption(self) -> str:
        current, row = self.current, self.row
        if current is None:
            return ""
        if current.path is None:
            return "The map appears once the test set has been evaluated."
        leader = current.trace.leader(row)
        p = float(current.trace.probabilities[row, leader])
        return (f"Amber: the current digit's memory after each row, up to row {row + 1} of {ROWS} (it leans to "
                f"{leader}, {percent(p)}). It starts at the blank rows' spot and ends among the digits it is "
                "read as; the dashed line is the rest of its path.")  # fmt: skip

    def saliency_row_caption(self) -> str:
        current, row = self.current, self.row
        if current is None or current.saliency is None:
            return ""
        s = current.saliency
        target = int(s.targets[row])
        p = float(current.trace.probabilities[row, target])
        top = np.argsort(-s.rows[row])[:3] + 1
        which = "the answer at this row" if self.saliency_target is None else f"digit {target}"
        return (f"After row {row + 1} of {ROWS}: explaining the score of {target} ({which}, probability "
                f"{percent(p)}). The rows that matter most: {', '.join(str(int(r)) for r in top)}.")  # fmt: skip

    def robustness_running(self) -> bool:
        run = self.robustness
        return run is not None and not run.finished and not run.stopped

    def robustness_button_text(self) -> str:
        if self.robustness_running():
            return "Stop"
        return "Run again" if self.robustness is not None and self.robustness.finished else "Start"

    def robustness_box_title(self, title: str) -> str:
        run = self.robustness
        return title if run is None else f"{title}: accuracy on {len(run.indices):,} test digits (a fixed random sample)"

    def robustness_status(self) -> str:
        run = self.robustness
        if self.loaded is None:
            return "Load a model to check it."
        if run is None:
            return ("Press Start to measure the accuracy on spoiled test digits (in the background; "
                    "the result is kept for this model).")  # fmt: skip
        n = len(run.indices)
        if run.error:
            return f"The check failed: {run.error}"
        if run.stopped:
            return "Stopped. Run the check again to finish the curves."
        if not run.finished:
            return f"Measuring on {n:,} test digits…"
        plain = run.plain_accuracy
        if plain is None or not run.curves:
            return f"Done on {n:,} test digits."
        worst = min(run.curves.values(), key=lambda c: float(np.nanmin(c.accuracy)))
        level = float(worst.levels[np.nanargmin(worst.accuracy)])
        return (f"Done on {n:,} test digits: {format_accuracy(plain)} read correctly untouched; the lowest point is "
                f"{worst.perturbation.name.split(' (')[0]} at {describe_level(worst.perturbation, level)} "
                f"({percent(float(np.nanmin(worst.accuracy)))} correct).")  # fmt: skip
