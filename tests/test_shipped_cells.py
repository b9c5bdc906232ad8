"""The cells shipped beside the default model (README, "Shipped models"): each file is the cell
and sizes it says, its metadata's accuracy is what it scores on the full MNIST test set, and it
learned (a floor well under the measured figure, above what a broken file would reach)."""

import pytest

from recognizer.evaluation.accuracy import evaluate
from recognizer.files.model_file import load_model
from recognizer.files.paths import default_model_path
from recognizer.network.model import count_parameters
from recognizer.training.trainer import TrainConfig

SHIPPED = [  # file, cell, sizes, parameters, accuracy floor
    ("lstm-32x64.safetensors", "lstm", [32, 64], 4 * 32 * (28 + 32 + 2) + 4 * 64 * (32 + 64 + 2) + 64 * 10 + 10, 0.985),
    ("gru-128.safetensors", "gru", [128], 3 * 128 * (28 + 128 + 2) + 128 * 10 + 10, 0.985),
    ("rnn-128.safetensors", "rnn", [128], 128 * (28 + 128 + 2) + 128 * 10 + 10, 0.97),
]


@pytest.mark.parametrize("name, cell, sizes, parameters, floor", SHIPPED)
def test_a_shipped_cell_is_what_it_says_and_scores_what_it_says(mnist, name, cell, sizes, parameters, floor):
    loaded = load_model(default_model_path().parent / name)
    meta = loaded.metadata
    assert meta["architecture"]["cell"] == cell and meta["architecture"]["hidden_sizes"] == sizes
    assert meta["training"]["cell"] == cell and meta["training"]["hidden_sizes"] == sizes
    assert loaded.model.cell == cell and [m.hidden_size for m in loaded.model.layers] == sizes
    assert count_parameters(loaded.model) == parameters
    assert loaded.trust is not None  # every CLI run fits its rejection parameters
    known = set(TrainConfig.__dataclass_fields__)
    TrainConfig(**{k: (tuple(v) if k == "hidden_sizes" else v) for k, v in meta["training"].items() if k in known})
    assert len(mnist.test_labels) == 10_000
    ev = evaluate(loaded.model, mnist.test_images, mnist.test_labels)
    assert ev.accuracy == pytest.approx(meta["test_accuracy"], abs=1e-4)
    assert ev.accuracy >= floor
