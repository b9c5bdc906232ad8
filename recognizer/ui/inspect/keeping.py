"""Keep the drawing in My digits with a label: a digit key 0-9 (the window's actions) or the
"It's a …" button. What is kept is all it takes to make the input again: the strokes when there
are any, the canvas's pixels, the 28x28 input, the label, and the model's answer then
(recognizer/my_digits.py writes it, in one transaction). A second key for the same input
relabels the digit it kept rather than keeping it twice: a corrected mistype is still one digit.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QMenu, QToolButton, QWidget

from ...dims import CLASSES
from ...errors import RecognizerError
from ..dialogs import DIALOGS
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


def keep_drawing(db_path: str | Path | None, state: InspectState, strokes, pixels, label: int,
                 model_name: str | None = None, kept_id: int | None = None) -> tuple[int, str] | None:  # fmt: skip
    """Keep the current input with label in the records at db_path (None: the user data folder's);
    (its id, the sentence to show), or None when there is nothing to keep. kept_id: the digit this
    same input was kept as already, relabelled instead when it is still there. RecordsError when
    the file is not ours or damaged."""
    from ...my_digits import MyDigits
    from ...records import Records

    if state.image28 is None:
        return None
    answer = network_answer(state)
    source = "drawing" if strokes else state.source
    with Records(db_path) as records:
        digits = MyDigits(records)
        if kept_id is not None and records.query("SELECT 1 FROM digits WHERE id = ?", (int(kept_id),)):
            digits.relabel(kept_id, label)
            return kept_id, kept_sentence(label, answer, relabelled=True)
        digit_id = digits.add(label, state.image28, source=source, strokes=strokes or None,
                              pixels=pixels, answer=answer, model=model_name)  # fmt: skip
    return digit_id, kept_sentence(label, answer)


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
    """Keeps Draw & Inspect's input in My digits. A records file that cannot be used is never
    written to: a dialog offers to start a new one beside it. Signals: kept(id); moved(path) when
    the digits go to a new file from then on (the window remembers it)."""

    kept = Signal(int)
    moved = Signal(object)

    def __init__(self, tab, db_path: str | Path | None = None):
        super().__init__(tab)
        self.tab = tab
        self.db_path = db_path  # None: the user data folder's records file
        # (the input array kept, its id): set_input gives every new input a new array, so "the
        # same input" is this very object, whatever it holds.
        self._kept: tuple[object, int] | None = None

    def keep(self, label: int, model_name: str | None = None, offer_new: bool = True) -> int | None:
        """Keep the input as label; its id, or None (nothing to keep, or not kept)."""
        from ...records import default_path, path_beside

        tab = self.tab
        image = tab.state.image28
        kept_id = self._kept[1] if self._kept is not None and self._kept[0] is image else None
        try:
            kept = keep_drawing(self.db_path, tab.state, tab.canvas.strokes(), tab.canvas.pixels(), label, model_name,
                                kept_id)  # fmt: skip
        except RecognizerError as e:
            if not offer_new:
                DIALOGS.show_message(tab, "warning", "Cannot keep the digit", str(e))
                return None
            choice = DIALOGS.ask_choice(tab, "Cannot keep the digit", f"{e}. Start a new records file beside it?",
                                        ["Start a new one beside it", "Cancel"], default=1)  # fmt: skip
            if choice != 0:
                return None
            self.db_path, self._kept = path_beside(self.db_path or default_path()), None
            self.moved.emit(self.db_path)
            return self.keep(label, model_name, offer_new=False)
        tab.answer_hint.setText(NOTHING_TO_KEEP if kept is None else kept[1])
        if kept is None:
            return None
        self._kept = (image, kept[0])
        self.kept.emit(kept[0])
        return kept[0]
