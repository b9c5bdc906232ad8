"""The Lab's edits on a GRU and a plain RNN: through the Tracer they equal torch's nn.GRU and
nn.RNN run on the equivalently edited weights (or with the state held at 0), silencing works for
every cell, and only the gates a cell has can be pinned."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from trace_checks import TOL, assert_trace_matches

from recognizer.evaluation.lab import edited_model, edited_probabilities, rank_units, save_edited_model
from recognizer.files.model_file import LoadedModel, load_model
from recognizer.network.cells import CELLS, SIGMOID_GATES
from recognizer.network.interventions import CELL_PINS, HiddenRows, Interventions, Pin, Silence, Temperature
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.network.trace import Tracer


@pytest.fixture(scope="module", params=["gru", "rnn"])
def stacked(request):
    torch.manual_seed(7)
    return RowRNN(ModelConfig((16, 8), request.param)).eval()


@pytest.fixture(scope="module")
def image():
    rng = np.random.default_rng(0)
    img = np.zeros((28, 28), np.float32)
    img[5:23, 9:19] = rng.random((18, 10))
    return img


def reference(model: RowRNN, image, silenced=()):
    """torch's own module one row at a time, h of silenced (layer, unit, from_row) zeroed after
    each row from from_row on: hidden states per layer (28, n), probabilities per row (28, 10)."""
    x = torch.as_tensor(image, dtype=torch.float32).reshape(1, 28, 28)
    per_layer = []
    with torch.no_grad():
        for layer, module in enumerate(model.layers):
            h, outs = None, []
            for t in range(28):
                _, h = module(x[:, t : t + 1], h)
                for lay, unit, row in silenced:
                    if lay == layer and t >= row:
                        h[..., unit] = 0
                outs.append(h[0, 0].clone())
            x = torch.stack(outs)[None]
            per_layer.append(x[0].numpy())
        p = torch.softmax(model.readout(x[0]), dim=1).numpy()
    return per_layer, p


@pytest.mark.parametrize("from_row", [0, 9])
def test_silencing_equals_torch_with_h_held_at_zero(stacked, image, from_row):
    iv = Interventions().add(Silence(0, (1, 4, 9), from_row)).add(Silence(1, (2,), 12))
    trace = Tracer(stacked)(image, iv)
    silenced = [(0, u, from_row) for u in (1, 4, 9)] + [(1, 2, 12)]
    assert_trace_matches(trace, *reference(stacked, image, silenced))
    assert np.all(trace.layers[0].h[from_row:, [1, 4, 9]] == 0)
    np.testing.assert_allclose(edited_probabilities(stacked, image[None], iv)[0], trace.probabilities[-1], atol=TOL)


def test_silencing_from_row_one_is_exactly_a_zeroed_candidate(stacked, image):
    """The weight edit gives h = 0 bit for bit at every row, and the same answers as the Tracer."""
    iv = Interventions().add(Silence(0, (0, 5), 0))
    edited = edited_model(stacked, iv)
    with torch.no_grad():
        out, _ = edited.layers[0](torch.as_tensor(image)[None])
    assert torch.all(out[..., [0, 5]] == 0) and out[..., 1].abs().sum() > 0
    np.testing.assert_allclose(Tracer(edited)(image).probabilities, Tracer(stacked)(image, iv).probabilities, atol=TOL)


def test_gru_pins_equal_nn_gru_with_the_bias_edit(image):
    torch.manual_seed(8)
    model = RowRNN(ModelConfig((16, 8), "gru")).eval()
    for name, (gate, value) in CELL_PINS["gru"].items():
        iv = Interventions().add(Pin(0, gate, value, (0, 3, 7))).add(Pin(1, gate, value, None))
        trace = Tracer(model)(image, iv)
        assert_trace_matches(trace, *reference(edited_model(model, iv), image))
        assert np.all(trace.layers[0].series(gate)[:, [0, 3, 7]] == value), name
        np.testing.assert_allclose(edited_probabilities(model, image[None], iv)[0], trace.probabilities[-1], atol=TOL)


@pytest.mark.parametrize("cell", CELLS)
def test_only_the_cells_own_gates_can_be_pinned(cell):
    assert {gate for gate, _ in CELL_PINS[cell].values()} == set(SIGMOID_GATES[cell])
    foreign = {"lstm": "reset", "gru": "forget", "rnn": "forget"}[cell]
    with pytest.raises(ValueError, match=f"{cell.upper()} has no {foreign} gate"):
        Interventions().add(Pin(0, foreign, 1.0)).check((16,), cell)


def test_a_saved_edited_gru_reproduces_the_edited_trace(image, tmp_path):
    torch.manual_seed(9)
    model = RowRNN(ModelConfig((16, 8), "gru")).eval()
    iv = (Interventions().add(Silence(1, (0, 6), 0)).add(Pin(0, "reset", 0.0, (2, 5))).add(Temperature(1.5))
          .add(HiddenRows(2, 4)))  # fmt: skip
    path, left_out = save_edited_model(tmp_path / "edited.safetensors", LoadedModel(model, {"training": {}}), iv)
    assert left_out == (HiddenRows(2, 4),)
    again = load_model(path)
    assert again.model.cell == "gru" and again.metadata["architecture"]["cell"] == "gru"
    exact = Interventions(silenced=iv.silenced, pinned=iv.pinned, temperature=iv.temperature)
    want, got = Tracer(model)(image, exact), Tracer(again.model)(image)
    np.testing.assert_allclose(got.probabilities, want.probabilities, atol=TOL)
    for a, b in zip(got.layers, want.layers):
        for name in ("h", "reset", "update"):  # the edited weights zero the silenced units' candidate too
            np.testing.assert_allclose(a.series(name), b.series(name), atol=TOL)


def test_ranking_works_for_every_cell(stacked, image):
    tracer = Tracer(stacked)
    ranking = rank_units(tracer, image)
    base = tracer(image).probabilities[-1, ranking.answer]
    for unit in range(8):
        alone = tracer(image, Interventions().add(Silence(1, (unit,), 0))).probabilities[-1, ranking.answer]
        assert ranking.drops[unit] == pytest.approx(base - alone, abs=TOL)
