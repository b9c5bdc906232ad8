"""How numbers are worded for people, the same in the CLI and the window."""

from __future__ import annotations

import math


def format_percent(p: float) -> str:
    """83%, 99.4%, >99.9%, 100%: whole percents below 99%, one decimal above, and ">99.9%" for
    anything short of certain that one decimal would round up to "100.0%"."""
    if p >= 1.0:
        return "100%"
    if p > 0.999:
        return ">99.9%"
    return f"{p:.1%}" if p >= 0.99 else f"{p:.0%}"


def format_change(p: float) -> str:
    """A change of probability, to the precision that tells small ones apart: as format_percent
    from 1% up, two significant figures below (0.12%, 0.0034%), so that ten tiny falls never all
    read "0%"; "0%" only for none at all."""
    p = abs(p)
    if p >= 0.01:
        return format_percent(p)
    if p == 0:
        return "0%"
    return f"{p * 100:.2g}%" if p >= 1e-6 else "<0.0001%"


def short_percent(p: float) -> str:
    """Whole percents rounded down, for thumbnails: 99.97% shows as 99%, never as 100% (the
    tooltip has the exact figure)."""
    return f"{int(math.floor(p * 100 + 1e-9))}%"


def plural(n: float, word: str, many: str | None = None) -> str:
    """n and its word, the plural form when n is not exactly 1 (many, else word + "s"), with
    thousands separators: plural(3000, "image") -> "3,000 images"; plural(1, "batch", "batches")."""
    number = f"{int(n):,}" if float(n).is_integer() else f"{n:,.1f}"
    return f"{number} {word if n == 1 else (many or word + 's')}"


def format_accuracy(p: float) -> str:
    """An accuracy on the test set, to the hundredth of a percent (one test digit in 10,000):
    99.57%, so that two models a few digits apart read differently. The same for any share
    measured on a test set (precision, recall, calibration error); format_percent for the rest."""
    return f"{p:.2%}"
