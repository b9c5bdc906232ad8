"""Everything inside the LSTM at every row, for one image: what the window animates.

The trace recomputes the cell with its textbook equations from the model's own weights, in numpy
(for one image, numpy's small-array calls cost a fraction of torch's per-op overhead; float32
like nn.LSTM itself, which halves the time of float64):

    i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      input gate
    f = sigmoid(W_if x + b_if + W_hf h + b_hf)      forget gate
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)         cell candidate
    o = sigmoid(W_io x + b_io + W_ho h + b_ho)      output gate
    c' = f * c + i * g
    h' = o * tanh(c')

tests/test_trace.py proves it equals nn.LSTM's outputs. With interventions (interventions.py:
silenced units, pinned gates, hidden rows, a temperature) the same equations run in run_batch, a
batched copy that applies them; tests/test_interventions.py holds it to nn.LSTM run on the
equivalently edited weights or inputs. The plain call keeps its own fast path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from .model import ROWS, RowRNN

if TYPE_CHECKING:
    from .interventions import Interventions

GATES = ("input", "forget", "candidate", "output")


@dataclass(frozen=True)
class LayerTrace:
    """Per-row values of one layer, each array (28, hidden units)."""

    h: np.ndarray
    c: np.ndarray
    input: np.ndarray
    forget: np.ndarray
    candidate: np.ndarray
    output: np.ndarray

    def series(self, name: str) -> np.ndarray:
        """One of 'h', 'c' or a gate name, as (28, units)."""
        return getattr(self, name)


@dataclass(frozen=True)
class Trace:
    image: np.ndarray  # (28, 28) the input the network read, ink in [0, 1]
    layers: tuple[LayerTrace, ...]
    probabilities: np.ndarray  # (28, 10): the readout's answer after each row

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
        # sigmoid(z) = (tanh(z / 2) + 1) / 2, so with the input, forget and output columns of the
        # weights halved, one tanh over all four gates gives every activation: a few numpy calls
        # per row instead of a dozen.
        self.layers = []
        self.trust = getattr(model, "trust", None)  # rejection parameters, if the model file had them
        with torch.no_grad():
            for lstm in model.layers:
                n = lstm.hidden_size
                scale = np.full(4 * n, 0.5, np.float32)
                scale[2 * n : 3 * n] = 1.0
                w_ih = lstm.weight_ih_l0.cpu().float().numpy().T * scale
                w_hh = lstm.weight_hh_l0.cpu().float().numpy().T * scale
                bias = (lstm.bias_ih_l0 + lstm.bias_hh_l0).cpu().float().numpy() * scale
                self.layers.append((w_ih, w_hh, bias, n))
            self.readout_w = model.readout.weight.cpu().float().numpy().T.copy()
            self.readout_b = model.readout.bias.cpu().float().numpy()
        self.hidden_sizes = tuple(n for *_, n in self.layers)

    def __call__(self, image: np.ndarray, interventions: Interventions | None = None) -> Trace:
        image = np.asarray(image, dtype=np.float32).reshape(ROWS, -1)
        if interventions:
            return self._edited_trace(image, interventions)
        x = image
        layer_traces = []
        for w_ih, w_hh, bias, n in self.layers:
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
            layer_traces.append(
                LayerTrace(
                    h=hs.astype(np.float32),
                    c=cs.astype(np.float32),
                    input=gates[:, :n],
                    forget=gates[:, n : 2 * n],
                    candidate=gates[:, 2 * n : 3 * n],
                    output=gates[:, 3 * n :],
                )
            )
            x = hs
        logits = x @ self.readout_w + self.readout_b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        return Trace(image=image, layers=tuple(layer_traces), probabilities=p.astype(np.float32))


    def run_batch(self, images: np.ndarray, interventions: Interventions, silence_each=None, record: bool = False):
        """The edited network on a batch: (B, 28, 28) images -> (B, 28, 10) probabilities after
        each row, and with record the per-layer (h, c, gates) arrays (B, 28, ...) as well.

        silence_each: (layer, keep) with keep (B, units) of 0 and 1, extra units silenced at every
        row, a different set for each image of the batch (one pass ranks every unit).
        """
        interventions.check(self.hidden_sizes)
        keeps = interventions.keep_masks(self.hidden_sizes)
        if silence_each is not None:
            layer, keep = silence_each
            base = np.ones((ROWS, self.hidden_sizes[layer]), np.float32) if keeps[layer] is None else keeps[layer]
            keeps[layer] = base[:, None, :] * np.asarray(keep, np.float32)[None]  # (28, B, units)
        pins = interventions.pinned_gates(self.hidden_sizes)
        x = interventions.hide_input(np.asarray(images, np.float32).reshape(-1, ROWS, self.layers[0][0].shape[0]))
        recorded = []
        for (w_ih, w_hh, bias, n), keep, pin in zip(self.layers, keeps, pins):
            b = len(x)
            pre = x @ w_ih + bias
            hs = np.empty((b, ROWS, n), np.float32)
            cs = np.empty((b, ROWS, n), np.float32)
            gates = np.empty((b, ROWS, 4 * n), np.float32) if record else None
            h = np.zeros((b, n), np.float32)
            c = np.zeros((b, n), np.float32)
            for t in range(ROWS):
                a = np.tanh(pre[:, t] + h @ w_hh)
                g = a * 0.5 + 0.5  # sigmoid where the weights were halved; the candidate is tanh
                g[:, 2 * n : 3 * n] = a[:, 2 * n : 3 * n]
                if pin is not None:
                    g[:, pin[0]] = pin[1]
                c = g[:, n : 2 * n] * c + g[:, :n] * g[:, 2 * n : 3 * n]
                h = g[:, 3 * n :] * np.tanh(c)
                if keep is not None:  # held at 0 from the silenced row on
                    c = c * keep[t]
                    h = h * keep[t]
                hs[:, t], cs[:, t] = h, c
                if record:
                    gates[:, t] = g
            recorded.append((hs, cs, gates))
            x = hs
        logits = (x @ self.readout_w + self.readout_b) / np.float32(interventions.temperature_value)
        logits -= logits.max(axis=-1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=-1, keepdims=True)
        return (p, recorded) if record else p

    def _edited_trace(self, image: np.ndarray, interventions: Interventions) -> Trace:
        p, recorded = self.run_batch(image[None], interventions, record=True)
        layers = []
        for (hs, cs, gates), n in zip(recorded, self.hidden_sizes):
            parts = {name: gates[0, :, k * n : (k + 1) * n] for k, name in enumerate(GATES)}
            layers.append(LayerTrace(h=hs[0], c=cs[0], **parts))
        return Trace(image=interventions.hide_input(image), layers=tuple(layers), probabilities=p[0])


def trace(model: RowRNN, image: np.ndarray) -> Trace:
    """One-off convenience; keep a Tracer to trace many images with the same model."""
    return Tracer(model)(image)
