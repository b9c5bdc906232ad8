"""How numbers read in the window, without Qt (the Evaluate tab's state uses them without a display)."""

from __future__ import annotations

import math


def percent(p: float) -> str:
    """83%, 99.4%, >99.9%: whole percents would hide how sure a confident network is."""
    if p > 0.999:
        return ">99.9%"
    return f"{p:.1%}" if p >= 0.99 else f"{p:.0%}"


def short_percent(p: float) -> str:
    """Whole percents rounded down, for thumbnails: 99.97% shows as 99%, never as 100% (the
    tooltip has the exact figure)."""
    return f"{int(math.floor(p * 100 + 1e-9))}%"
