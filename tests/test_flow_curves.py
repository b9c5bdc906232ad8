"""flow_curves: several model files' last-layer ‖∂loss/∂h_t‖ on one batch, as gradient_flow
gives it for each model on its own; and the words the Gradient flow page says about them (Qt-free)."""

import numpy as np
import pytest
import torch
from fake_runner import FakeRunner

from recognizer.evaluation.flow_curves import (
    FlowCurve,
    compare_flows,
    first_test_digits,
    flow_summary,
    shipped_model_files,
)
from recognizer.evaluation.gradient_flow import gradient_flow
from recognizer.files.model_file import load_model
from recognizer.files.paths import models_dir
from recognizer.ui.evaluate.flow_state import FlowState
from recognizer.ui.jobs import JobFailure


def test_each_curve_is_gradient_flows_last_layer_on_the_same_batch(mnist):
    images, labels = first_test_digits(mnist.test_images, mnist.test_labels, 40)
    assert images.dtype == np.float32 and images.max() <= 1.0 and list(labels) == list(mnist.test_labels[:40])
    files = [models_dir() / "rnn-128.safetensors", models_dir() / "lstm-32x64.safetensors"]  # one layer, two layers
    fractions, measured = [], []
    curves = compare_flows(files, images, labels, progress=fractions.append, measured=measured.append)
    assert fractions == [0.5, 1.0] and measured == curves  # each model as soon as it is measured
    assert [(c.name, c.cell) for c in curves] == [("RNN 128", "rnn"), ("LSTM 32×64", "lstm")] and [c.path for c in curves] == files
    for curve, path in zip(curves, files):
        model = load_model(path).model
        expected = gradient_flow(model, torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64)))["h"]
        assert curve.flow.shape == (28,)
        np.testing.assert_allclose(curve.flow, expected[-1].numpy(), rtol=1e-6)
        if len(expected) > 1:  # the stacked LSTM: the last layer's flow, not the first's
            assert not np.allclose(curve.flow, expected[0].numpy())
        assert curve.relative.max() == 1.0 and curve.relative.min() > 0
        assert curve.first_over_last == pytest.approx(float(expected[-1, 0] / expected[-1, -1]))


def test_stopping_between_models_gives_none(mnist):
    images, labels = first_test_digits(mnist.test_images, mnist.test_labels, 4)
    assert compare_flows(shipped_model_files(), images, labels, should_stop=lambda: True) is None


def test_the_shipped_models_are_the_four_cells_and_sizes():
    assert [p.name for p in shipped_model_files()] == [
        "default.safetensors", "gru-128.safetensors", "lstm-32x64.safetensors", "rnn-128.safetensors"]  # fmt: skip


def curve(name, flow):
    return FlowCurve(models_dir() / "x.safetensors", name, name.split()[0].lower(), np.asarray(flow, dtype=np.float64))


def test_summary_says_what_was_measured():
    kept, faded = curve("GRU 128", [2.0] + [1.0] * 27), curve("RNN 128", [0.01] + [1.0] * 27)
    assert flow_summary([kept]) == ("‖∂loss/∂h_1‖ / ‖∂loss/∂h_28‖: GRU 128 2.00; none of these trained models "
                                    "lets it fade away over the 27 rows back.")  # fmt: skip
    assert flow_summary([kept, faded]).endswith("GRU 128 2.00, RNN 128 0.01; it fades below a tenth in RNN 128.")


def test_state_refuses_a_late_result_and_words_each_phase():
    state, runner = FlowState(), FakeRunner()
    state.slot.runner = runner

    def measure():  # as the page does: the measurement's results go to the state through its slot
        state.begin()
        state.slot.start(None, state.finish, on_partial=state.add)
        return runner.jobs[-1]

    assert state.status_text(4).startswith("Press Measure") and "4 shipped models" in state.status_text(4)
    old = measure()
    new = measure()
    old.on_partial([curve("GRU 128", [1.0] * 28)])
    assert old.cancelled and state.shown() == []
    new.on_partial([curve("LSTM 32×64", [1.0] * 28)])
    new.on_partial([curve("GRU 128", [1.0] * 28)])
    assert [c.name for c in state.shown()] == ["GRU 128", "LSTM 32×64"]  # the models measured so far
    old.on_progress(0.75)
    new.on_progress(0.25)
    assert state.slot.progress == 0.25 and state.status_text(4).endswith("one at a time… 25%")
    old.on_done([curve("GRU 128", [1.0] * 28)])
    assert state.curves == []
    new.on_done([curve("LSTM 128", [1.0] * 28), curve("RNN 128", [1.0] * 28), curve("GRU 128", [1.0] * 28)])
    assert not state.slot.busy and [c.name for c in state.curves] == ["RNN 128", "GRU 128", "LSTM 128"]  # plain cell first
    assert state.status_text(4).startswith("‖∂loss/∂h_1‖ / ‖∂loss/∂h_28‖: RNN 128 1.00, GRU 128 1.00, LSTM 128 1.00;")
    measure().on_error(JobFailure("no such file"))
    assert state.status_text(4) == "The measurement failed: no such file"
    assert len(state.curves) == len(state.shown()) == 3  # the last result stays
    measure()
    assert state.shown() == [] and len(state.curves) == 3  # a new measurement draws only its own models