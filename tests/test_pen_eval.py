"""pen_eval: a model measured on pen-file samples through the stroke path and the verdict, with
counts per digit, per writer, the confusions and the non-digits turned away."""

import numpy as np
import pytest

from drawing import DIGIT_STROKES
from recognizer.pen_eval import digit_of, evaluate_pen
from recognizer.unipen import PenSample, render_pen


def pen_sample(label, canvas_strokes, source="w1"):
    """A pen-file sample from strokes on the canvas (y down): y flipped up, as a tablet writes."""
    return PenSample(label, tuple(np.array(s, np.float64) * [1, -1] for s in canvas_strokes), source)


@pytest.fixture(scope="module")
def loaded(shipped_model_path):
    from recognizer.modelfile import load_model

    return load_model(shipped_model_path)


def test_digit_labels_are_single_digits():
    assert [digit_of(x) for x in ("0", "7", "12", "A", "", "Korean/character01")] == [0, 7, None, None, None, None]


def test_the_drawn_digits_are_read_and_the_counts_agree(loaded):
    samples = [pen_sample(str(d), DIGIT_STROKES[d], source=f"w{d % 2}") for d in range(10)]
    # The digit 1's strokes labelled 7: a mistake the report must name.
    samples.append(pen_sample("7", DIGIT_STROKES[1], source="w1"))
    ev = evaluate_pen(loaded, samples)
    assert ev.digits["samples"] == 11
    assert ev.digits["read_right"] == 10 and ev.digits["accepted_right"] == 10
    assert [t["read_right"] for t in ev.per_digit] == [1] * 10
    assert ev.per_digit[7]["samples"] == 2
    assert ev.confusion.sum() == 11 and ev.confusion.trace() == 10 and ev.confusion[7, 1] == 1
    assert ev.top_confusions() == [(7, 1, 1)]
    assert list(ev.per_writer) == ["w0", "w1"]
    assert ev.per_writer["w0"]["samples"] == 5 and ev.per_writer["w1"]["samples"] == 6
    assert ev.per_writer["w1"]["read_right"] == 5
    assert ev.non_digits["samples"] == 0
    text = "\n".join(ev.lines())
    assert "11 digits: read right 90.91%" in text and "7 read as 1 (1)" in text


def test_each_sample_is_judged_on_its_canvas_input(loaded):
    """The batch gives each sample the verdict judge gives its render_pen input alone."""
    from recognizer.verdict import judge

    samples = [pen_sample(str(d), DIGIT_STROKES[d]) for d in (3, 8)]
    ev = evaluate_pen(loaded, samples)
    for s, v in zip(samples, ev.verdicts):
        alone = judge(loaded, render_pen(s.strokes), strokes_extent=0.7)
        assert (v.kind, v.best) == (alone.kind, alone.best)
        np.testing.assert_allclose(v.probabilities, alone.probabilities, atol=1e-4)


def test_non_digits_and_empty_samples_are_turned_away(loaded):
    samples = [
        PenSample("A", (np.array([[5.0, 5.0]]),), "w1"),  # a click: too small to be anything
        PenSample("3", (), "w1"),  # a segment without a point: nothing to read
        pen_sample("4", DIGIT_STROKES[4], source=""),  # no writer named
    ]
    ev = evaluate_pen(loaded, samples)
    assert ev.non_digits == {"samples": 1, "turned_away": 1, "not_a_digit": 1, "unsure": 0}
    assert ev.verdicts[0].reason == "too small" and ev.verdicts[1].reason == "nothing to read"
    assert ev.digits["samples"] == 2 and ev.digits["read_right"] == 1 and ev.digits["not_a_digit"] == 1
    assert ev.confusion.sum() == 1  # the empty sample has no leading class
    assert list(ev.per_writer) == ["w1"]  # the unnamed writer is not a writer
    d = ev.to_dict()
    assert d["non_digits"]["turned_away"] == 1 and d["per_digit"]["3"]["samples"] == 1


def test_no_samples_gives_an_empty_report(loaded):
    ev = evaluate_pen(loaded, [])
    assert ev.digits["samples"] == 0 and ev.per_writer == {} and ev.top_confusions() == []
    assert ev.lines()[0].startswith("0 digits")
