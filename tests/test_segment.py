"""Several digits in one drawing (recognizer/inputs/segment.py): grouping on synthetic layouts, and a
single digit read exactly as before."""

from __future__ import annotations

import numpy as np
import pytest
from drawing import DIGIT_STROKES
from hypothesis import given, settings
from hypothesis import strategies as st

from recognizer.inputs import segment
from recognizer.inputs.preprocess import to_mnist
from recognizer.inputs.strokes import render_canvas, render_strokes


def placed(digits, height=80.0, gaps=None, baselines=None, left=10.0):
    """The tests' digits side by side at `height`, `gaps` (shares of the height) apart: strokes
    and the stroke indices of each digit."""
    strokes, spans, x = [], [], left
    for k, d in enumerate(digits):
        s = height / 210.0  # the tests' digits are about 210 canvas units tall
        lines = [np.asarray(p, float) * s for p in DIGIT_STROKES[d]]
        lo = np.concatenate(lines).min(axis=0)
        dy = 40.0 + (baselines[k] * height if baselines else 0.0)
        lines = [p - lo + (x, dy) for p in lines]
        spans.append(tuple(range(len(strokes), len(strokes) + len(lines))))
        strokes += lines
        x = float(np.concatenate(lines)[:, 0].max()) + (gaps[k] if gaps else 0.3) * height
    return strokes, spans


@settings(max_examples=60, deadline=None)
@given(digits=st.lists(st.integers(0, 9), min_size=1, max_size=5),
       height=st.floats(30, 60), data=st.data())
def test_digits_apart_are_grouped_each_with_all_its_strokes(digits, height, data):
    gaps = data.draw(st.lists(st.floats(0.15, 0.6), min_size=len(digits), max_size=len(digits)))
    baselines = data.draw(st.lists(st.floats(-0.08, 0.08), min_size=len(digits), max_size=len(digits)))
    strokes, spans = placed(digits, height, gaps, baselines)
    groups = segment.split_strokes(strokes)
    assert [g.members for g in groups] == spans  # two-stroke 4s and 5s stay whole, left to right


@pytest.mark.parametrize("digit", range(10))
def test_one_digit_is_one_group_with_todays_input(digit):
    groups = segment.split_strokes(DIGIT_STROKES[digit])
    assert len(groups) == 1
    assert np.array_equal(groups[0].image28, render_strokes(DIGIT_STROKES[digit]))


@pytest.mark.parametrize("digit", range(10))
def test_a_small_drawing_is_one_group_with_todays_input_and_extent(digit):
    from recognizer.inputs.strokes import strokes_extent

    small = [np.asarray(p, float) * 0.05 + 100 for p in DIGIT_STROKES[digit]]  # about 10 canvas units tall
    for drawing in (small, [np.array([[100.0, 100.0]])]):  # and a click
        (group,) = segment.split_strokes(drawing)
        assert np.array_equal(group.image28, render_strokes(drawing))
        assert group.extent == strokes_extent(drawing)


def test_a_one_beside_a_seven_is_two_digits_and_a_dot_joins_its_neighbour():
    strokes, spans = placed([1, 7], gaps=[0.15, 0])
    assert [g.members for g in segment.split_strokes(strokes)] == spans
    dot = [np.array([[20.0, 30.0], [21.0, 30.5]])]  # a flick above the 1
    assert [g.members for g in segment.split_strokes(strokes + dot)] == [(*spans[0], 2), spans[1]]


def test_group_boxes_merges_overlap_and_keeps_touching_digits_apart():
    tall = [[0, 0, 30, 100], [30, 0, 60, 100]]  # two digits whose boxes touch: apart
    assert segment.group_boxes(np.array(tall)) == [(0,), (1,)]
    hook = [[0, 0, 40, 50], [42, 0, 50, 100]]  # a short hook beside an upright: a 4
    assert segment.group_boxes(np.array(hook)) == [(0, 1)]
    assert segment.group_boxes(np.zeros((0, 4))) == []


def test_a_picture_is_split_by_blobs_and_one_digit_gives_todays_input():
    strokes, spans = placed([2, 0, 4, 7], height=60.0)
    picture = 255 - render_canvas(strokes, pen_width=6.0)  # dark ink on white paper
    groups = segment.split_picture(picture)
    assert len(groups) == 4
    assert [g.box[0] for g in groups] == sorted(g.box[0] for g in groups)
    assert all(g.image28 is not None and g.image28.shape == (28, 28) for g in groups)
    one = 255 - render_canvas(DIGIT_STROKES[4], pen_width=12.0)  # a 4 of two strokes, one blob
    (single,) = segment.split_picture(one)
    assert np.array_equal(single.image28, to_mnist(one))
    assert segment.split_picture(np.full((50, 50), 255, np.uint8)) == []


def test_a_picture_of_specks_is_read_whole_as_before():
    picture = np.full((600, 600), 255, np.uint8)
    picture[5:-5:12, 5:-5:12] = 0  # 2,401 separate dots, far more blobs than a number has
    (group,) = segment.split_picture(picture)  # not thousands of blobs merged pair by pair
    assert group.box == (0.0, 0.0, 600.0, 600.0)
    assert np.array_equal(group.image28, to_mnist(picture))


def test_reading_gives_the_number_and_a_question_mark_for_a_turned_away_group(model_path):
    from recognizer.reading import ReadingSession

    session = ReadingSession.load(model_path)
    strokes, _ = placed([2, 0, 4, 7], height=60.0)
    click = [np.array([[270.0, 100.0]])]  # a click: too small to be a digit
    reading = segment.read(segment.split_strokes(strokes + click), session.read)
    assert reading.number == "2047?"
    assert reading.digits[-1].verdict.reason == "too small"
    (one,) = segment.read(segment.split_strokes(DIGIT_STROKES[3]), session.read).digits
    today = session.read(render_strokes(DIGIT_STROKES[3]), one.group.extent).verdict
    assert (one.verdict.kind, one.verdict.digit, one.verdict.confidence) == (today.kind, today.digit, today.confidence)


def test_an_earlier_reading_lends_its_digits_to_the_groups_not_redrawn(model_path):
    from recognizer.reading import ReadingSession

    class Counting:  # a reader that counts the images it reads
        def __init__(self, session):
            self.session, self.images = session, 0

        def __call__(self, image28, extent):
            self.images += 1
            return self.session.read(image28, extent)

    tracer = Counting(ReadingSession.load(model_path))
    strokes, _ = placed([2, 0, 4, 7], height=60.0)
    first = segment.read(segment.split_strokes(strokes[:-1]), tracer)  # the 7 still to come
    assert first.number == "204" and tracer.images == 3
    second = segment.read(segment.split_strokes(strokes), tracer, before=first)
    assert second.number == "2047" and tracer.images == 4  # only the 7 was read
    assert [d.trace for d in second.digits[:3]] == [d.trace for d in first.digits]
    third = segment.read(segment.split_strokes(strokes[:3] + strokes[4:]), tracer, before=second)  # undo the 4's upright
    assert len(third.digits) == 4 and tracer.images == 5  # only what is left of the 4 is read anew
