"""How numbers are worded for people, the same in the CLI and the window."""

from __future__ import annotations


def format_percent(p: float) -> str:
    """83%, 99.4%, >99.9%, 100%: whole percents below 99%, one decimal above, and ">99.9%" for
    anything short of certain that one decimal would round up to "100.0%"."""
    if p >= 1.0:
        return "100%"
    if p > 0.999:
        return ">99.9%"
    return f"{p:.1%}" if p >= 0.99 else f"{p:.0%}"
