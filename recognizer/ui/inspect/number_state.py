"""A number on Draw & Inspect, without Qt: the digits a drawing splits into (recognizer/inputs/segment.py),
each one's answer, and which one the trace views follow. Tested without a display
(tests/test_number_state.py); number_view.py shows it.

A drawing of one digit (or none) is no number: `is_number` is False and the tab behaves exactly
as it did before numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...text import format_percent as percent


@dataclass(frozen=True)
class DigitItem:
    """One digit of the number as the answer shows it."""

    symbol: str  # "7", or "?" when the verdict turned the group away
    confidence: str  # "98%" (whole percents, at most 99), or "" for "?"
    why: str  # the tooltip: the verdict in words, with the reason for a "?"
    chosen: bool


class NumberState:
    def __init__(self):
        self.reading = None  # a recognizer.inputs.segment.NumberReading, or None
        self.chosen = 0
        self.picked = False

    def set_reading(self, reading, latest: int | None = None) -> None:
        """A new reading. The chosen digit becomes the one holding stroke `latest` (the stroke just
        drawn, so the views follow what the hand is doing), else the first."""
        self.reading = reading
        self.chosen = 0
        self.picked = False  # whether the user chose a digit (click, Tab) or kept one since
        if reading is not None and latest is not None:
            for i, d in enumerate(reading.digits):
                if latest in d.group.members:
                    self.chosen = i

    @property
    def is_number(self) -> bool:
        return self.reading is not None and len(self.reading.digits) > 1

    @property
    def count(self) -> int:
        return 0 if self.reading is None else len(self.reading.digits)

    def digit(self, index: int | None = None):
        """The DigitReading at index (default: the chosen one), or None without a reading."""
        if self.reading is None or not self.reading.digits:
            return None
        return self.reading.digits[self.chosen if index is None else index]

    def choose(self, index: int) -> bool:
        """Follow digit `index`; False when there is no such digit or it is already chosen."""
        if not self.is_number or not 0 <= index < self.count:
            return False
        self.picked = True
        if index == self.chosen:
            return False
        self.chosen = index
        return True

    def step(self, delta: int) -> bool:
        """Tab and Shift+Tab: the next or previous digit, round the number."""
        return self.is_number and self.choose((self.chosen + delta) % self.count)

    def number_text(self) -> str:
        """ "2 0 2 6": the digits spaced, "?" for each one turned away."""
        return " ".join(item.symbol for item in self.items())

    def items(self) -> list[DigitItem]:
        if self.reading is None:
            return []
        out = []
        for i, d in enumerate(self.reading.digits):
            v = d.verdict
            if v.kind == "digit":
                why = f"Digit {i + 1}: {v.digit}, {percent(v.confidence)} sure"
            elif v.kind == "unsure":
                why = f"Digit {i + 1}: not sure, {v.best} or {v.runner_up}?"
            else:
                why = f"Digit {i + 1}: not a digit ({v.reason})"
            out.append(DigitItem(d.symbol, _short_percent(v.confidence) if v.kind == "digit" else "", why, i == self.chosen))
        return out

    def boxes(self) -> list[tuple[tuple[float, float, float, float], str, bool]]:
        """(box in canvas units, symbol, chosen) of each digit, for the boxes on the canvas."""
        if not self.is_number:
            return []
        return [(d.group.box, d.symbol, i == self.chosen) for i, d in enumerate(self.reading.digits)]

    def to_keep(self) -> int:
        """The digit a typed label keeps: typing 2026 after drawing it labels the digits in turn
        from the first, unless the user chose one (then that one)."""
        return self.chosen if self.picked else 0

    def kept(self) -> None:
        """A digit was kept: the next typed label is for the next digit (the last one stays)."""
        self.picked = True
        self.chosen = min(self.chosen + 1, self.count - 1)

    def chosen_strokes(self, strokes):
        """The chosen digit's own strokes out of the drawing's (for keeping it), or all of them
        when the drawing is no number."""
        if not self.is_number or strokes is None:
            return strokes
        return [strokes[m] for m in self.digit().group.members]



def _short_percent(p: float) -> str:
    """Whole percents for a button: never "100%", which no answer is."""
    return f"{min(int(round(p * 100)), 99)}%"
