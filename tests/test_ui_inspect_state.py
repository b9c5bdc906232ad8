"""Draw & Inspect's row, speed, auto-play and pen width live in its state only: the real widgets,
moved with keys and clicks, write the state, and the state's changes move the widgets (and the
View menu's auto-play), both ways."""

from __future__ import annotations

from drawing import draw_digit
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from recognizer.network.model import ROWS


def test_the_row_slider_and_the_state_agree_both_ways(main_window, qtbot):
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    draw_digit(tab.canvas, 7)
    heard = []
    tab.state.events.row.connect(heard.append)
    tab.row_slider.setFocus()
    QTest.keyClick(tab.row_slider, Qt.Key_PageDown)  # one page (7 rows) back, by the user
    assert tab.state.row == ROWS - 1 - 7 and heard == [ROWS - 1 - 7]
    assert tab.row_label.text().strip() == f"row {ROWS - 7} / {ROWS}" and tab.caption.text().startswith(f"Row {ROWS - 7} ")
    tab.state.go_to(3)  # the state moved: the slider and every row view follow
    assert tab.row_slider.value() == 4 and tab.row_label.text().strip() == f"row  4 / {ROWS}"
    assert tab.caption.text().startswith("Row 4 ")
    tab.play()
    assert tab.state.playing and tab.play_button.isChecked()
    QTest.keyClick(tab.row_slider, Qt.Key_PageUp)  # moved by hand while playing: it stops there
    assert not tab.state.playing and not tab.play_button.isChecked()
    assert tab.row_slider.value() == tab.state.row + 1


def test_auto_play_pen_width_and_speed_live_in_the_state(main_window, qtbot):
    tab, menus = main_window.inspect_tab, main_window.menus
    assert tab.state.auto_play and tab.autoplay_check.isChecked() and menus.autoplay_action.isChecked()
    QTest.mouseClick(tab.autoplay_check, Qt.LeftButton)  # the box, clicked
    assert not tab.state.auto_play and not menus.autoplay_action.isChecked()
    menus.autoplay_action.trigger()  # the menu
    assert tab.state.auto_play and tab.autoplay_check.isChecked()
    tab.state.set_auto_play(False)  # the state: both follow
    assert not tab.autoplay_check.isChecked() and not menus.autoplay_action.isChecked()
    draw_digit(tab.canvas, 1)
    assert not tab.playing  # a stroke does not play with auto-play off in the state

    tab.pen_slider.setFocus()
    before = tab.state.pen_width
    QTest.keyClick(tab.pen_slider, Qt.Key_PageDown)
    assert tab.state.pen_width == tab.pen_slider.value() == tab.canvas.pen_width < before
    tab.state.set_pen_width(50)
    assert tab.pen_slider.value() == 50 and tab.canvas.pen_width == 50

    tab.speed_slider.setFocus()
    QTest.keyClick(tab.speed_slider, Qt.Key_PageUp)
    assert tab.state.speed == tab.speed_slider.value() and tab.speed_label.text() == f"{tab.state.speed} rows/s"
    tab.state.set_speed(1)
    assert tab.speed_slider.value() == 1 and tab.speed_label.text() == "1 row/s"
