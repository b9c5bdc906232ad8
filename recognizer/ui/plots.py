"""Plot defaults shared by every tab: fixed axes without SI prefixes, digit-image framing, the row axis.

Every view creates its items once and then updates data in place (setData / setImage / setOpts),
as pyqtgraph's fast-plot examples do: rebuilding items costs far more than the drawing.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..network.dims import ROWS
from . import theme

ROW_AXIS = "row read (1–28)"
ROW_X = np.arange(1, ROWS + 1, dtype=np.float64)
DIGIT_TICKS = [[(t, str(t)) for t in (1, 7, 14, 21, 28)]]


def plain_axes(item: pg.PlotItem) -> None:
    """Numbers as they are on every axis of the plot: never an SI-prefixed "(x0.001)" or
    "(x1e-06)" beside a label. Every plot in the window goes through this (fixed_axes calls it)."""
    for side in ("left", "bottom", "right", "top"):
        item.getAxis(side).enableAutoSIPrefix(False)


def fixed_axes(item: pg.PlotItem, x_label: str, y_label: str) -> None:
    """Labelled axes on a view that does not pan or zoom (the right-click menu still exports)."""
    plain_axes(item)
    item.setLabel("bottom", x_label)
    item.setLabel("left", y_label)
    item.hideButtons()
    item.setMouseEnabled(x=False, y=False)


def plot_widget(x_label: str, y_label: str, title: str | None = None) -> pg.PlotWidget:
    w = pg.PlotWidget()
    item = w.getPlotItem()
    fixed_axes(item, x_label, y_label)
    if title:
        item.setTitle(title, color=theme.MUTED_TEXT, size="10pt")
    w.setAntialiasing(True)
    return w


def frame_digit_plot(item: pg.PlotItem) -> None:
    """Axes for a 28x28 image placed at 1..28 both ways: row 1 on top, square pixels, ticks every
    7 rows and columns."""
    item.invertY(True)
    item.setAspectLocked(True)
    item.setRange(xRange=(0.5, ROWS + 0.5), yRange=(0.5, ROWS + 0.5), padding=0)
    for side in ("bottom", "left"):
        item.getAxis(side).setTicks(DIGIT_TICKS)
        item.getAxis(side).setStyle(hideOverlappingLabels=False)


def frame_probability_rows(item: pg.PlotItem) -> None:
    """Axes for a probability (0-1) after each of the 28 rows read: fixed, nothing to drag."""
    fixed_axes(item, ROW_AXIS, "probability")
    item.setRange(xRange=(0.5, ROWS + 0.5), yRange=(0, 1.03), padding=0)


def set_empty(item: pg.PlotItem, note: str | None) -> None:
    """note: the plot has nothing to show yet: its axes (and their grid) are hidden and the note
    is said in the middle, rather than axes over a range that means nothing ("-0.4 … 0.4", "unit
    (x0.001)"). None: the data is there, so are the axes."""
    text = getattr(item, "empty_note", None)
    if text is None:
        text = pg.TextItem("", color=theme.MUTED_TEXT, anchor=(0.5, 0.5))
        text.setZValue(100)
        item.addItem(text, ignoreBounds=True)
        item.empty_note = text
        view = item.getViewBox()
        view.sigRangeChanged.connect(lambda *_: _centre(text, view))
    text.setText(note or "")
    text.setVisible(bool(note))
    _centre(text, item.getViewBox())
    for side in ("left", "bottom"):
        item.showAxis(side, not note)


def _centre(text: pg.TextItem, view: pg.ViewBox) -> None:
    (x0, x1), (y0, y1) = view.viewRange()
    text.setPos((x0 + x1) / 2, (y0 + y1) / 2)
