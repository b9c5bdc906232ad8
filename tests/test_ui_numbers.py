"""A number on Draw & Inspect, drawn with real mouse events: the answer shows each digit, a box
around each on the canvas, and the trace views follow the chosen digit (issue 27)."""

from __future__ import annotations

import numpy as np
from drawing import DIGIT_STROKES, draw_stroke
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QToolButton
from test_segment import placed

from recognizer.inputs.strokes import render_strokes
from recognizer.network.model import ROWS


def draw_all(canvas, strokes):
    for s in strokes:
        draw_stroke(canvas, [tuple(p) for p in s])


def prediction(window) -> str:
    return window.inspect_tab.findChild(QLabel, "prediction").text()


def tags(tab) -> list[QToolButton]:
    return [t for t in tab.canvas.findChildren(QToolButton, "number_tag") if t.isVisible()]


def test_a_number_shows_each_digit_a_box_each_and_follows_the_last_one_drawn(main_window):
    tab = main_window.inspect_tab
    strokes, spans = placed([2, 0, 4, 7], height=60.0)  # the 4 in two strokes
    draw_all(tab.canvas, strokes)
    number = tab.number.state
    assert number.number_text() == "2 0 4 7"
    assert tab.number.strip.isVisible() and len(tags(tab)) == 4
    assert [b.text().split()[0] for b in tab.number.strip.buttons] == ["2", "0", "4", "7"]
    assert number.chosen == 3 and prediction(main_window) == "7"  # the digit just drawn
    drawn = tab.canvas.strokes()  # as the canvas sampled the mouse
    assert np.array_equal(tab.state.image28, render_strokes([drawn[i] for i in spans[3]]))
    # the boxes are painted over the drawing: the canvas shows the accent colour
    image = QImage(tab.canvas.size(), QImage.Format_ARGB32)
    tab.canvas.render(image)
    assert any(image.pixelColor(x, y).name() == "#f59e0b" for x in range(0, image.width(), 2)
               for y in range(0, image.height(), 2))


def test_clicking_a_digit_or_its_tag_and_tab_choose_which_digit_the_views_follow(main_window):
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    strokes, spans = placed([2, 0, 4, 7], height=60.0)
    draw_all(tab.canvas, strokes)
    QTest.mouseClick(tab.number.strip.buttons[2], Qt.LeftButton)
    assert tab.number.state.chosen == 2 and prediction(main_window) == "4"
    assert np.array_equal(tab.state.image28, render_strokes([tab.canvas.strokes()[i] for i in spans[2]]))
    np.testing.assert_allclose(tab.bars.heights, tab.state.probabilities[ROWS - 1], rtol=1e-6)  # calibrated, as shown
    followed = []  # what the Lab and Compare are handed: the chosen digit's trace
    tab.trace_changed.connect(followed.append)
    QTest.mouseClick(tags(tab)[0], Qt.LeftButton)
    assert tab.number.state.chosen == 0 and prediction(main_window) == "2"
    assert np.array_equal(followed[-1].image, render_strokes([tab.canvas.strokes()[i] for i in spans[0]]))
    assert tab.number.strip.buttons[0].isChecked() and not tab.number.strip.buttons[2].isChecked()
    QTest.keyClick(tab.canvas, Qt.Key_Tab)
    assert tab.number.state.chosen == 1 and prediction(main_window) == "0"
    QTest.keyClick(tab.canvas, Qt.Key_Backtab, Qt.ShiftModifier)
    QTest.keyClick(tab.canvas, Qt.Key_Backtab, Qt.ShiftModifier)
    assert tab.number.state.chosen == 3  # round the number
    QTest.keyClick(tab.canvas, Qt.Key_Left)  # the arrows still step rows
    assert tab.row == ROWS - 2 and tab.number.state.chosen == 3


def test_a_digit_beside_a_scribble_shows_a_question_mark_with_the_reason(main_window):
    tab = main_window.inspect_tab
    strokes, _ = placed([3], height=80.0)
    scribble = [np.array([(150 + 6 * k, 60 + (40 if k % 2 else 0)) for k in range(18)], float)]  # a zigzag
    draw_all(tab.canvas, strokes + scribble)
    items = tab.number.state.items()
    assert [i.symbol for i in items] == ["3", "?"]
    assert "not a digit" in items[1].why and tab.number.strip.buttons[1].toolTip() == items[1].why
    assert prediction(main_window) == "–"  # the scribble was drawn last: its own verdict shows


def test_undoing_one_stroke_splits_again_and_one_digit_is_as_before(main_window):
    tab = main_window.inspect_tab
    strokes, _ = placed([1, 7], height=80.0, gaps=[0.3, 0])
    draw_all(tab.canvas, strokes)
    assert tab.number.state.number_text() == "1 7"
    QTest.keyClick(tab.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert not tab.number.state.is_number and not tab.number.strip.isVisible() and not tags(tab)
    assert np.array_equal(tab.state.image28, render_strokes(tab.canvas.strokes()))  # the 1 alone, as today
    assert prediction(main_window) == "1"
    QTest.keyClick(tab.canvas, Qt.Key_Tab)  # no number: Tab does nothing to the answer
    assert prediction(main_window) == "1"


def test_a_two_stroke_digit_alone_is_one_digit(main_window):
    tab = main_window.inspect_tab
    for digit in (4, 5):
        tab.canvas.clear()
        draw_all(tab.canvas, DIGIT_STROKES[digit])
        assert not tab.number.state.is_number and prediction(main_window) == str(digit)
        assert np.array_equal(tab.state.image28, render_strokes(tab.canvas.strokes()))


def test_typing_the_number_keeps_each_digit_with_its_own_strokes(main_window):
    from recognizer.store.my_digits import MyDigits
    from recognizer.store.records import Records

    tab = main_window.inspect_tab
    strokes, spans = placed([2, 0, 4, 7], height=60.0)
    draw_all(tab.canvas, strokes)
    drawn = tab.canvas.strokes()
    for key in (Qt.Key_2, Qt.Key_0, Qt.Key_4, Qt.Key_1):  # "2041": the last digit was really a 1
        QTest.keyClick(tab.canvas, key)
    assert tab.answer_hint.text() == "Kept as 1 (the network said 7)."
    with Records(main_window.keeper.db_path) as records:
        mine = MyDigits(records)
        kept = [mine.digit(d.id) for d in sorted(mine.digits(), key=lambda d: d.id)]
    assert [d.label for d in kept] == [2, 0, 4, 1]
    for digit, span in zip(kept, spans):
        assert len(digit.strokes) == len(span)  # the 4 keeps both its strokes, and only its own
        np.testing.assert_allclose(digit.strokes[0], drawn[span[0]], atol=0.01)
        np.testing.assert_array_equal(digit.input, render_strokes([drawn[i] for i in span]))


def test_another_model_reads_every_digit_of_the_number_again(main_window, stacked_model_path):
    from recognizer.files.model_file import load_model

    tab = main_window.inspect_tab
    strokes, _ = placed([2, 0, 4, 7], height=60.0)
    draw_all(tab.canvas, strokes)
    assert all(len(d.trace.layers) == 1 for d in tab.number.state.reading.digits)
    main_window.set_model(load_model(stacked_model_path))  # two layers, random weights
    reading = tab.number.state.reading
    assert reading is not None and len(reading.digits) == 4
    assert all(len(d.trace.layers) == 2 for d in reading.digits)
    assert tab.trace is not None and len(tab.trace.layers) == 2
