"""Keep the drawing in My digits with a label: a digit key 0-9 (the window's actions) or the
"It's a …" button. What is kept is all it takes to make the input again: the strokes when there
are any, the canvas's pixels, the 28x28 input, the label, and the model's answer then
(recognizer/store/my_digits.py writes it, in one transaction), never with the UI thread waiting. A
second key for the same input relabels the digit it kept rather than keeping it twice: a
corrected mistype is still one digit.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QMenu, QToolButton, QWidget

from ...errors import RecognizerError, RecordsBusyError
from ...network.dims import CLASSES
from ..dialogs import DIALOGS
from ..jobs import JobRunner
from .state import InspectState

NOTHING_TO_KEEP = "Nothing to keep yet: draw a digit, then press its key (0–9)."


def network_answer(state: InspectState) -> int | None:
    """The digit the network answered for the current input (its verdict's, else the trace's)."""
    if state.verdict is not None and getattr(state.verdict, "digit", None) is not None:
        return int(state.verdict.digit)
    return None if state.trace is None else int(state.trace.prediction)


def kept_sentence(label: int, answer: int | None, relabelled: bool = False) -> str:
    if relabelled:
        return f"Relabelled as {label} in My digits." if answer is None else f"Relabelled as {label} (the network said {answer})."
    if answer is None:
        return f"Kept as {label} in My digits."
    if answer == label:
        return f"Kept as {label} in My digits (the network said {answer} too)."
    return f"Kept as {label} (the network said {answer})."


def digit_to_keep(state: InspectState, strokes, pixels, label: int, model_name: str | None = None) -> dict | None:
    """What keeping the current input as label writes (MyDigits.add's arguments), taken now so
    that a write tried again later keeps this drawing, not the next one; None: nothing to keep."""
    if state.image28 is None:
        return None
    return {"label": label, "image28": state.image28.copy(), "source": "drawing" if strokes else state.source,
            "strokes": strokes or None, "pixels": pixels, "answer": network_answer(state), "model": model_name}  # fmt: skip


def write_digit(db_path: str | Path | None, digit: dict, wait: bool, kept_id: int | None = None) -> tuple[int, bool]:
    """Keep digit (from digit_to_keep) in the records at db_path (None: the user data folder's):
    (its id, whether it was a relabelling). kept_id: the digit this same input was kept as
    already, relabelled instead when it is still there. RecordsBusyError for a passing error,
    RecordsError when the file is not ours or damaged."""
    from ...store.my_digits import MyDigits
    from ...store.records import Records

    with Records(db_path, wait=wait) as records:
        digits = MyDigits(records)
        if kept_id is not None and records.query("SELECT 1 FROM digits WHERE id = ?", (int(kept_id),)):
            digits.relabel(kept_id, digit["label"])
            return kept_id, True
        return digits.add(**digit), False


class KeepButton(QWidget):
    """ "It's a …": a menu of the ten digits. Signal keep_requested(label)."""

    keep_requested = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.button = QToolButton()
        self.button.setText("It's a …")
        self.button.setPopupMode(QToolButton.InstantPopup)
        self.button.setToolTip("Keep this drawing in My digits with the digit it really is (or press its key, 0–9).")
        menu = QMenu(self.button)
        for label in range(CLASSES):
            menu.addAction(f"It's a {label}", lambda n=label: self.keep_requested.emit(n))
        self.button.setMenu(menu)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)


class Keeper(QObject):
    """Keeps Draw & Inspect's input in My digits. The UI thread never waits for the records: a
    passing error (another writer holds the file, the disk is full) is tried again on a thread of
    its own, which may wait, and its outcome is said. Only a file that is not ours or is damaged
    (never written to) leads to the offer of a new one beside it. Signals: kept(id); moved(path)
    when the digits go to another file from then on (the window remembers it; None: the default)."""

    kept = Signal(int)
    moved = Signal(object)

    def __init__(self, tab, db_path: str | Path | None = None):
        super().__init__(tab)
        self.tab = tab
        self.db_path = db_path  # None: the user data folder's records file
        self.runner = JobRunner("keep", self)
        # (the input array kept, its id): set_input gives every new input a new array, so "the
        # same input" is this very object, whatever it holds.
        self._last_kept: tuple[object, int] | None = None

    def move(self, path: str | Path | None) -> None:
        """Keep in another records file from now on (None: the user data folder's)."""
        self.db_path, self._last_kept = path, None
        self.moved.emit(path)

    def keep(self, label: int, model_name: str | None = None, offer_new: bool = True) -> int | None:
        """Keep the input as label; its id, or None (nothing to keep, not kept, or being tried
        again in the background: kept says when it is)."""
        from ...store.records import default_path, path_beside

        tab = self.tab
        # A number keeps one digit per label, its own strokes only (its pixels are the whole number's),
        # and each key keeps the next digit: only a single drawing's second key relabels.
        number = tab.number.keeping()
        strokes = tab.number.state.chosen_strokes(tab.canvas.strokes())
        image = tab.state.image28
        last = self._last_kept
        kept_id = last[1] if not number and last is not None and last[0] is image else None
        digit = digit_to_keep(tab.state, strokes, None if number else tab.canvas.pixels(), label, model_name)
        if digit is None:
            tab.answer_hint.setText(NOTHING_TO_KEEP)
            return None
        try:
            result = write_digit(self.db_path, digit, False, kept_id)
        except RecordsBusyError as e:
            tab.answer_hint.setText(f"{e}: trying again…")
            path = self.db_path
            self.runner.submit(lambda ctx: write_digit(path, digit, True, kept_id),
                               on_done=lambda r: self._kept(digit, r, number, image),
                               on_error=lambda failure: self._not_kept(failure.message))  # fmt: skip
            return None
        except RecognizerError as e:
            if not offer_new:
                self._not_kept(str(e))
                return None
            choice = DIALOGS.ask_choice(tab, "Cannot keep the digit", f"{e}. Start a new records file beside it?",
                                        ["Start a new one beside it", "Cancel"], default=1)  # fmt: skip
            if choice != 0:
                return None
            self.move(path_beside(self.db_path or default_path()))
            return self.keep(label, model_name, offer_new=False)
        self._kept(digit, result, number, image)
        return result[0]

    def shutdown(self, timeout: float | None = 5.0) -> bool:
        return self.runner.shutdown(timeout)

    def _kept(self, digit: dict, result: tuple[int, bool], number: bool, image) -> None:
        digit_id, relabelled = result
        if number:
            self.tab.number.kept()  # the next digit, before the sentence (its answer would cover it)
        else:
            self._last_kept = (image, digit_id)
        self.tab.answer_hint.setText(kept_sentence(digit["label"], digit["answer"], relabelled=relabelled))
        self.kept.emit(digit_id)

    def _not_kept(self, message: str) -> None:
        self.tab.answer_hint.setText("Not kept: " + message)
        DIALOGS.show_message(self.tab, "warning", "Cannot keep the digit", message)
