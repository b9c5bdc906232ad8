"""The step panel in the Lab (issue 26), through the real widgets: a mouse click on a cell of the
Lab's heatmap opens the panel at that unit and row of the edited reading, its h the edited
trace's; a silenced unit and a pinned gate are said as such; ← / → move the panel's row; a new
edit redoes the open step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest


def _text(v: float) -> str:
    return f"{v:.3f}".replace("-", "−")


def _click_cell(qtbot, lab, unit, row):
    """A left click in the middle of the cell: row t is drawn from x = t + 0.5, unit u from y = u."""
    plot = lab.heatmap
    at = plot.getPlotItem().vb.mapViewToScene(QPointF(row + 1, unit + 0.5))
    qtbot.mouseClick(plot.viewport(), Qt.LeftButton, pos=plot.mapFromScene(at))


def _edit(lab, qtbot, **fields):
    for name, value in fields.items():
        widget = getattr(lab.form, name)
        widget.setText(value) if name == "units" else widget.setValue(value)
    qtbot.mouseClick(lab.form.silence_button, Qt.LeftButton)


def test_a_click_opens_the_edited_step_of_a_silenced_unit(lab, qtbot):
    _edit(lab, qtbot, units="12", from_row=5)  # unit 12 silenced from row 5 (1-based) on
    assert lab.state.interventions.silenced
    _click_cell(qtbot, lab, 12, 8)
    panel = lab.step_panel
    assert panel.isVisible() and (panel.state.layer, panel.state.unit, panel.state.row) == (0, 12, 8)
    assert lab.state.edited.layers[0].h[8, 12] == 0.0 and lab.state.original.layers[0].h[8, 12] != 0.0
    assert panel.state.step.h == 0.0
    assert "Unit 12 is silenced from row 5: h = 0 and c = 0" in panel.update_label.text()
    _click_cell(qtbot, lab, 30, 10)  # a unit left alone reads the edited h_{t-1} of unit 12
    s = panel.state.step
    assert (panel.state.unit, panel.state.row) == (30, 10)
    assert s.h == pytest.approx(float(lab.state.edited.layers[0].h[10, 30]), abs=1e-6)
    assert s.gate("forget").recurrent.values[12] == 0.0
    assert f"= {_text(s.h)}" in panel.update_label.text() and "silenced" not in panel.update_label.text()


def test_a_pinned_gate_is_shown_pinned_and_the_keys_move_the_row(lab, qtbot):
    lab.form.pin_choice.setCurrentText("forget every row")
    qtbot.mouseClick(lab.form.pin_button, Qt.LeftButton)
    _click_cell(qtbot, lab, 40, 15)
    panel = lab.step_panel
    edited = lab.state.edited.layers[0]
    assert panel.state.step.h == pytest.approx(float(edited.h[15, 40]), abs=1e-6)
    assert panel.state.step.h != pytest.approx(float(lab.state.original.layers[0].h[15, 40]), abs=1e-6)
    assert panel.gates[1].sum.text().startswith("f = 0, pinned (sigmoid(")
    QTest.keyClick(panel, Qt.Key_Right)
    assert panel.state.row == 16 and "reading row 17" in panel.title.text()
    assert panel.state.step.h == pytest.approx(float(edited.h[16, 40]), abs=1e-6)
    QTest.keyClick(panel, Qt.Key_Left)
    QTest.keyClick(panel, Qt.Key_Left)
    assert panel.state.row == 14


def test_a_new_edit_redoes_the_open_step(lab, qtbot):
    _click_cell(qtbot, lab, 5, 20)
    panel = lab.step_panel
    assert panel.state.step.h == pytest.approx(float(lab.state.original.layers[0].h[20, 5]), abs=1e-6)
    _edit(lab, qtbot, units="5", from_row=1)
    qtbot.waitUntil(lambda: "silenced from row 1" in panel.update_label.text(), timeout=2000)
    assert panel.state.step.h == 0.0
