"""The Lab's analyses, Qt-free: which units decide an answer, what an edit does to the whole test
set, and the edited network as a model of its own (weight edits, see interventions.py).

- rank_units: every unit of a layer silenced alone, in one batched pass of the Tracer (a batch of
  H copies of the image, copy u with unit u silenced), ranked by how much the answer's
  probability falls; then, in a second pass, the top-ranked units silenced 1, 2, ... at a time,
  for the smallest such prefix that changes the answer.
- edited_probabilities (and effect_on_test_set, before and after): the edited network on many images with torch's own nn.LSTM (nn.GRU, nn.RNN): pins and
  silences from row 1 are weight edits; a silence from a later row splits the rows into segments
  that run with different weights, the state carried across (see _run_layer); hidden rows are
  blanked in the input; the temperature divides the logits.
- edited_model / save_edited_model: the exact parts written into a copy of the weights.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from ..files.model_file import LoadedModel, make_metadata, save_model
from ..network.interventions import PIN_LOGIT, Interventions, Part, Pin, gate_offset
from ..network.model import RowRNN
from ..network.trace import Tracer
from .accuracy import Evaluation, Stopped, as_float_images, evaluation_of

TOP = 10
CANDIDATE = {"lstm": "candidate", "gru": "candidate", "rnn": "preactivation"}  # the rows silencing zeroes
FIRST_PREFIXES = 16  # how many of the top units the first pass for the deciding set tries


@dataclass(frozen=True, eq=False)
class Ranking:
    layer: int
    answer: int  # what the (edited) network answers
    probability: float  # ... and how sure it is
    drops: np.ndarray  # (units,) fall of the answer's probability with each unit silenced alone
    order: np.ndarray  # units, largest drop first
    deciding: tuple[int, ...] | None  # the fewest top-ranked units whose silencing changes the answer
    deciding_answer: int | None  # what it answers then

    def top(self, k: int = TOP) -> list[tuple[int, float]]:
        return [(int(u), float(self.drops[u])) for u in self.order[:k]]


def rank_units(tracer: Tracer, image, interventions: Interventions = Interventions(), layer: int = -1) -> Ranking:
    """See the module's docstring; layer -1 is the last (the one the readout reads)."""
    layer = layer % len(tracer.hidden_sizes)
    n = tracer.hidden_sizes[layer]
    image = np.asarray(image, np.float32).reshape(1, 28, 28)
    base = tracer.run_batch(image, interventions)[0, -1]
    answer = int(base.argmax())
    batch = np.repeat(image, n, axis=0)
    alone = tracer.run_batch(batch, interventions, silence_each=(layer, 1.0 - np.eye(n, dtype=np.float32)))[:, -1]
    drops = base[answer] - alone[:, answer]
    order = np.argsort(-drops, kind="stable")
    prefixes = np.ones((n, n), np.float32)  # row k: the top k + 1 units silenced
    rows, cols = np.tril_indices(n)
    prefixes[rows, order[cols]] = 0.0
    k, new_answer = None, None
    # The short prefixes first: they usually settle it, for an eighth of the work of all of them.
    for chunk in (slice(0, FIRST_PREFIXES), slice(FIRST_PREFIXES, n)):
        if chunk.start >= n:
            break
        keep = prefixes[chunk]
        answers = tracer.run_batch(batch[: len(keep)], interventions, silence_each=(layer, keep))[:, -1].argmax(axis=1)
        changed = np.flatnonzero(answers != answer)
        if len(changed):
            k, new_answer = chunk.start + int(changed[0]) + 1, int(answers[changed[0]])
            break
    return Ranking(layer=layer, answer=answer, probability=float(base[answer]), drops=drops, order=order,
                   deciding=None if k is None else tuple(int(u) for u in order[:k]), deciding_answer=new_answer)


# --- weight edits ---------------------------------------------------------------------------------


@torch.no_grad()
def _edit_layer(module: nn.Module, cell: str, silenced_units, pins: list[Pin]) -> None:
    """In place: candidate rows of silenced units zeroed (the plain RNN's only rows: h = 0 at
    every row, and an LSTM's c, exactly; see interventions.py), pinned gate rows zeroed with
    their bias at +-PIN_LOGIT."""
    n = module.hidden_size
    rows = [gate_offset(cell, CANDIDATE[cell]) * n + u for u in silenced_units]
    weights = (module.weight_ih_l0, module.weight_hh_l0, module.bias_ih_l0, module.bias_hh_l0)
    for w in weights:
        w[rows] = 0.0
    for p in pins:
        units = list(range(n)) if p.units is None else list(p.units)
        rows = [gate_offset(cell, p.gate) * n + u for u in units]
        for w in weights:
            w[rows] = 0.0
        module.bias_ih_l0[rows] = PIN_LOGIT if p.value == 1.0 else -PIN_LOGIT


def _silenced_from(interventions: Interventions, layer: int, row: int) -> list[int]:
    return sorted({u for s in interventions.silenced if s.layer == layer and s.from_row <= row for u in s.units})


def edited_model(model: RowRNN, interventions: Interventions) -> RowRNN:
    """A copy of model with the exact parts of interventions written into its weights (the rest,
    silences from a later row and hidden rows, are left out: see Interventions.inexact_parts)."""
    interventions.check(model.config.hidden_sizes, model.cell)
    edited = copy.deepcopy(model)
    for layer, module in enumerate(edited.layers):
        pins = [p for p in interventions.pinned if p.layer == layer]
        _edit_layer(module, model.cell, _silenced_from(interventions, layer, 0), pins)
    with torch.no_grad():
        edited.readout.weight /= interventions.temperature_value
        edited.readout.bias /= interventions.temperature_value
    return edited


def save_edited_model(path, loaded: LoadedModel, interventions: Interventions,
                      test_accuracy: float | None = None) -> tuple[Path, tuple[Part, ...]]:  # fmt: skip
    """Write the edited network; metadata "edits" lists what was written, "edited_from" the model
    it came from. Returns the path and the parts left out because no weight edit equals them."""
    model = edited_model(loaded.model, interventions)
    metadata = make_metadata(model, loaded.metadata.get("training", {}), test_accuracy)
    metadata |= {"edited_from": loaded.name, "edits": [p.to_json() for p in interventions.exact_parts()]}
    return save_model(path, model, metadata), interventions.inexact_parts()


# --- the edited network on many images ---------------------------------------------------------


def _run_layer(module: nn.Module, cell: str, layer: int, x: torch.Tensor, interventions: Interventions) -> torch.Tensor:
    """One layer over all rows. A unit silenced from row r runs rows ..r-1 with the plain weights
    and rows r.. with its candidate zeroed, and then its h (and c) are 0 from row r on while every
    other unit sees the true h of row r-1, as the Tracer computes: an LSTM's c entering row r is
    set to 0; a GRU's update gate is pinned to 0 as well (h_r = z h_(r-1) + (1 - z) 0 is then 0
    to within 1e-38 of h); a plain RNN needs nothing more (h_r = tanh(0))."""
    pins = [p for p in interventions.pinned if p.layer == layer]
    starts = sorted({0, *(s.from_row for s in interventions.silenced if s.layer == layer)})
    outputs, state = [], None
    for start, stop in zip(starts, [*starts[1:], x.shape[1]]):
        segment = copy.deepcopy(module)
        silenced = _silenced_from(interventions, layer, start)
        # Last, so that it wins over a pin of the user's on the same unit (the Tracer's silence does too).
        carried = [Pin(layer, "update", 0.0, tuple(silenced))] if cell == "gru" and start > 0 and silenced else []
        _edit_layer(segment, cell, silenced, pins + carried)
        if state is not None and cell == "lstm":
            h, c = state
            c = c.clone()
            c[..., silenced] = 0.0
            state = (h, c)
        out, state = segment(x[:, start:stop], state)
        outputs.append(out)
    return torch.cat(outputs, dim=1)


@torch.no_grad()
def edited_probabilities(model: RowRNN, images, interventions: Interventions, batch_size: int = 2000,
                         should_stop: Callable[[], bool] | None = None) -> np.ndarray:  # fmt: skip
    """(N, 10) probabilities of the edited network after the last row; Stopped when asked."""
    interventions.check(model.config.hidden_sizes, model.cell)
    x_all = as_float_images(interventions.hide_input(as_float_images(images).numpy()))
    was_training = model.training
    model.eval()
    out = []
    try:
        for start in range(0, len(x_all), batch_size):
            if should_stop is not None and should_stop():
                raise Stopped()
            x = x_all[start : start + batch_size]
            for layer, module in enumerate(model.layers):
                x = _run_layer(module, model.cell, layer, x, interventions)
            logits = model.readout(x[:, -1]) / interventions.temperature_value
            out.append(torch.softmax(logits, dim=1))
    finally:
        model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, 10), np.float32)


@dataclass(frozen=True, eq=False)
class TestSetEffect:
    before: Evaluation
    after: Evaluation


def effect_on_test_set(model: RowRNN, images, labels, interventions: Interventions, before: Evaluation | None = None,
                       should_stop: Callable[[], bool] | None = None) -> TestSetEffect:  # fmt: skip
    """Accuracy and confusion of the network before and after the edit, on the same images;
    pass `before` when it is known (it only changes with the model) to halve the work."""
    if before is None:
        before = evaluation_of(labels, edited_probabilities(model, images, Interventions(), should_stop=should_stop))
    after = edited_probabilities(model, images, interventions, should_stop=should_stop)
    return TestSetEffect(before, evaluation_of(labels, after))

