"""One step of the cell, with its numbers (issue 26): the split of each gate's pre-activation, the
gate values, c and h, held to the Tracer and to nn.LSTM / nn.GRU / nn.RNN within 1e-6."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_trace import reference

from recognizer.network.cells import CELLS, GATES
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.network.step_arithmetic import step
from recognizer.network.trace import Tracer

TOL = 1e-6
_MODELS = {}


def _model(cell, sizes):
    """One model per (cell, sizes), with its trace of one image and torch's own run of it."""
    key = (cell, sizes)
    if key not in _MODELS:
        torch.manual_seed(len(_MODELS))
        model = RowRNN(ModelConfig(sizes, cell)).eval()
        image = np.random.default_rng(len(_MODELS)).random((28, 28), dtype=np.float32)
        image[:, :5] = 0  # blank pixels give nothing and are never named
        tracer = Tracer(model)
        _MODELS[key] = model, tracer, tracer(image), reference(model, image)
    return _MODELS[key]


def _torch_gates(model, hs, cs, image, layer, unit, row):
    """Each gate's pre-activation and value for the unit, from torch's weights and states (float64)."""
    m = model.layers[layer]
    n = m.hidden_size
    x = (image if layer == 0 else hs[layer - 1])[row].astype(np.float64)
    h_prev = hs[layer][row - 1].astype(np.float64) if row else np.zeros(n)
    w_ih, w_hh = (w.detach().double().numpy() for w in (m.weight_ih_l0, m.weight_hh_l0))
    b_ih, b_hh = (b.detach().double().numpy() for b in (m.bias_ih_l0, m.bias_hh_l0))
    pres, values = {}, {}
    for k, name in enumerate(GATES[model.cell]):
        r = k * n + unit
        from_x, from_h = w_ih[r] @ x + b_ih[r], w_hh[r] @ h_prev + b_hh[r]
        if model.cell == "gru" and name == "candidate":
            pre = from_x + values["reset"] * from_h  # PyTorch's n = tanh(W_in x + b_in + r (W_hn h + b_hn))
        else:
            pre = from_x + from_h
        pres[name] = pre
        values[name] = pre if name == "preactivation" else np.tanh(pre) if name == "candidate" else 1 / (1 + np.exp(-pre))
    return pres, values


def check_step(cell, sizes, layer, unit, row):
    model, tracer, tr, (hs, cs, _) = _model(cell, sizes)
    s = step(tracer, tr, layer, unit, row)
    assert (s.cell, s.layer, s.unit, s.row) == (cell, layer, unit, row)
    pres, values = _torch_gates(model, hs, cs, tr.image, layer, unit, row)
    for g in s.gates:
        # the three sources add up to torch's pre-activation, and each is its own weights x inputs
        assert g.inputs.total + g.recurrent.total + g.bias == pytest.approx(g.pre, abs=TOL)
        assert g.pre == pytest.approx(pres[g.name], abs=TOL)
        assert g.value == pytest.approx(values[g.name], abs=TOL)
        assert g.value == pytest.approx(float(tr.layers[layer].series(g.name)[row, unit]), abs=TOL)
        assert len(g.inputs.terms) == (28 if layer == 0 else sizes[layer - 1])
        assert len(g.recurrent.terms) == sizes[layer]
        top = g.inputs.largest(3)
        assert [abs(v) for _, v in top] == sorted((abs(v) for _, v in top), reverse=True)
        if top:
            assert abs(top[0][1]) == pytest.approx(np.abs(g.inputs.terms).max())
        if layer == 0:
            assert all(j >= 5 for j, _ in top)  # the blank columns are never named
    assert s.h == pytest.approx(float(hs[layer][row, unit]), abs=TOL)
    assert s.h == pytest.approx(float(tr.layers[layer].h[row, unit]), abs=TOL)
    assert s.h_prev == (float(tr.layers[layer].h[row - 1, unit]) if row else 0.0)
    if cell == "lstm":
        assert s.c == pytest.approx(float(cs[layer][row, unit]), abs=TOL)
        assert s.c == pytest.approx(s.gate("forget").value * s.c_prev + s.gate("input").value * s.gate("candidate").value)
        assert s.h == pytest.approx(s.gate("output").value * np.tanh(s.c))
    else:
        assert s.c is None and s.c_prev is None


@settings(max_examples=40, deadline=None)
@given(cell=st.sampled_from(CELLS), sizes=st.sampled_from([(12,), (6, 9), (5, 7, 4)]), data=st.data())
def test_every_number_is_the_networks_own(cell, sizes, data):
    layer = data.draw(st.integers(0, len(sizes) - 1))
    unit = data.draw(st.integers(0, sizes[layer] - 1))
    row = data.draw(st.integers(0, 27))
    check_step(cell, sizes, layer, unit, row)


@pytest.mark.parametrize("cell", CELLS)
def test_first_and_last_rows_of_each_layer(cell):
    for layer in (0, 1):
        for row in (0, 1, 27):
            check_step(cell, (6, 9), layer, 2, row)


def test_a_unit_or_row_that_is_not_there():
    _, tracer, tr, _ = _model("lstm", (12,))
    for unit, row in ((12, 0), (-1, 0), (0, 28)):
        with pytest.raises(IndexError):
            step(tracer, tr, 0, unit, row)
