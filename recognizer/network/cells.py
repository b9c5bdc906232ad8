"""The three recurrent cells a model can be built from, as names and tables (no torch, no Qt):
what each computes at a row, what the trace records of it, and which gates the Lab may pin.

    lstm  (nn.LSTM)  i, f, o = sigmoid(...), g = tanh(...), c' = f c + i g, h' = o tanh(c')
    gru   (nn.GRU)   r, z = sigmoid(...), n = tanh(W_in x + b_in + r (W_hn h + b_hn)),
                     h' = (1 - z) n + z h
    rnn   (nn.RNN)   a = W_ih x + b_ih + W_hh h + b_hh (the pre-activation), h' = tanh(a)

Each cell's weight matrices stack its blocks of n rows in PyTorch's order, given by GATES (the
plain RNN has one block, its pre-activation).
"""

from __future__ import annotations

CELLS = ("lstm", "gru", "rnn")
DEFAULT_CELL = "lstm"  # also what a model file without a cell kind holds (every file before GRU and RNN)

# The blocks of the weight rows, in PyTorch's order: the offset of a block is its index here.
GATES = {
    "lstm": ("input", "forget", "candidate", "output"),
    "gru": ("reset", "update", "candidate"),
    "rnn": ("preactivation",),
}
# What a trace records for each layer, in the order the views offer them.
SERIES = {
    "lstm": ("h", "c", "input", "forget", "candidate", "output"),
    "gru": ("h", "reset", "update", "candidate"),
    "rnn": ("h", "preactivation"),
}
# The gates that squash to [0, 1] (sigmoid): the ones a pin can hold at 0 or 1 exactly.
SIGMOID_GATES = {"lstm": ("input", "forget", "output"), "gru": ("reset", "update"), "rnn": ()}


def gate_blocks(cell: str) -> int:
    """Rows of weight_ih per unit: 4 for an LSTM, 3 for a GRU, 1 for a plain RNN."""
    return len(GATES[cell])


def check_cell(cell) -> str:
    """The cell kind, or ValueError naming the ones there are."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
    return cell
