"""Training you can read: what the weights and their gradients look like over a run, block by
block, and how far back through the rows the gradient reaches, as TensorBoard would show them.

A block is one gate's share of a weight matrix (layer 1's input→forget weights, say), a gate's
bias, or the readout's weights or bias. For every block the Recorder keeps, at the start and after
every epoch, the quantiles QUANTILES and a histogram of its values; after the last batch of every
epoch the same of its gradient (as back-propagated, before clipping); after every batch its
gradient norm; and after every epoch the gradient flow (gradient_flow.py) on a fixed batch.

Per batch that is one norm per weight matrix, kept on the device (no synchronisation); the
quantiles, histograms and the flow cost a few tens of milliseconds once an epoch
(benchmarks/bench_distributions.py measures the whole overhead). Everything it returns is plain
JSON-ready lists, so it travels to the window and into a run's record as it is.
"""

from __future__ import annotations

import torch

from ..evaluation.gradient_flow import gradient_flow
from ..network.cells import GATES
from ..network.model import RowRNN

QUANTILES = (0, 7, 16, 31, 50, 69, 84, 93, 100)  # percent, TensorBoard's distribution bands
HISTOGRAM_BINS = 30
FLOW_IMAGES = 256  # the fixed batch the gradient flow is measured on after every epoch


def layer_blocks(number: int, layer: torch.nn.Module, cell: str) -> list[tuple[str, object, object, tuple[str, ...]]]:
    """The one place that knows a layer's layout: its weight matrices and biases as (name, values,
    gradient, gates), the gates' rows stacked in PyTorch's order (cells.GATES). An LSTM's and a
    plain RNN's two biases are only ever summed, so they are one block here, whose gradient is
    either one's; a GRU's hidden-side candidate bias sits inside the reset gate's product, so its
    two biases stay apart."""
    gates = GATES[cell]
    blocks = [
        (f"layer {number} input→", lambda: layer.weight_ih_l0, lambda: layer.weight_ih_l0.grad, gates),
        (f"layer {number} hidden→", lambda: layer.weight_hh_l0, lambda: layer.weight_hh_l0.grad, gates),
    ]
    if cell == "gru":
        return blocks + [
            (f"layer {number} input bias ", lambda: layer.bias_ih_l0, lambda: layer.bias_ih_l0.grad, gates),
            (f"layer {number} hidden bias ", lambda: layer.bias_hh_l0, lambda: layer.bias_hh_l0.grad, gates),
        ]
    return blocks + [(f"layer {number} bias ", lambda: layer.bias_ih_l0 + layer.bias_hh_l0, lambda: layer.bias_ih_l0.grad, gates)]


def parameter_groups(model: RowRNN) -> list[tuple[str, object, object, tuple[str, ...]]]:
    """Every layer's blocks, then the readout's (one part each)."""
    groups = [group for number, layer in enumerate(model.layers, 1) for group in layer_blocks(number, layer, model.config.cell)]
    readout = model.readout
    groups.append(("readout weights", lambda: readout.weight, lambda: readout.weight.grad, ("",)))
    groups.append(("readout bias", lambda: readout.bias, lambda: readout.bias.grad, ("",)))
    return groups


def block_names(model: RowRNN) -> list[str]:
    return [prefix + part for prefix, _, _, parts in parameter_groups(model) for part in parts]


def split_blocks(tensor: torch.Tensor, parts: int) -> torch.Tensor:
    """(parts, n): each block's values flattened, gate-stacked rows split evenly."""
    return tensor.detach().reshape(parts, -1)


def summarize(values: torch.Tensor) -> dict:
    """One block's distribution: quantiles, a histogram over [min, max], and the count, sum and
    sum of squares TensorBoard's raw histograms want. Of its finite values only: a run that
    overflows (weights near float32's largest, a huge learning rate) is stopped by the Trainer's
    NaN check with its own sentence, and the record stays plain finite JSON meanwhile."""
    v = values.detach().double().flatten().cpu()
    v = v[torch.isfinite(v)]
    if not v.numel():
        return {"q": [0.0] * len(QUANTILES), "hist": [0.0] * HISTOGRAM_BINS, "lo": 0.0, "hi": 1e-12,
                "num": 0, "sum": 0.0, "sum_sq": 0.0}  # fmt: skip
    low, high = float(v.min()), float(v.max())
    top = high if high > low else low + 1e-12  # a constant block: one full bin, not a division by 0
    return {"q": torch.quantile(v, torch.tensor(QUANTILES, dtype=torch.double) / 100).tolist(),
            "hist": torch.histc(v, HISTOGRAM_BINS, low, top).tolist(), "lo": low, "hi": top,
            "num": v.numel(), "sum": float(v.sum()), "sum_sq": float((v * v).sum())}  # fmt: skip


class Recorder:
    """Distributions, gradient norms and gradient flow of one run; the Trainer calls
    after_backward() every batch and end_epoch() after every epoch, on its own thread."""

    def __init__(self, model: RowRNN, train_images: torch.Tensor, train_labels: torch.Tensor):
        self.model = model
        self.groups = parameter_groups(model)
        self.names = block_names(model)
        # The training images as loaded (uint8 ink 0..255, or floats in [0, 1]), unaugmented.
        self.flow_images = train_images[:FLOW_IMAGES].float()
        if train_images.dtype == torch.uint8:
            self.flow_images /= 255.0
        self.flow_labels = train_labels[:FLOW_IMAGES]
        self.weights = {"epochs": [], "blocks": {name: [] for name in self.names}}
        self.gradients = {"epochs": [], "blocks": {name: [] for name in self.names}}
        self.flow = {"epochs": [], "h": [], "c": []}
        self.norms: list[list[float]] = []  # per batch, one per block
        self._pending_norms: list[torch.Tensor] = []  # this epoch's, still on the device
        self._last_gradients: list[dict] | None = None
        self._snapshot_weights(0)

    def after_backward(self, last_in_epoch: bool) -> None:
        """Right after loss.backward(): the norm of every block's gradient (no sync), and on the
        epoch's last batch the distribution of the gradients themselves."""
        grads = [(grad(), len(parts)) for _, _, grad, parts in self.groups]
        self._pending_norms.append(torch.cat([split_blocks(g, parts).norm(dim=1) for g, parts in grads]))
        if last_in_epoch:
            self._last_gradients = [summarize(row) for g, parts in grads for row in split_blocks(g, parts)]

    def end_epoch(self, epoch: int) -> dict:
        """After the epoch's last batch: its snapshots; returns everything recorded so far."""
        if self._pending_norms:
            self.norms.extend(torch.stack(self._pending_norms).cpu().tolist())
            self._pending_norms = []
        if self._last_gradients is not None:
            self.gradients["epochs"].append(epoch)
            for name, summary in zip(self.names, self._last_gradients):
                self.gradients["blocks"][name].append(summary)
            self._last_gradients = None
        self._snapshot_weights(epoch)
        return self.to_dict()

    def _snapshot_weights(self, epoch: int) -> None:
        with torch.no_grad():
            summaries = [summarize(row) for _, values, _, parts in self.groups for row in split_blocks(values(), len(parts))]
        self.weights["epochs"].append(epoch)
        for name, summary in zip(self.names, summaries):
            self.weights["blocks"][name].append(summary)
        flow = gradient_flow(self.model, self.flow_images, self.flow_labels)
        self.flow["epochs"].append(epoch)
        for key in ("h", "c"):  # a GRU or a plain RNN has no cell state: "c" stays empty
            if key in flow:
                self.flow[key].append(flow[key].cpu().tolist())

    def to_dict(self) -> dict:
        """A fresh copy, safe to hand to another thread while the run goes on."""
        return {"quantiles": list(QUANTILES), "blocks": list(self.names),
                "weights": _copy_series(self.weights), "gradients": _copy_series(self.gradients),
                "grad_norms": {"step": list(range(1, len(self.norms) + 1)),
                               "blocks": {name: [row[i] for row in self.norms] for i, name in enumerate(self.names)}},
                "gradient_flow": {"epochs": list(self.flow["epochs"]), "h": list(self.flow["h"]),
                                  "c": list(self.flow["c"])}}  # fmt: skip


def _copy_series(series: dict) -> dict:
    return {"epochs": list(series["epochs"]), "blocks": {name: list(s) for name, s in series["blocks"].items()}}


def thinned(distributions: dict | None, keep) -> dict | None:
    """The same record with only the batch rows at the indices keep (as curves.py thins its batch
    columns for a record): the per-epoch parts are small, the per-batch norms are not."""
    if distributions is None:
        return None
    norms = distributions["grad_norms"]
    keep = [int(i) for i in keep]
    thin = {"step": [norms["step"][i] for i in keep],
            "blocks": {name: [values[i] for i in keep] for name, values in norms["blocks"].items()}}  # fmt: skip
    return {**distributions, "grad_norms": thin}
