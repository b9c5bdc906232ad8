"""What the My digits tab shows, without Qt: the digits, the current model's answer on each, the
filter, the accuracy per digit, the undo of deletions and every sentence the tab says
(tests/test_digits_state.py). The tab (tab.py) reads the store and runs the model; this keeps
what came back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ...inputs.strokes import CANVAS_PEN_WIDTH, render_canvas
from ...network.dims import CLASSES
from ...text import format_percent, plural
from ..job_slot import JobSlot

ALL = None  # the label filter that shows every digit


@dataclass(frozen=True)
class DigitAccuracy:
    label: int
    correct: int
    total: int

    def text(self) -> str:
        if not self.total:
            return f"{self.label}: none"
        return f"{self.label}: {self.correct}/{self.total} ({format_percent(self.correct / self.total)})"


class DigitsState:
    def __init__(self):
        self.files_job = JobSlot()  # an import or export (the tab hands the slots its runner)
        self.answers_job = JobSlot()  # the model's answers on every digit: a newer read replaces it
        self.digits: list = []  # my_digits.Digit, by label then age
        self.answers: dict[int, int] = {}  # digit id -> the current model's answer
        self.model_name: str | None = None
        self.label_filter: int | None = ALL
        self.misread_only = False
        self.undo_stack: list[list] = []  # each deletion, whole, newest last
        self.message = ""  # the line under the grid: what was done, or what went wrong

    # --- inputs ------------------------------------------------------------------------------------
    def set_digits(self, digits: list) -> None:
        self.digits = list(digits)
        known = {d.id for d in self.digits}
        self.answers = {i: a for i, a in self.answers.items() if i in known}

    def set_answers(self, ids, predictions, model_name: str | None) -> None:
        """The model's answers for the digits with these ids (None, None: no model)."""
        self.model_name = model_name
        self.answers = {} if ids is None else {int(i): int(p) for i, p in zip(ids, predictions)}

    def set_filter(self, label: int | None, misread_only: bool | None = None) -> None:
        self.label_filter = label
        if misread_only is not None:
            self.misread_only = bool(misread_only)

    def deleted(self, digits: list) -> None:
        """Digits were deleted (whole, as MyDigits.delete returned them): undo can bring them back."""
        if digits:
            self.undo_stack.append(digits)
            self.message = f"Deleted {plural(len(digits), 'digit')}. Undo brings {'it' if len(digits) == 1 else 'them'} back."

    def take_undo(self) -> list:
        """The last deletion, to restore; [] when there is none."""
        return self.undo_stack.pop() if self.undo_stack else []

    # --- what is shown -----------------------------------------------------------------------------
    def is_misread(self, digit) -> bool:
        answer = self.answers.get(digit.id)
        return answer is not None and answer != digit.label

    def visible(self) -> list:
        return [d for d in self.digits if (self.label_filter is ALL or d.label == self.label_filter)
                and (not self.misread_only or self.is_misread(d))]  # fmt: skip

    def per_digit(self) -> list[DigitAccuracy]:
        correct, total = np.zeros(CLASSES, int), np.zeros(CLASSES, int)
        for d in self.digits:
            answer = self.answers.get(d.id)
            if answer is not None:
                total[d.label] += 1
                correct[d.label] += answer == d.label
        return [DigitAccuracy(label, int(correct[label]), int(total[label])) for label in range(CLASSES)]

    def accuracy_text(self) -> str:
        if not self.digits:
            return "No digits of yours yet: draw one on Draw & Inspect and press its key (0–9), or import a folder."
        if self.model_name is None:
            return f"{plural(len(self.digits), 'digit')} of yours; no model is loaded to read them."
        rows = self.per_digit()
        correct, total = sum(r.correct for r in rows), sum(r.total for r in rows)
        if not total:
            return f"{plural(len(self.digits), 'digit')} of yours; {self.model_name} is reading them…"
        return (f"{self.model_name} reads {format_percent(correct / total)} of your {plural(total, 'digit')} "
                f"right ({correct:,}); {total - correct:,} misread.")  # fmt: skip

    def per_digit_text(self) -> str:
        return "   ".join(r.text() for r in self.per_digit() if r.total)

    def count_text(self) -> str:
        shown = len(self.visible())
        what = "all digits" if self.label_filter is ALL else f"the {self.label_filter}s"
        misread = ", misread only" if self.misread_only else ""
        return f"Showing {shown:,} of {len(self.digits):,} ({what}{misread})."

    def caption(self, digit) -> str:
        answer = self.answers.get(digit.id)
        return str(digit.label) if answer is None or answer == digit.label else f"{digit.label} ✗ {answer}"

    def tooltip(self, digit) -> str:
        answer = self.answers.get(digit.id)
        read = "" if answer is None else f"\n{self.model_name} reads it as {answer}" + (" (misread)" if answer != digit.label else "")
        then = "" if digit.answer is None else f"\nWhen kept, {digit.model or 'the model'} said {digit.answer}"
        return f"Labelled {digit.label}, {digit.source}, {_local(digit.created)}{read}{then}"

    def inspect_caption(self, digit) -> str:
        return f"My digit #{digit.id}, labelled {digit.label}"


def kept_picture(digit) -> np.ndarray | None:
    """What Draw & Inspect's canvas shows of a kept digit (a whole one, MyDigits.digit): its strokes
    drawn again with the canvas's pen, else its source picture, ink high in [0, 1]; None when it
    kept neither (then the canvas shows the 28x28 itself)."""
    if digit.strokes:
        return render_canvas(digit.strokes, CANVAS_PEN_WIDTH).astype(np.float32) / 255.0
    if digit.pixels is not None:
        return np.asarray(digit.pixels, np.float32) / 255.0
    return None


def _local(created: str) -> str:
    return datetime.fromisoformat(created).astimezone().strftime("%Y-%m-%d %H:%M")
