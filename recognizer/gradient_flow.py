"""Back-propagation through time made visible: how much the answer still depends on the memory
the LSTM held after each row. For every layer and row t = 1…28, the norms ‖∂loss/∂h_t‖ and
‖∂loss/∂c_t‖ of each image's own loss, averaged over a batch.

nn.LSTM keeps its per-row states inside one fused call, out of autograd's reach; here the layers
are unrolled row by row with their own weights (the same arithmetic, gates in PyTorch's order
input, forget, candidate, output) so that every h_t and c_t is a tensor whose gradient we keep.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .model import RowRNN


def gradient_flow(model: RowRNN, images: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
    """images (B, 28, 28) in [0, 1], labels (B,) -> {"h": (layers, 28), "c": (layers, 28)}: the
    mean over the batch of each image's ‖∂loss/∂h_t‖ and ‖∂loss/∂c_t‖. The model is unchanged
    (its parameters' .grad included)."""
    states: list[list[tuple[torch.Tensor, torch.Tensor]]] = []
    x = images.float()
    with torch.enable_grad():
        for lstm in model.layers:
            w_ih, w_hh = lstm.weight_ih_l0.detach(), lstm.weight_hh_l0.detach()
            bias = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach()
            # The zero start state as a leaf that wants a gradient: with the weights detached (the
            # model's .grad untouched), it is what puts every later state on autograd's tape.
            h = x.new_zeros(len(x), lstm.hidden_size).requires_grad_()
            c = torch.zeros_like(h).requires_grad_()
            layer, outputs = [], []
            for t in range(x.shape[1]):
                i, f, g, o = (x[:, t] @ w_ih.T + h @ w_hh.T + bias).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                h.retain_grad()
                c.retain_grad()
                layer.append((h, c))
                outputs.append(h)
            states.append(layer)
            x = torch.stack(outputs, dim=1)
        logits = F.linear(x[:, -1], model.readout.weight.detach(), model.readout.bias.detach())
        # Summed, not averaged: each image's gradient is then that image's own loss's gradient.
        F.cross_entropy(logits, labels, reduction="sum").backward()
    return {key: torch.stack([torch.stack([s[k].grad.norm(dim=1).mean() for s in layer]) for layer in states])
            for k, key in enumerate(("h", "c"))}  # fmt: skip
