"""How numbers read in the window: one rule for percentages, plurals and counts."""

from __future__ import annotations


def percent(p: float) -> str:
    """83%, 99.4%, >99.9%: whole percents would hide how sure a confident network is."""
    if p > 0.999:
        return ">99.9%"
    return f"{p:.1%}" if p >= 0.99 else f"{p:.0%}"
