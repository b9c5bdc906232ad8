"""The classifier: a recurrent network that reads a 28x28 image one row per timestep.

As in the classic TensorFlow tutorials: each of the 28 rows (28 pixels) is one input step, and a
linear readout turns the last layer's hidden state after the last row into 10 class logits. The
cell is one of three kinds (ModelConfig.cell; their equations in cells.py):

- "lstm": nn.LSTM, whose forget gate starts with a bias of 1 (so the cell remembers by default
  early in training), as the tutorials' BasicLSTMCell does; the default and the shipped model;
- "gru": nn.GRU (reset and update gates, no separate cell state);
- "rnn": nn.RNN with tanh, the plain recurrent cell (h' = tanh(W x + U h + b)).

Layers are separate modules so that stacked layers may differ in size, e.g. (32, 64).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .cells import CELLS, DEFAULT_CELL, check_cell
from .dims import CLASSES, COLS, ROWS
from .hidden_sizes import check_hidden_sizes, describe_hidden_sizes

FORGET_BIAS = 1.0
_MODULES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}  # nn.RNN's default nonlinearity is tanh


@dataclass(frozen=True)
class ModelConfig:
    hidden_sizes: tuple[int, ...] = (128,)
    cell: str = DEFAULT_CELL

    def __post_init__(self):
        object.__setattr__(self, "hidden_sizes", check_hidden_sizes(self.hidden_sizes))
        check_cell(self.cell)

    def to_dict(self) -> dict:
        return {"cell": self.cell, "hidden_sizes": list(self.hidden_sizes), "rows": ROWS, "cols": COLS,
                "classes": CLASSES}  # fmt: skip


def describe_model(cell: str, hidden_sizes) -> str:
    """("gru", (128,)) -> "GRU 128"; ("lstm", (32, 64)) -> "LSTM 32×64"."""
    return f"{cell.upper()} {describe_hidden_sizes(hidden_sizes)}"


class RowRNN(nn.Module):
    def __init__(self, config: ModelConfig = ModelConfig()):
        super().__init__()
        self.config = config
        sizes = (COLS, *config.hidden_sizes)
        module = _MODULES[config.cell]
        self.layers = nn.ModuleList(module(n_in, n_out, batch_first=True) for n_in, n_out in zip(sizes, sizes[1:]))
        self.readout = nn.Linear(sizes[-1], CLASSES)
        if config.cell == "lstm":
            self.reset_forget_bias()

    @property
    def cell(self) -> str:
        return self.config.cell

    @torch.no_grad()
    def reset_forget_bias(self):
        # PyTorch orders the gates (input, forget, cell, output) and keeps two biases that are
        # summed; TensorFlow's BasicLSTMCell adds forget_bias=1 once, so we put 1 in one and 0 in
        # the other.
        for lstm in self.layers:
            h = lstm.hidden_size
            lstm.bias_ih_l0[h : 2 * h].fill_(FORGET_BIAS)
            lstm.bias_hh_l0[h : 2 * h].zero_()

    def hidden_sequence(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 28, 28) images -> (B, 28, H) hidden states of the last layer at every row."""
        x = images
        for layer in self.layers:
            x, _ = layer(x)
        return x

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 28, 28) images with ink in [0, 1] -> (B, 10) logits after reading all rows."""
        return self.readout(self.hidden_sequence(images)[:, -1])

    def row_logits(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 28, 10): what the readout would answer after each row."""
        return self.readout(self.hidden_sequence(images))

    def describe(self) -> str:
        return describe_model(self.config.cell, self.config.hidden_sizes)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


__all__ = ["ROWS", "COLS", "CLASSES", "CELLS", "ModelConfig", "RowRNN", "count_parameters", "describe_model"]
