"""pen_eval: a model measured on pen-file samples through the stroke path and the verdict, with
counts per digit, per writer, the confusions and the non-digits turned away."""

import numpy as np
import pytest
from drawing import DIGIT_STROKES
from pen_samples import pen_sample

from recognizer.datasets.unipen import PenSample, digit_of, render_pen
from recognizer.evaluation.pen_reading import evaluate_pen


@pytest.fixture(scope="module")
def loaded(shipped_model_path):
    from recognizer.files.model_file import load_model

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
    from recognizer.reading import ReadingSession

    session = ReadingSession(loaded)
    samples = [pen_sample(str(d), DIGIT_STROKES[d]) for d in (3, 8)]
    ev = evaluate_pen(loaded, samples)
    for s, v in zip(samples, ev.verdicts):
        alone = session.read(render_pen(s.strokes), 0.7).verdict
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
    assert ev.lines() == ["no sample labelled with a digit"]


def test_a_file_of_letters_reports_only_what_was_turned_away(loaded):
    ev = evaluate_pen(loaded, [PenSample("A", (np.array([[0.0, 0.0], [1.0, 1.0]]),), "w1")])
    assert ev.lines()[0] == "no sample labelled with a digit" and ev.to_dict()["accuracy"] is None
    assert ev.lines()[-1].startswith("1 sample not labelled a digit: turned away")


def test_many_writers_and_batches_are_counted_in_one_pass(loaded):
    """Ten samples in batches of three, each by its own writer: every verdict lands on its own
    sample and every writer is counted once."""
    samples = [pen_sample(str(d), DIGIT_STROKES[d], source=f"w{d}") for d in range(10)]
    ev = evaluate_pen(loaded, samples, batch_size=3)
    assert [v.best for v in ev.verdicts] == list(range(10))
    assert list(ev.per_writer) == [f"w{d}" for d in range(10)]
    assert all(t == {"samples": 1, "read_right": 1, "accepted_right": 1, "not_a_digit": 0, "unsure": 0}
               for t in ev.per_writer.values())  # fmt: skip
