"""Every plot in the window, through the real tabs: no axis ever gets an SI prefix ("(x0.001)",
"(x1e-06)"), and a plot with nothing to show says so instead of showing meaningless axes."""

from __future__ import annotations

import pyqtgraph as pg


def plot_items(widget):
    for view in widget.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if isinstance(item, pg.PlotItem):
                yield item


def test_no_axis_anywhere_takes_an_si_prefix(full_main_window):
    window = full_main_window
    items = list(plot_items(window))
    assert len(items) > 15  # Draw & Inspect, Train, Evaluate's pages, the Lab
    prefixed = [(item.titleLabel.text, side) for item in items for side in ("left", "bottom", "right", "top")
                if item.getAxis(side).autoSIPrefix]  # fmt: skip
    assert prefixed == []
