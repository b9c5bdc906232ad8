"""Draw & Inspect's wiring of the step panel (ui/step_panel.py): opened from a cell of the heatmap
or a point of the unit's line (state_panel.py), following the tab's trace and row. The tab only
makes it (one line), so the wiring lives here.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer

from ...network.dims import ROWS
from ..step_panel import StepPanel


def _clicked_at(plot, event) -> tuple[int, float] | None:
    """(row, y in the plot's units) of a left click inside a plot over the rows, else None."""
    vb = plot.getPlotItem().vb
    if event.button() != Qt.LeftButton or not vb.sceneBoundingRect().contains(event.scenePos()):
        return None
    point = vb.mapSceneToView(event.scenePos())
    row = int(np.floor(point.x() - 0.5))  # row t is drawn at x = t + 1, from t + 0.5 to t + 1.5
    return (row, point.y()) if 0 <= row < ROWS else None


def attach(tab) -> StepPanel:
    """The panel for Draw & Inspect: opened from a cell of the heatmap or a point of the unit's
    line (state_panel.py), following the tab's trace and row."""
    panel = StepPanel(tab)
    sp = tab.state_panel

    def on_heatmap(event):
        at = _clicked_at(sp.heatmap, event)
        if at is not None and tab.trace is not None:
            unit = int(np.floor(at[1] + 0.5))
            if 0 <= unit < tab.trace.layers[sp.layer].h.shape[1]:
                panel.open(sp.layer, unit, at[0])

    def on_line(event):
        at = _clicked_at(sp.unit_plot, event)
        if at is not None and tab.trace is not None and sp.unit is not None:
            panel.open(sp.layer, sp.unit, at[0])

    sp.heatmap.scene().sigMouseClicked.connect(on_heatmap)
    sp.unit_plot.scene().sigMouseClicked.connect(on_line)
    # The tab's row views (heatmap, plots, bars) repaint for the new row on the next turn of the
    # event loop: the panel paints first, within the frame of the click or key (bench_step.py).
    # The panel's row then, not the one asked: two quick keys must not send the panel back one.
    def follow_panel():
        if panel.state.row != tab.row:
            tab.go_to_row(panel.state.row)

    panel.row_wanted.connect(lambda _row: QTimer.singleShot(0, follow_panel))
    tab.state.events.row.connect(panel.set_row)
    tab.trace_changed.connect(lambda trace: panel.set_trace(tab.state.tracer, trace))
    panel.unit_shown.connect(
        lambda layer, unit: sp.select_unit(unit) if layer == sp.layer and sp.unit != unit else None
    )
    return panel
