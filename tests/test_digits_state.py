"""The My digits tab's state without a display: filters, misread marks, accuracy per digit, undo,
and the sentences; and the sentence Draw & Inspect says when a drawing is kept."""

from __future__ import annotations

import numpy as np

from recognizer.store.my_digits import Digit
from recognizer.ui.digits.state import DigitsState
from recognizer.ui.inspect.keeping import kept_sentence


def digit(i, label, answer_then=None):
    return Digit(id=i, label=label, created="2026-12-01T23:00:00+00:00", source="drawing",
                 input=np.zeros((28, 28), np.float32), answer=answer_then, model="m")  # fmt: skip


def test_filters_marks_and_accuracy_per_digit():
    state = DigitsState()
    assert state.accuracy_text().startswith("No digits of yours yet")
    state.set_digits([digit(1, 7), digit(2, 7), digit(3, 1), digit(4, 1)])
    assert "no model is loaded" in state.accuracy_text()
    state.set_answers([1, 2, 3, 4], [7, 1, 1, 1], "default.safetensors")
    assert state.accuracy_text() == "default.safetensors reads 75% of your 4 digits right (3); 1 misread."
    assert [r.text() for r in state.per_digit() if r.total] == ["1: 2/2 (100%)", "7: 1/2 (50%)"]
    assert state.per_digit_text() == "1: 2/2 (100%)   7: 1/2 (50%)"
    assert state.caption(state.digits[1]) == "7 ✗ 1" and state.caption(state.digits[0]) == "7"
    state.set_filter(None, misread_only=True)
    assert [d.id for d in state.visible()] == [2] and state.count_text() == "Showing 1 of 4 (all digits, misread only)."
    state.set_filter(1, misread_only=False)
    assert [d.id for d in state.visible()] == [3, 4] and state.count_text() == "Showing 2 of 4 (the 1s)."
    assert "reads it as 1" in state.tooltip(state.digits[2])


def test_undo_brings_back_deletions_newest_first():
    state = DigitsState()
    state.deleted([digit(1, 2)])
    state.deleted([digit(2, 3), digit(3, 3)])
    assert state.message == "Deleted 2 digits. Undo brings them back."
    assert [d.id for d in state.take_undo()] == [2, 3]
    assert [d.id for d in state.take_undo()] == [1]
    assert state.take_undo() == []


def test_answers_of_digits_that_are_gone_are_dropped():
    state = DigitsState()
    state.set_digits([digit(1, 4), digit(2, 4)])
    state.set_answers([1, 2], [4, 9], "m")
    state.set_digits([digit(1, 4)])
    assert state.answers == {1: 4} and state.accuracy_text().endswith("(1); 0 misread.")


def test_the_kept_sentence_names_both_labels():
    assert kept_sentence(7, 1) == "Kept as 7 (the network said 1)."
    assert kept_sentence(3, 3) == "Kept as 3 in My digits (the network said 3 too)."
    assert kept_sentence(5, None) == "Kept as 5 in My digits."
