"""Everything inside the recurrent cell at every row, for one image: what the window animates.

The trace recomputes the cell with its textbook equations (cells.py) from the model's own
weights, in numpy (for one image, numpy's small-array calls cost a fraction of torch's per-op
overhead; float32 like torch itself, which halves the time of float64). For an LSTM:

    i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      input gate
    f = sigmoid(W_if x + b_if + W_hf h + b_hf)      forget gate
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)         cell candidate
    o = sigmoid(W_io x + b_io + W_ho h + b_ho)      output gate
    c' = f * c + i * g
    h' = o * tanh(c')

A GRU records its reset and update gates, its candidate and h; a plain RNN h and its
pre-activation. tests/test_trace.py proves it equals nn.LSTM, nn.GRU and nn.RNN. With
interventions (interventions.py: silenced units, pinned gates, hidden rows, a temperature) the
same equations run in run_batch, a batched copy that applies them; tests/test_interventions.py
holds it to torch run on the equivalently edited weights or inputs. The LSTM's plain call keeps
its own fast path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..trust.temperature import softmax
from .cells import DEFAULT_CELL, SERIES, SIGMOID_GATES, gate_blocks
from .cells import GATES as CELL_GATES
from .interventions import NONE, Interventions
from .model import ROWS, RowRNN

GATES = CELL_GATES["lstm"]


@dataclass(frozen=True, eq=False)
class LayerTrace:
    """Per-row values of one layer, each array (28, hidden units): the series cells.SERIES names
    for its cell (always h), also readable as attributes (layer.h, layer.forget, ...)."""

    values: dict[str, np.ndarray]
    cell: str = DEFAULT_CELL

    @property
    def names(self) -> tuple[str, ...]:
        return SERIES[self.cell]

    def series(self, name: str) -> np.ndarray:
        """One of the cell's series ('h', 'c', a gate name, ...), as (28, units)."""
        try:
            return self.values[name]
        except KeyError:
            raise KeyError(f"a {self.cell.upper()} layer has no {name!r}; it has {', '.join(self.names)}") from None

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("__") or name == "values":  # copy and pickle look these up before __init__
            raise AttributeError(name)
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(f"a {self.cell.upper()} layer has no {name!r}") from None


@dataclass(frozen=True)
class Trace:
    image: np.ndarray  # (28, 28) the input the network read, ink in [0, 1]
    layers: tuple[LayerTrace, ...]
    probabilities: np.ndarray  # (28, 10): the readout's answer after each row
    logits: np.ndarray  # (28, 10): the readout's logits after each row, whose softmax is probabilities

    @property
    def prediction(self) -> int:
        return int(self.probabilities[-1].argmax())

    @property
    def confidence(self) -> float:
        return float(self.probabilities[-1].max())

    def leader(self, row: int) -> int:
        """The class the network leans to after reading rows 0..row."""
        return int(self.probabilities[row].argmax())


class Tracer:
    """Holds numpy copies of a model's weights so that each trace is pure numpy work.

    Build one per model (or after the weights change) and call it for every drawing.
    """

    def __init__(self, model: RowRNN):
        # sigmoid(z) = (tanh(z / 2) + 1) / 2, so with the sigmoid gates' columns of the weights
        # halved, one tanh over all the gates gives every activation: a few numpy calls per row
        # instead of a dozen.
        self.cell = model.config.cell
        self.layers = []
        blocks = gate_blocks(self.cell)
        with torch.no_grad():
            for module in model.layers:
                n = module.hidden_size
                scale = np.ones(blocks * n, np.float32)
                for gate in SIGMOID_GATES[self.cell]:
                    k = CELL_GATES[self.cell].index(gate)
                    scale[k * n : (k + 1) * n] = 0.5
                b_ih, b_hh = (b.cpu().float().numpy() for b in (module.bias_ih_l0, module.bias_hh_l0))
                candidate_bias = None
                if self.cell == "gru":
                    # The candidate's recurrent bias sits inside r * (W_hn h + b_hn): kept apart.
                    candidate_bias = b_hh[2 * n :].copy()
                    b_hh = np.concatenate([b_hh[: 2 * n], np.zeros(n, np.float32)])
                w_ih = module.weight_ih_l0.cpu().float().numpy().T * scale
                w_hh = module.weight_hh_l0.cpu().float().numpy().T * scale
                self.layers.append((w_ih, w_hh, (b_ih + b_hh) * scale, candidate_bias, n))
            self.readout_w = model.readout.weight.cpu().float().numpy().T.copy()
            self.readout_b = model.readout.bias.cpu().float().numpy()
        self.hidden_sizes = tuple(n for *_, n in self.layers)

    def __call__(self, image: np.ndarray, interventions: Interventions | None = None) -> Trace:
        image = np.asarray(image, dtype=np.float32).reshape(ROWS, -1)
        if interventions or self.cell != "lstm":
            return self._batched_trace(image, interventions)
        x = image
        layer_traces = []
        for w_ih, w_hh, bias, _, n in self.layers:
            # The input's contribution to every row at once: one matrix product, not 28.
            pre = x @ w_ih + bias
            act = np.empty((ROWS, 4 * n), np.float32)  # tanh of the (halved) pre-activations, per row
            hs = np.empty((ROWS, n), np.float32)
            cs = np.empty((ROWS, n), np.float32)
            h = np.zeros(n, np.float32)
            c = np.zeros(n, np.float32)
            for t in range(ROWS):
                a = np.tanh(pre[t] + h @ w_hh, out=act[t])
                s = a * 0.5 + 0.5  # sigmoid where the weights were halved
                c = s[n : 2 * n] * c + s[:n] * a[2 * n : 3 * n]
                h = s[3 * n :] * np.tanh(c)
                hs[t], cs[t] = h, c
            gates = act * 0.5 + 0.5
            gates[:, 2 * n : 3 * n] = act[:, 2 * n : 3 * n]
            gates = gates.astype(np.float32)
            parts = {name: gates[:, k * n : (k + 1) * n] for k, name in enumerate(GATES)}
            layer_traces.append(LayerTrace({"h": hs, "c": cs, **parts}, "lstm"))
            x = hs
        logits, p = self._readout(x)
        return Trace(image=image, layers=tuple(layer_traces), probabilities=p, logits=logits)

    def _readout(self, hs: np.ndarray, temperature: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Hidden states (..., units) -> the logits (over the temperature) and their softmax."""
        logits = (hs @ self.readout_w + self.readout_b) / np.float32(temperature)
        return logits, softmax(logits).astype(np.float32)

    def run_batch(self, images: np.ndarray, interventions: Interventions, silence_each=None, record: bool = False):
        """The edited network on a batch: (B, 28, 28) images -> (B, 28, 10) probabilities after
        each row, and with record the per-layer (h, c, gates) arrays (B, 28, ...) and the logits
        (B, 28, 10) as well (c is None but for an LSTM; gates hold the cell's blocks in
        cells.GATES order).

        silence_each: (layer, keep) with keep (B, units) of 0 and 1, extra units silenced at every
        row, a different set for each image of the batch (one pass ranks every unit).
        """
        interventions = interventions or NONE
        interventions.check(self.hidden_sizes, self.cell)
        keeps = interventions.keep_masks(self.hidden_sizes)
        if silence_each is not None:
            layer, keep = silence_each
            base = np.ones((ROWS, self.hidden_sizes[layer]), np.float32) if keeps[layer] is None else keeps[layer]
            keeps[layer] = base[:, None, :] * np.asarray(keep, np.float32)[None]  # (28, B, units)
        pins = interventions.pinned_gates(self.hidden_sizes, self.cell)
        x = interventions.hide_input(np.asarray(images, np.float32).reshape(-1, ROWS, self.layers[0][0].shape[0]))
        step = {"lstm": _lstm_step, "gru": _gru_step, "rnn": _rnn_step}[self.cell]
        recorded = []
        for (w_ih, w_hh, bias, candidate_bias, n), keep, pin in zip(self.layers, keeps, pins):
            b = len(x)
            pre = x @ w_ih + bias
            hs = np.empty((b, ROWS, n), np.float32)
            cs = np.empty((b, ROWS, n), np.float32) if self.cell == "lstm" else None
            gates = np.empty((b, ROWS, w_ih.shape[1]), np.float32) if record else None
            h = np.zeros((b, n), np.float32)
            c = np.zeros((b, n), np.float32)
            for t in range(ROWS):
                g, h, c = step(pre[:, t], h, c, w_hh, candidate_bias, n, pin)
                if keep is not None:  # held at 0 from the silenced row on
                    c = c * keep[t]
                    h = h * keep[t]
                hs[:, t] = h
                if cs is not None:
                    cs[:, t] = c
                if record:
                    gates[:, t] = g
            recorded.append((hs, cs, gates))
            x = hs
        logits, p = self._readout(x, interventions.temperature_value)
        return (p, recorded, logits) if record else p

    def _batched_trace(self, image: np.ndarray, interventions: Interventions | None) -> Trace:
        interventions = interventions or NONE
        p, recorded, logits = self.run_batch(image[None], interventions, record=True)
        layers = []
        for (hs, cs, gates), n in zip(recorded, self.hidden_sizes):
            values = {"h": hs[0]} | ({} if cs is None else {"c": cs[0]})
            values |= {name: gates[0, :, k * n : (k + 1) * n] for k, name in enumerate(CELL_GATES[self.cell])}
            layers.append(LayerTrace(values, self.cell))
        return Trace(image=interventions.hide_input(image), layers=tuple(layers), probabilities=p[0], logits=logits[0])


# One row of each cell for a batch: (pre-activations from the input, h, c, ...) -> (the gate
# values to record, new h, new c). Pinned gates are set after their activation, before use.


def _lstm_step(pre, h, c, w_hh, _, n, pin):
    a = np.tanh(pre + h @ w_hh)
    g = a * 0.5 + 0.5  # sigmoid where the weights were halved; the candidate is tanh
    g[:, 2 * n : 3 * n] = a[:, 2 * n : 3 * n]
    if pin is not None:
        g[:, pin[0]] = pin[1]
    c = g[:, n : 2 * n] * c + g[:, :n] * g[:, 2 * n : 3 * n]
    return g, g[:, 3 * n :] * np.tanh(c), c


def _gru_step(pre, h, c, w_hh, candidate_bias, n, pin):
    recurrent = h @ w_hh
    g = np.empty_like(pre)
    g[:, : 2 * n] = np.tanh(pre[:, : 2 * n] + recurrent[:, : 2 * n]) * 0.5 + 0.5  # reset, update (halved)
    if pin is not None:
        g[:, pin[0]] = pin[1]
    reset, update = g[:, :n], g[:, n : 2 * n]
    g[:, 2 * n :] = np.tanh(pre[:, 2 * n :] + reset * (recurrent[:, 2 * n :] + candidate_bias))
    return g, (1 - update) * g[:, 2 * n :] + update * h, c


def _rnn_step(pre, h, c, w_hh, _, n, pin):
    a = pre + h @ w_hh
    return a, np.tanh(a), c


def trace(model: RowRNN, image: np.ndarray) -> Trace:
    """One-off convenience; keep a Tracer to trace many images with the same model."""
    return Tracer(model)(image)
