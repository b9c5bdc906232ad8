"""Back-propagation through time made visible: how much the answer still depends on the memory
the network held after each row. For every layer and row t = 1…28, the norms ‖∂loss/∂h_t‖ and,
for an LSTM, ‖∂loss/∂c_t‖ of each image's own loss, averaged over a batch. A GRU and a plain RNN
have no cell state: their result holds "h" only (h is their whole memory).

nn.LSTM, nn.GRU and nn.RNN keep their per-row states inside one fused call, out of autograd's
reach; here the layers are unrolled row by row with their own weights (the same arithmetic as
cells.py, gates in PyTorch's order) so that every h_t and c_t is a tensor whose gradient we keep.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..network.model import RowRNN


def gradient_flow(model: RowRNN, images: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
    """images (B, 28, 28) in [0, 1], labels (B,) -> {"h": (layers, 28), "c": (layers, 28)} for an
    LSTM, {"h": (layers, 28)} for a GRU or RNN: the mean over the batch of each image's
    ‖∂loss/∂h_t‖ (and ‖∂loss/∂c_t‖). The model is unchanged (its parameters' .grad included)."""
    keys = ("h", "c") if model.cell == "lstm" else ("h",)
    states: list[list[tuple[torch.Tensor, ...]]] = []
    x = images.float()
    with torch.enable_grad():
        for module in model.layers:
            w_ih, w_hh = module.weight_ih_l0.detach(), module.weight_hh_l0.detach()
            b_ih, b_hh = module.bias_ih_l0.detach(), module.bias_hh_l0.detach()
            # The zero start state as a leaf that wants a gradient: with the weights detached (the
            # model's .grad untouched), it is what puts every later state on autograd's tape.
            h = x.new_zeros(len(x), module.hidden_size).requires_grad_()
            c = torch.zeros_like(h).requires_grad_()
            layer, outputs = [], []
            for t in range(x.shape[1]):
                from_x, from_h = x[:, t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
                if model.cell == "lstm":
                    i, f, g, o = (from_x + from_h).chunk(4, dim=1)
                    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                    h = torch.sigmoid(o) * torch.tanh(c)
                elif model.cell == "gru":
                    (x_r, x_z, x_n), (h_r, h_z, h_n) = from_x.chunk(3, dim=1), from_h.chunk(3, dim=1)
                    z = torch.sigmoid(x_z + h_z)
                    h = (1 - z) * torch.tanh(x_n + torch.sigmoid(x_r + h_r) * h_n) + z * h
                else:
                    h = torch.tanh(from_x + from_h)
                kept = (h, c)[: len(keys)]
                for state in kept:
                    state.retain_grad()
                layer.append(kept)
                outputs.append(h)
            states.append(layer)
            x = torch.stack(outputs, dim=1)
        logits = F.linear(x[:, -1], model.readout.weight.detach(), model.readout.bias.detach())
        # Summed, not averaged: each image's gradient is then that image's own loss's gradient.
        F.cross_entropy(logits, labels, reduction="sum").backward()
    return {key: torch.stack([torch.stack([s[k].grad.norm(dim=1).mean() for s in layer]) for layer in states])
            for k, key in enumerate(keys)}  # fmt: skip
