"""Two models compared: when a reading makes up its mind, and the test-set comparison."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recognizer.evaluation.accuracy import Stopped, predict_probabilities
from recognizer.evaluation.model_comparison import answer_probability, compare_models, decision_row
from recognizer.files.model_file import load_model
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.network.trace import Tracer


def _rows(leaders, classes=10):
    """Probabilities whose leading class after each row is leaders[row]."""
    p = np.full((len(leaders), classes), 0.05, np.float32)
    p[np.arange(len(leaders)), leaders] = 0.55
    return p


@pytest.mark.parametrize("leaders, row", [
    ([7] * 28, 0),  # led from the first row
    ([1] * 10 + [7] * 18, 10),
    ([7] * 5 + [1] * 5 + [7] * 18, 10),  # led early, lost the lead, took it again for good at row 10
    ([1] * 27 + [7], 27),  # only at the end
    ([3, 7] * 14, 27),
])  # fmt: skip
def test_decision_row_is_the_first_row_from_which_the_final_answer_always_leads(leaders, row):
    p = _rows(leaders)
    assert decision_row(p) == row
    after = p[row:].argmax(axis=1)
    assert (after == leaders[-1]).all()
    assert row == 0 or p[row - 1].argmax() != leaders[-1]


def test_answer_probability_follows_the_final_answer():
    p = _rows([1] * 10 + [7] * 18)
    np.testing.assert_array_equal(answer_probability(p), p[:, 7])


def test_decision_row_of_a_real_reading(shipped_model_path, mnist):
    tracer = Tracer(load_model(shipped_model_path).model)
    trace = tracer(mnist.test_images[0] / 255.0)
    row = decision_row(trace.probabilities)
    assert all(trace.leader(r) == trace.prediction for r in range(row, 28))
    assert row == 0 or trace.leader(row - 1) != trace.prediction


def test_compare_models_on_test_digits(shipped_model_path, mnist):
    a = load_model(shipped_model_path).model
    torch.manual_seed(0)
    b = RowRNN(ModelConfig((8,))).eval()  # untrained: wrong on most digits
    images, labels = mnist.test_images[:300], mnist.test_labels[:300]
    fractions = []
    result = compare_models(a, b, images, labels, progress=fractions.append)
    pa, pb = predict_probabilities(a, images), predict_probabilities(b, images)
    right_a, right_b = pa.argmax(1) == labels, pb.argmax(1) == labels
    assert result.accuracy_a == pytest.approx(right_a.mean()) and result.accuracy_a > 0.95
    assert result.accuracy_b == pytest.approx(right_b.mean()) and result.accuracy_b < 0.5
    assert sorted(result.only_right("a")) == list(np.flatnonzero(right_a & ~right_b))
    assert sorted(result.only_right("b")) == list(np.flatnonzero(right_b & ~right_a))
    assert result.both_wrong == int((~right_a & ~right_b).sum())
    assert result.agreement == pytest.approx((pa.argmax(1) == pb.argmax(1)).mean())
    confidence_of_b = pb[result.only_right("a")].max(axis=1)
    assert (np.diff(confidence_of_b) <= 0).all()  # B's most confident mistakes first
    assert fractions[-1] == 1.0 and fractions == sorted(fractions) and 0.5 in fractions


def test_compare_models_stops_when_asked(shipped_model_path, mnist):
    a = load_model(shipped_model_path).model
    with pytest.raises(Stopped):
        compare_models(a, a, mnist.test_images[:10], mnist.test_labels[:10], should_stop=lambda: True)
