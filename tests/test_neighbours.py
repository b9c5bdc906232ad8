"""The neighbour index (issue 26, "the digits it is reminded of"): its answers against an exact
search, its cache (written, reused, rebuilt for another model and for a damaged or foreign file)
and the LSTMVis search. A small model and a few hundred digits keep it fast."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch

from recognizer.evaluation import neighbours
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.network.trace import Tracer

SIZE = 300


def _tracer(seed: int, hidden=(24,), cell="lstm") -> Tracer:
    torch.manual_seed(seed)
    return Tracer(RowRNN(ModelConfig(hidden, cell)))


@pytest.fixture(scope="module")
def digits(mnist):
    return mnist.train_images[:2000], mnist.train_labels[:2000], mnist.test_images[:10]


@pytest.fixture(scope="module")
def small():
    return _tracer(0, hidden=(40,))


def test_query_agrees_with_an_exact_search(small, digits):
    images, labels, tests = digits
    index = neighbours.build(small, images, labels, size=SIZE, dims=8)
    full = neighbours.last_states(small, images[index.indices]).transpose(1, 0, 2)
    queries = neighbours.last_states(small, tests)
    agree = []
    for h in queries:
        for row in (5, 12, 20, 27):
            d = ((full[row] - h[row]) ** 2).sum(axis=1)
            kth = np.sort(d)[neighbours.K - 1]
            found = index.query(h[row], row)
            assert len(found) == neighbours.K and len(set(found.tolist())) == neighbours.K
            agree.append(float((d[found] <= kth * (1 + 1e-5) + 1e-9).mean()))
    assert np.mean(agree) >= 0.95
    # the nearest to a sample digit's own state is that digit (or one with the same state)
    own = index.query(full[20][7], 20, k=1)[0]
    assert np.allclose(full[20][own], full[20][7], atol=2 / 127)


def test_the_sample_is_fixed_and_the_images_are_the_training_digits(small, digits):
    images, labels, _ = digits
    index = neighbours.build(small, images, labels, size=SIZE)
    assert np.array_equal(index.indices, neighbours.sample_indices(len(images), SIZE))
    assert np.array_equal(index.images, images[index.indices])
    assert np.array_equal(index.labels, labels[index.indices])


def test_the_cache_is_written_reused_and_rebuilt(small, digits, tmp_path):
    images, labels, _ = digits
    first, built = neighbours.index_for(small, images, labels, size=SIZE)
    path = neighbours.cache_path(first.model_key)
    assert built and path.is_file() and path.stat().st_size < neighbours.MAX_FILE_BYTES
    again, built = neighbours.index_for(small, images, labels, size=SIZE)
    assert not built and np.array_equal(again.reduced, first.reduced) and np.array_equal(again.states, first.states)
    other, built = neighbours.index_for(_tracer(1, hidden=(40,)), images, labels, size=SIZE)
    assert built and other.model_key != first.model_key and neighbours.cache_path(other.model_key).is_file()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # damaged: cut short
    rebuilt, built = neighbours.index_for(small, images, labels, size=SIZE)
    assert built and np.array_equal(rebuilt.states, first.states)
    assert neighbours.load(first.model_key, 40) is not None  # and written again whole


def test_a_foreign_cache_file_is_not_trusted(small, digits):
    images, labels, _ = digits
    index, _ = neighbours.index_for(small, images, labels, size=SIZE)
    path = neighbours.cache_path(index.model_key)
    # another model's file under this model's name: its key inside says whose it is
    other = neighbours.build(_tracer(2, hidden=(40,)), images, labels, size=SIZE)
    neighbours.save(other, path)
    assert neighbours.load(index.model_key, 40) is None
    # the right key but states of another size
    neighbours.save(neighbours.NeighbourIndex(index.model_key, *(getattr(other, n) for n in (
        "indices", "images", "labels")), other.states[:, :, :10], other.mean[:, :10], other.components[:, :10],
        other.reduced), path)  # fmt: skip
    assert neighbours.load(index.model_key, 40) is None
    # small on disk, 120 MB unpacked: refused before it is unpacked
    fields = {n: getattr(index, n) for n in ("indices", "images", "labels", "mean", "components", "reduced")}
    np.savez_compressed(path.with_suffix(".tmp.npz"), version=np.int64(neighbours.VERSION),
                        model_key=np.array(index.model_key), states=np.zeros(120_000_000, np.int8), **fields)
    path.with_suffix(".tmp.npz").replace(path)
    assert path.stat().st_size < 2_000_000
    tracemalloc.start()
    try:
        assert neighbours.load(index.model_key, 40) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < neighbours.MAX_FILE_BYTES + 10_000_000  # read_regular's buffer, not the 120 MB besides
    path.write_bytes(b"not a zip at all")
    assert neighbours.load(index.model_key, 40) is None
    _, built = neighbours.index_for(small, images, labels, size=SIZE)
    assert built


def test_every_cell_kind_and_a_stacked_model_build(digits):
    images, labels, tests = digits
    for tracer in (_tracer(3, cell="gru"), _tracer(4, cell="rnn"), _tracer(5, hidden=(16, 12))):
        index = neighbours.build(tracer, images, labels, size=100)
        assert index.states.shape == (neighbours.ROWS, 100, tracer.hidden_sizes[-1])
        h = tracer(tests[0] / 255.0).layers[-1].h
        assert len(index.query(h[27], 27)) == neighbours.K


def test_the_search_returns_the_digits_that_meet_the_condition(small, digits):
    images, labels, _ = digits
    index = neighbours.build(small, images, labels, size=SIZE)
    full = neighbours.last_states(small, images[index.indices])
    units = [3, 7]
    # a threshold that about a third of the digits meet on this random model
    threshold = float(np.quantile(full[:, 14:21][:, :, units].min(axis=(1, 2)), 0.66))
    found = set(index.search(units, (14, 20), threshold).tolist())
    meets = {i for i in range(SIZE) if (full[i, 14:21][:, units] >= threshold + 1 / 127).all()}
    fails = {i for i in range(SIZE) if (full[i, 14:21][:, units] < threshold - 1 / 127).any()}
    assert 10 < len(meets) and meets <= found and not (found & fails)
    with pytest.raises(ValueError):
        index.search([40], (0, 3), 0.1)


def test_a_wide_layer_samples_fewer_digits_so_its_cache_fits_and_is_reused(small, digits, monkeypatch):
    images, labels, _ = digits
    assert neighbours.sample_size(512) < neighbours.SAMPLE == neighbours.sample_size(128)
    monkeypatch.setattr(neighbours, "SAMPLE", 1000)
    monkeypatch.setattr(neighbours, "MAX_FILE_BYTES", (1 << 20) + 400 * neighbours.ROWS * (40 + 4 * 32 + 28) + 400 * 9)
    index, built = neighbours.index_for(small, images, labels)
    assert built and len(index) == neighbours.sample_size(40) == 400
    assert neighbours.cache_path(index.model_key).stat().st_size <= neighbours.MAX_FILE_BYTES
    _, built = neighbours.index_for(small, images, labels)
    assert not built
