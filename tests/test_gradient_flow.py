"""gradient_flow against a direct computation with nn.LSTM itself: run the first t rows, make
the state after row t a leaf, run the rest from it, and ask autograd. That gives ∂loss/∂c_t with
h_t held fixed; the total derivative BPTT carries adds the path through h_t = o_t·tanh(c_t),
with o_t = h_t / tanh(c_t) read off nn.LSTM's own outputs."""

import pytest
import torch
import torch.nn.functional as F

from recognizer.evaluation.gradient_flow import gradient_flow
from recognizer.network.model import ModelConfig, RowRNN


def direct(model: RowRNN, images, labels, t: int):
    """‖∂loss/∂h_t‖ and ‖∂loss/∂c_t‖ (t 1-based) of a one-layer model, batch mean."""
    lstm = model.layers[0]
    with torch.no_grad():
        _, (h, c) = lstm(images[:, :t])
    h, c = h.clone().requires_grad_(), c.clone().requires_grad_()
    out, _ = lstm(images[:, t:], (h, c)) if t < images.shape[1] else (h.transpose(0, 1), None)
    loss = F.cross_entropy(model.readout(out[:, -1]), labels, reduction="sum")
    gh, gc = torch.autograd.grad(loss, (h, c), allow_unused=True)  # after the last row c_t is unused
    gc = torch.zeros_like(c) if gc is None else gc
    tanh_c = torch.tanh(c.detach())
    gc_total = gc + gh * (h.detach() / tanh_c) * (1 - tanh_c**2)
    return gh[0].norm(dim=1).mean(), gc_total[0].norm(dim=1).mean()


def test_matches_autograd_through_nn_lstm():
    torch.manual_seed(0)
    model = RowRNN(ModelConfig((12,))).eval()
    images, labels = torch.rand(5, 28, 28), torch.tensor([0, 3, 7, 7, 9])
    flow = gradient_flow(model, images, labels)
    assert flow["h"].shape == flow["c"].shape == (1, 28)
    for t in (1, 5, 14, 27, 28):
        h, c = direct(model, images, labels, t)
        torch.testing.assert_close(flow["h"][0, t - 1], h, rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(flow["c"][0, t - 1], c, rtol=1e-4, atol=1e-6)
    assert all(p.grad is None for p in model.parameters())  # the model is left as it was


def test_stacked_layers_have_one_row_each():
    model = RowRNN(ModelConfig((6, 4)))
    flow = gradient_flow(model, torch.rand(3, 28, 28), torch.tensor([1, 2, 3]))
    assert flow["h"].shape == (2, 28) and torch.isfinite(flow["c"]).all() and (flow["h"] > 0).all()


def direct_h(model: RowRNN, images, labels, t: int):
    """‖∂loss/∂h_t‖ (t 1-based) of a one-layer GRU or RNN straight from torch's module: h is its
    whole state, so the state after row t made a leaf gives the total derivative."""
    module = model.layers[0]
    with torch.no_grad():
        _, h = module(images[:, :t])
    h = h.clone().requires_grad_()
    out, _ = module(images[:, t:], h) if t < images.shape[1] else (h.transpose(0, 1), None)
    loss = F.cross_entropy(model.readout(out[:, -1]), labels, reduction="sum")
    (gh,) = torch.autograd.grad(loss, (h,))
    return gh[0].norm(dim=1).mean()


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_gru_and_rnn_give_h_only_matching_autograd_through_torch(cell):
    torch.manual_seed(1)
    model = RowRNN(ModelConfig((12,), cell)).eval()
    images, labels = torch.rand(5, 28, 28), torch.tensor([0, 3, 7, 7, 9])
    flow = gradient_flow(model, images, labels)
    assert set(flow) == {"h"} and flow["h"].shape == (1, 28)
    for t in (1, 5, 14, 27, 28):
        torch.testing.assert_close(flow["h"][0, t - 1], direct_h(model, images, labels, t), rtol=1e-4, atol=1e-6)
    assert all(p.grad is None for p in model.parameters())
    stacked = gradient_flow(RowRNN(ModelConfig((6, 4), cell)), images, labels)
    assert stacked["h"].shape == (2, 28) and (stacked["h"] > 0).all()
