"""One step, with its numbers (issue 26), through the real widgets: a mouse click on a cell of the
heatmap opens the step panel at that unit and row; ← / → step through the rows with the tab; a
unit of h_{t-1} clicked follows the chain one row back; a click on the unit's line picks its row."""

from __future__ import annotations

import pytest
from drawing import draw_digit
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from recognizer.network.step_arithmetic import step


def _click_plot(qtbot, plot, x, y):
    vb = plot.getPlotItem().vb
    qtbot.mouseClick(plot.viewport(), Qt.LeftButton, pos=plot.mapFromScene(vb.mapViewToScene(QPointF(x, y))))


@pytest.fixture
def drawn(main_window, qtbot):
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    draw_digit(tab.canvas, 7)
    qtbot.waitUntil(tab.views_in_sync, timeout=2000)
    return tab


def _shown(tab, unit, row):
    panel = tab.step_panel
    s = step(tab.state.tracer, tab.trace, 0, unit, row)
    assert panel.isVisible() and (panel.state.unit, panel.state.row) == (unit, row)
    assert panel.title.text().startswith(f"Unit {unit} of layer 1, reading row {row + 1}")
    assert f"= {s.h:.3f}".replace("-", "−") in panel.update_label.text()  # h of that very step
    return panel


def test_clicking_a_heatmap_cell_opens_the_step_and_the_keys_follow(drawn, qtbot):
    tab = drawn
    assert not tab.step_panel.isVisible()
    _click_plot(qtbot, tab.state_panel.heatmap, 17 + 1, 42)  # row 17 is drawn at x = 18
    panel = _shown(tab, 42, 17)
    qtbot.waitUntil(lambda: tab.row == 17)  # the tab and the heatmap follow the step
    assert tab.state_panel.unit == 42
    assert [b.isVisible() for b in panel.gates] == [True] * 4  # the shipped model is an LSTM
    # sized to its texts once shown (sized before the style sheet applied, it came out too narrow)
    assert panel.width() >= panel.sizeHint().width() and panel.height() >= panel.sizeHint().height()
    assert panel.gates[1].title.text().startswith("Forget gate f")
    assert "Memory  c = f·c_prev + i·g" in panel.update_label.text()
    QTest.keyClick(panel, Qt.Key_Right)
    _shown(tab, 42, 18)
    qtbot.waitUntil(lambda: tab.row == 18)
    QTest.keyClick(panel, Qt.Key_Left)
    QTest.keyClick(panel, Qt.Key_Left)
    _shown(tab, 42, 16)
    qtbot.waitUntil(lambda: tab.row == 16)
    tab.step(5)  # the tab's own row (the menu's → ) moves the panel too
    _shown(tab, 42, 21)


def test_a_unit_of_h_prev_follows_the_chain_back(drawn, qtbot):
    tab = drawn
    _click_plot(qtbot, tab.state_panel.heatmap, 20 + 1, 5)
    panel = _shown(tab, 5, 20)
    button = next(b for b in panel.gates[0].buttons if b.isVisible())
    unit = button.property("unit")
    assert button.text().startswith(f"unit {unit} ")
    qtbot.mouseClick(button, Qt.LeftButton)
    _shown(tab, unit, 19)
    qtbot.waitUntil(lambda: tab.row == 19)


def test_a_point_of_the_units_line_opens_that_row(drawn, qtbot):
    tab = drawn
    tab.state_panel.select_unit(9)
    _click_plot(qtbot, tab.state_panel.unit_plot, 3 + 1, 0)
    _shown(tab, 9, 3)


def test_a_new_drawing_redoes_the_open_step(drawn, qtbot):
    tab = drawn
    _click_plot(qtbot, tab.state_panel.heatmap, 12 + 1, 30)
    before = _shown(tab, 30, 12).update_label.text()
    tab.canvas.clear()
    draw_digit(tab.canvas, 0)
    qtbot.waitUntil(lambda: tab.step_panel.update_label.text() != before, timeout=2000)
    qtbot.waitUntil(tab.views_in_sync, timeout=2000)
    _shown(tab, 30, tab.row)


def test_a_stacked_models_second_layer_reads_the_layer_below(main_window, stacked_model_path, qtbot):
    from recognizer.files.model_file import load_model

    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    main_window.set_model(load_model(stacked_model_path))  # layers of 16 and 8 units
    draw_digit(tab.canvas, 4)
    qtbot.waitUntil(tab.views_in_sync, timeout=2000)
    tab.state_panel.layer_combo.setCurrentIndex(1)
    _click_plot(qtbot, tab.state_panel.heatmap, 9 + 1, 6)
    panel = tab.step_panel
    s = step(tab.state.tracer, tab.trace, 1, 6, 9)
    assert panel.title.text().startswith("Unit 6 of layer 2, reading row 10")
    assert "units of layer 1 after this row" in panel.sources.text()
    assert f"= {s.h:.3f}".replace("-", "−") in panel.update_label.text()
    assert panel.gates[0].inputs.text().startswith("Largest from the layer below: unit ")
    QTest.keyClick(panel, Qt.Key_Escape)  # closes the panel, not (the window's Esc) the drawing
    assert not panel.isVisible() and not tab.canvas.is_empty()
