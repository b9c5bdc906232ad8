"""Model files of every cell kind: they round-trip, say their cell, and the files from before
GRU and RNN (no cell kind in their metadata, the shipped default among them) load as LSTMs.
The hostile cases (weights that do not fit the claimed cell) are in tests/bad_files.py."""

import numpy as np
import pytest
import torch
from bad_files import cell_is_a_list, gru_weights_without_a_cell_kind, lstm_weights_claimed_gru, unknown_cell

from recognizer.errors import ModelFileError
from recognizer.files.model_file import load_model, make_metadata, save_model, tensor_shapes
from recognizer.network.cells import CELLS
from recognizer.network.model import ModelConfig, RowRNN, count_parameters
from recognizer.network.trace import Tracer


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("sizes", [(16,), (8, 12)])
def test_every_cell_round_trips_and_says_what_it_is(tmp_path, cell, sizes):
    torch.manual_seed(0)
    model = RowRNN(ModelConfig(sizes, cell))
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == tensor_shapes(sizes, cell)
    path = save_model(tmp_path / "m.safetensors", model, make_metadata(model, {"cell": cell}, 0.5))
    loaded = load_model(path)
    assert loaded.model.cell == cell and loaded.metadata["architecture"]["cell"] == cell
    assert loaded.model.describe() == model.describe()
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[k], v)
    image = np.random.default_rng(0).random((28, 28), dtype=np.float32)
    np.testing.assert_array_equal(Tracer(loaded.model)(image).probabilities, Tracer(model)(image).probabilities)


def test_parameters_per_cell():
    """Four, three and one block of n rows per unit (an LSTM 128 has 82,186 parameters)."""
    blocks = {"lstm": 4, "gru": 3, "rnn": 1}
    for cell in CELLS:
        model = RowRNN(ModelConfig((128,), cell))
        assert count_parameters(model) == blocks[cell] * 128 * (28 + 128 + 2) + 128 * 10 + 10


def test_files_without_a_cell_kind_are_lstms(tmp_path):
    """As every file written before the GRU and the RNN came (the first shipped model among them)."""
    model = RowRNN(ModelConfig((16,)))
    meta = make_metadata(model, {}, None)
    del meta["architecture"]["cell"]
    assert load_model(save_model(tmp_path / "old.safetensors", model, meta)).model.describe() == "LSTM 16"


@pytest.mark.parametrize("maker", [lstm_weights_claimed_gru, gru_weights_without_a_cell_kind, unknown_cell, cell_is_a_list])
def test_weights_that_do_not_fit_the_claimed_cell_are_refused_before_building(tmp_path, maker, monkeypatch):
    path, fragment = maker(tmp_path)
    built = []
    monkeypatch.setattr("recognizer.files.model_file.RowRNN", lambda *a: built.append(a))
    with pytest.raises(ModelFileError) as e:
        load_model(path)
    assert fragment in str(e.value) and "\n" not in str(e.value) and not built
