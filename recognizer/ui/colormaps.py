"""Colours that carry meaning: one per digit, and the heatmaps' colormaps.

Values that can be negative (hidden state, cell state, the tanh candidate) get a diverging map
centred on 0, so sign and size read at a glance; gates live in [0, 1] and get a sequential map.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

# Tableau 10: ten hues that stay distinct on a dark background and for most colour-blind readers.
CLASS_COLOURS = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip


def diverging() -> pg.ColorMap:
    """Blue for negative, near-black for 0, orange-red for positive (a dark-centred map, so
    the units that are doing nothing fade into the dark background)."""
    return pg.ColorMap(
        pos=np.array([0.0, 0.25, 0.5, 0.75, 1.0]),
        color=np.array(
            [
                (59, 130, 246, 255),  # strong negative: blue
                (30, 64, 120, 255),
                (17, 24, 39, 255),  # 0: the window's background
                (150, 60, 20, 255),
                (249, 115, 22, 255),  # strong positive: orange
            ],
            dtype=np.ubyte,
        ),
        name="recognizer-diverging",
    )


def sequential() -> pg.ColorMap:
    """For gates in [0, 1]: closed (0) is dark, open (1) is bright."""
    return pg.colormap.get("viridis")


__all__ = ["CLASS_COLOURS", "diverging", "sequential"]
