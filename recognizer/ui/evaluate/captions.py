"""Every sentence the Evaluate tab says, without Qt: the header, the matrix's cell, the mistakes
and the browser's counts, a digit's captions, the map's and the saliency's row, the robustness
check's state. EvaluateState (state.py) says them of what it holds; kept apart from the rules of
what it holds, which state.py is about.
"""

from __future__ import annotations

import numpy as np

from ...network.dims import CLASSES, ROWS
from ...text import format_accuracy, short_percent
from ...text import format_percent as percent
from .results import describe_level

NO_MODEL = "No model is loaded: load one (File › Load model…) to evaluate it."
NO_DIGIT = "No digit yet: draw one on Draw & Inspect, or click any digit in this tab."


class EvaluateWords:
    """The sentences, read from the attributes and methods EvaluateState has (loaded, data,
    result, cell, current, row, robustness, dataset(), probabilities(), mistakes()...)."""

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
