"""The trace recomputes each cell by hand; it must agree with nn.LSTM, nn.GRU and nn.RNN to 1e-5."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from recognizer.network.cells import CELLS, GATES, SERIES
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.network.trace import Tracer


def reference(model: RowRNN, image: np.ndarray):
    """Hidden (and an LSTM's cell) states of every layer at every row, from torch's module itself,
    one step at a time so that c_t is visible too (None for a GRU or RNN)."""
    x = torch.from_numpy(image)[None]
    hs, cs = [], []
    with torch.no_grad():
        for module in model.layers:
            state = None
            h_rows, c_rows = [], []
            for t in range(28):
                out, state = module(x[:, t : t + 1], state)
                h_rows.append(out[0, 0])
                if model.cell == "lstm":
                    c_rows.append(state[1][0, 0])
            h = torch.stack(h_rows)
            full, _ = module(x)  # the whole sequence at once must agree with the step-by-step run
            assert torch.allclose(full[0], h, atol=1e-6)
            hs.append(h.numpy())
            cs.append(torch.stack(c_rows).numpy() if c_rows else None)
            x = full
        probs = torch.softmax(model.readout(x[0]), dim=-1).numpy()
    return hs, cs, probs


@settings(max_examples=15, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 48), min_size=1, max_size=3),
    seed=st.integers(0, 2**31 - 1),
    scale=st.floats(0.1, 2.0),
    cell=st.sampled_from(CELLS),
)
def test_trace_matches_torch(sizes, seed, scale, cell):
    torch.manual_seed(seed)
    model = RowRNN(ModelConfig(tuple(sizes), cell))
    with torch.no_grad():  # random weights well beyond the initial range, saturating gates too
        for p in model.parameters():
            p.mul_(scale)
    image = np.random.default_rng(seed).random((28, 28), dtype=np.float32)
    tr = Tracer(model)(image)
    hs, cs, probs = reference(model, image)
    assert len(tr.layers) == len(sizes)
    for layer, h, c, n in zip(tr.layers, hs, cs, sizes):
        np.testing.assert_allclose(layer.h, h, atol=1e-5)
        if cell == "lstm":
            np.testing.assert_allclose(layer.c, c, atol=1e-5)
        assert layer.names == SERIES[cell]
        for name in layer.names:
            assert layer.series(name).shape == (28, n)
    np.testing.assert_allclose(tr.probabilities, probs, atol=1e-5)
    assert tr.prediction == int(model(torch.from_numpy(image)[None]).argmax())


def test_shipped_model_on_real_digits(mnist):
    """The trace of the shipped model over real test digits, against nn.LSTM's batch forward."""
    from recognizer.files.model_file import load_model
    from recognizer.files.paths import default_model_path

    model = load_model(default_model_path()).model
    images = mnist.test_images[:200].astype(np.float32) / 255
    with torch.no_grad():
        h = model.hidden_sequence(torch.from_numpy(images)).numpy()
        p = torch.softmax(model.row_logits(torch.from_numpy(images)), dim=-1).numpy()
    tracer = Tracer(model)
    for i, image in enumerate(images):
        tr = tracer(image)
        np.testing.assert_allclose(tr.layers[0].h, h[i], atol=1e-5)
        np.testing.assert_allclose(tr.probabilities, p[i], atol=1e-5)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("sizes", [(16,), (8, 12)])
def test_every_cell_and_stack_matches_torch(cell, sizes):
    """The issue's cases by name, beside the random ones above: each cell, one layer and two."""
    torch.manual_seed(5)
    model = RowRNN(ModelConfig(sizes, cell)).eval()
    image = np.random.default_rng(5).random((28, 28), dtype=np.float32)
    tr = Tracer(model)(image)
    hs, cs, probs = reference(model, image)
    for layer, h, c in zip(tr.layers, hs, cs):
        np.testing.assert_allclose(layer.h, h, atol=1e-5)
        if c is not None:
            np.testing.assert_allclose(layer.c, c, atol=1e-5)
    np.testing.assert_allclose(tr.probabilities, probs, atol=1e-5)


def test_gru_gates_rebuild_its_equations():
    """h_t = (1 - z) n + z h_(t-1), from the recorded gates alone; reset and update in [0, 1]."""
    torch.manual_seed(2)
    layer = Tracer(RowRNN(ModelConfig((24,), "gru")))(np.random.default_rng(2).random((28, 28))).layers[0]
    h_prev = np.vstack([np.zeros((1, 24)), layer.h[:-1]])
    np.testing.assert_allclose(layer.h, (1 - layer.update) * layer.candidate + layer.update * h_prev, atol=1e-5)
    for gate in ("reset", "update"):
        assert 0 <= layer.series(gate).min() and layer.series(gate).max() <= 1
    assert -1 <= layer.candidate.min() and layer.candidate.max() <= 1
    with pytest.raises(KeyError, match="GRU layer has no 'c'"):
        layer.series("c")


def test_rnn_h_is_the_tanh_of_its_preactivation():
    torch.manual_seed(4)
    model = RowRNN(ModelConfig((20,), "rnn"))
    image = np.random.default_rng(4).random((28, 28), dtype=np.float32)
    layer = Tracer(model)(image).layers[0]
    np.testing.assert_allclose(layer.h, np.tanh(layer.preactivation), atol=1e-6)
    with torch.no_grad():  # the pre-activation itself: W_ih x + b_ih + W_hh h_(t-1) + b_hh
        m = model.layers[0]
        h_prev = np.vstack([np.zeros((1, 20), np.float32), layer.h[:-1]])
        want = image @ m.weight_ih_l0.numpy().T + m.bias_ih_l0.numpy() + h_prev @ m.weight_hh_l0.numpy().T + m.bias_hh_l0.numpy()
    np.testing.assert_allclose(layer.preactivation, want, atol=1e-5)


def test_gates_rebuild_the_cell_equations():
    """c_t = f*c_{t-1} + i*g and h_t = o*tanh(c_t), from the recorded gates alone."""
    torch.manual_seed(1)
    layer = Tracer(RowRNN(ModelConfig((64,))))(np.random.default_rng(1).random((28, 28))).layers[0]
    c_prev = np.vstack([np.zeros((1, 64)), layer.c[:-1]])
    np.testing.assert_allclose(layer.c, layer.forget * c_prev + layer.input * layer.candidate, atol=1e-5)
    np.testing.assert_allclose(layer.h, layer.output * np.tanh(layer.c), atol=1e-5)
    for gate in ("input", "forget", "output"):
        assert 0 <= layer.series(gate).min() and layer.series(gate).max() <= 1
    assert -1 <= layer.candidate.min() and layer.candidate.max() <= 1
    assert GATES["lstm"] == ("input", "forget", "candidate", "output")


def test_forget_bias_starts_at_one():
    model = RowRNN(ModelConfig((32, 16)))
    for lstm in model.layers:
        n = lstm.hidden_size
        total = (lstm.bias_ih_l0 + lstm.bias_hh_l0)[n : 2 * n]
        assert torch.allclose(total, torch.ones(n))


def test_probabilities_are_distributions_per_row():
    tr = Tracer(RowRNN())(np.zeros((28, 28), dtype=np.float32))
    assert tr.probabilities.shape == (28, 10)
    np.testing.assert_allclose(tr.probabilities.sum(axis=1), 1, atol=1e-5)
    assert 0 <= tr.leader(5) <= 9 and 0 < tr.confidence <= 1


def test_invalid_hidden_sizes_rejected():
    with pytest.raises(ValueError):
        ModelConfig(())
    with pytest.raises(ValueError):
        ModelConfig((0,))
    with pytest.raises(ValueError, match="cell must be one of lstm, gru, rnn"):
        ModelConfig((8,), "transformer")


def test_describe_names_the_cell():
    assert RowRNN(ModelConfig((128,), "gru")).describe() == "GRU 128"
    assert RowRNN(ModelConfig((32, 64))).describe() == "LSTM 32×64"
    assert RowRNN(ModelConfig((16,), "rnn")).describe() == "RNN 16"
