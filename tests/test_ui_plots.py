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


def test_empty_plots_say_nothing_yet_instead_of_showing_meaningless_axes(full_main_window, draw, qtbot):
    window = full_main_window
    lab, evaluate = window.lab_tab, window.evaluate_tab
    empty = [lab.plot, lab.heatmap, evaluate.robustness_page.findChildren(pg.PlotWidget)[0],
             evaluate.flow_page.plot, evaluate.calibration_page.plot]  # fmt: skip
    for widget in empty:
        item = widget.getPlotItem()
        assert not item.getAxis("bottom").isVisible() and not item.getAxis("left").isVisible()
        assert item.empty_note.isVisible() and item.empty_note.toPlainText().startswith("Nothing yet")
    draw(window.inspect_tab.canvas, 7)
    window.tabs.setCurrentWidget(lab)
    qtbot.waitUntil(lambda: lab.state.original is not None)
    for widget in (lab.plot, lab.heatmap):
        item = widget.getPlotItem()
        assert item.getAxis("bottom").isVisible() and item.getAxis("left").isVisible()
        assert not item.empty_note.isVisible()


def test_the_hidden_state_maps_amber_path_has_a_dark_outline(qtbot):
    """Among the orange 1s and yellow 5s a bare amber line was lost: it is drawn over a wider dark one."""
    import numpy as np
    from PySide6.QtGui import QColor

    from recognizer.ui.evaluate.plots import HiddenStateMap

    view = HiddenStateMap()
    qtbot.addWidget(view)
    path = np.cumsum(np.ones((28, 2)), axis=0)
    view.set_path(path, row=13)
    halo, amber = view.path_halo, view.path_read
    np.testing.assert_array_equal(halo.getData()[0], amber.getData()[0])
    assert halo.opts["pen"].widthF() > amber.opts["pen"].widthF() + 2
    assert QColor(halo.opts["pen"].color()).lightness() < 40 and halo.zValue() <= amber.zValue()
    assert view.getPlotItem().items.index(halo) < view.getPlotItem().items.index(amber)  # drawn first, under it
