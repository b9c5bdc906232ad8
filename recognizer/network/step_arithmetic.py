"""One step of the recurrent cell, with its numbers: for one unit u of one layer at one row t,
each gate's pre-activation split into its three sources, the largest contributors named, the gate
values and the cell's own update (cells.py):

    pre = W x_t  +  U h_{t-1}  +  b         x_t: row t's 28 pixels (layer 0) or the layer below's h_t

    lstm   c_t = f c_{t-1} + i g,   h_t = o tanh(c_t)
    gru    n = tanh(W_n x + b_in + r (U_n h + b_hn)),   h_t = (1 - z) n + z h_{t-1}
    rnn    h_t = tanh(a)

For the GRU's candidate the recurrent source and its bias b_hn are the ones scaled by r, so that
the three sources still add up to the pre-activation. The weights are the Tracer's copies (with
its halving of the sigmoid gates undone: a power of two, so exact); x_t, h_{t-1} and c_{t-1} are
the trace's own. The sums are taken in float64 so that the split adds up to the trace's value.

On the Lab's edited reading (interventions.py, passed as `interventions`) the step is the edited
network's own, as Tracer.run_batch runs it: the trace's image already has its hidden rows blank and
its h_{t-1}, c_{t-1} are the edited ones; a pinned gate's value is the pin (the sigmoid it would
have had is kept in GateStep.computed) and is what the update uses; a silenced unit's c and h are
held at 0 (the update's own numbers kept in Step.computed_h and computed_c).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cells import GATES, SIGMOID_GATES
from .interventions import NONE, Interventions, Silence
from .trace import Trace, Tracer

TANH_GATES = ("candidate",)  # the rest squash by sigmoid, or (a plain RNN's a) not at all


@dataclass(frozen=True)
class Source:
    """One source of a gate's pre-activation: its inputs, their weights and each one's share."""

    values: np.ndarray  # the inputs: row t's pixels, the layer below's h_t, or h_{t-1}
    weights: np.ndarray  # the weight of each input for this gate and unit
    scale: float = 1.0  # the GRU candidate's recurrent source is scaled by r

    @property
    def terms(self) -> np.ndarray:
        return self.values * self.weights * self.scale

    @property
    def total(self) -> float:
        return float(self.terms.sum())

    def largest(self, k: int = 5) -> list[tuple[int, float]]:
        """The k inputs with the largest shares (by size), as (index, share), largest first;
        inputs that give nothing (a blank pixel, a unit at 0) are left out."""
        terms = self.terms
        order = np.argsort(-np.abs(terms), kind="stable")[:k]
        return [(int(j), float(terms[j])) for j in order if terms[j] != 0]


@dataclass(frozen=True)
class GateStep:
    name: str  # cells.GATES' name: input, forget, candidate, output, reset, update, preactivation
    inputs: Source  # W x_t
    recurrent: Source  # U h_{t-1} (for the GRU's candidate: r (U h_{t-1}))
    bias: float  # b (for the GRU's candidate: b_in + r b_hn)
    value: float  # the gate after its squashing (a plain RNN's a is not squashed), or its pin
    computed: float | None = None  # a pinned gate: the value its sum squashes to (unused)

    @property
    def pre(self) -> float:
        return self.inputs.total + self.recurrent.total + self.bias

    @property
    def squash(self) -> str:
        """'sigmoid', 'tanh' or '' (a plain RNN's pre-activation is shown as it is)."""
        if self.name == "preactivation":
            return ""
        return "tanh" if self.name in TANH_GATES else "sigmoid"


@dataclass(frozen=True)
class Step:
    cell: str
    layer: int
    unit: int
    row: int
    gates: tuple[GateStep, ...]
    h_prev: float  # this unit's h_{t-1} (0 before the first row)
    h: float
    c_prev: float | None = None  # an LSTM's c_{t-1} and c_t; None for the other cells
    c: float | None = None
    silenced: Silence | None = None  # the Lab's edit that holds this unit's c and h at 0 here
    computed_h: float | None = None  # a silenced unit: h and c as the update computed them
    computed_c: float | None = None

    def gate(self, name: str) -> GateStep:
        return next(g for g in self.gates if g.name == name)

    @property
    def from_pixels(self) -> bool:
        """Whether the inputs are row t's pixels (layer 0) or the layer below's units."""
        return self.layer == 0


def _squash(name: str, pre: float) -> float:
    if name == "preactivation":
        return pre
    return float(np.tanh(pre)) if name in TANH_GATES else float(1.0 / (1.0 + np.exp(-pre)))


def _silence_at(interventions: Interventions, layer: int, unit: int, row: int) -> Silence | None:
    """The edit that silences the unit at this row (the earliest-starting one), or None."""
    parts = [p for p in interventions.silenced if p.layer == layer and unit in p.units and p.from_row <= row]
    return min(parts, key=lambda p: p.from_row, default=None)


def step(tracer: Tracer, trace: Trace, layer: int, unit: int, row: int, interventions: Interventions | None = None) -> Step:
    """The arithmetic of unit `unit` of layer `layer` at row `row` of the traced image; `trace`
    must be tracer(image, interventions) when the reading is an edited one."""
    cell = tracer.cell
    interventions = interventions or NONE
    w_ih, w_hh, bias, candidate_bias, n = tracer.layers[layer]
    if not (0 <= unit < n and 0 <= row < len(trace.image)):
        raise IndexError(f"no unit {unit} at row {row} in a layer of {n} units")
    pins = interventions.pinned_gates(tracer.hidden_sizes, cell)[layer]
    pinned = {} if pins is None else dict(zip(pins[0].tolist(), pins[1].tolist()))
    below = trace.image if layer == 0 else trace.layers[layer - 1].h
    x = below[row].astype(np.float64)
    here = trace.layers[layer]
    h_prev = here.h[row - 1].astype(np.float64) if row > 0 else np.zeros(n)
    gates = []
    reset = None
    for k, name in enumerate(GATES[cell]):
        col = k * n + unit
        # The Tracer halved the sigmoid gates' columns (sigmoid(z) = (tanh(z/2) + 1) / 2).
        undo = 2.0 if name in SIGMOID_GATES[cell] else 1.0
        w = w_ih[:, col].astype(np.float64) * undo
        u = w_hh[:, col].astype(np.float64) * undo
        b = float(bias[col]) * undo
        scale = 1.0
        if cell == "gru" and name == "candidate":
            scale = reset  # r (U h + b_hn): the recurrent source and its bias pass through r
            b += reset * float(candidate_bias[unit])
        inputs, recurrent = Source(x, w), Source(h_prev, u, scale)
        pre = inputs.total + recurrent.total + b
        value, computed = _squash(name, pre), None
        if col in pinned:
            value, computed = pinned[col], value
        if name == "reset":
            reset = value
        gates.append(GateStep(name, inputs, recurrent, b, value, computed))
    h_before = float(h_prev[unit])
    values = {g.name: g.value for g in gates}
    c_prev = c = None
    if cell == "lstm":
        c_prev = float(here.c[row - 1, unit]) if row > 0 else 0.0
        c = values["forget"] * c_prev + values["input"] * values["candidate"]
        h = values["output"] * float(np.tanh(c))
    elif cell == "gru":
        h = (1 - values["update"]) * values["candidate"] + values["update"] * h_before
    else:
        h = float(np.tanh(values["preactivation"]))
    silenced = _silence_at(interventions, layer, unit, row)
    if silenced is None:
        return Step(cell, layer, unit, row, tuple(gates), h_before, h, c_prev, c)
    held_c = None if c is None else 0.0
    return Step(cell, layer, unit, row, tuple(gates), h_before, 0.0, c_prev, held_c, silenced, h, c)
