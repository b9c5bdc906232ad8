"""The Lab's core: every intervention through the Tracer equals nn.LSTM run on the equivalently
edited weights or inputs, the batched ranking equals silencing units one at a time, and a saved
edited model reproduces the edited trace."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from trace_checks import TOL, assert_trace_matches

from recognizer.evaluation.lab import (
    edited_model,
    edited_probabilities,
    effect_on_test_set,
    rank_units,
    save_edited_model,
)
from recognizer.files.model_file import LoadedModel, load_model
from recognizer.network.interventions import PINS, HiddenRows, Interventions, Pin, Silence, Temperature
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.network.trace import Tracer


@pytest.fixture(scope="module")
def stacked():
    torch.manual_seed(3)
    return RowRNN(ModelConfig((16, 8))).eval()


@pytest.fixture(scope="module")
def image():
    rng = np.random.default_rng(0)
    img = np.zeros((28, 28), np.float32)
    img[5:23, 9:19] = rng.random((18, 10))
    return img


def reference(model: RowRNN, image, silenced=(), hidden=None, temperature=1.0):
    """nn.LSTM one row at a time, (h, c) of silenced (layer, unit, from_row) zeroed after each row
    from from_row on: hidden states per layer (28, n) and probabilities per row (28, 10)."""
    x = torch.as_tensor(image, dtype=torch.float32).reshape(1, 28, 28).clone()
    if hidden is not None:
        x[:, hidden[0] : hidden[1] + 1] = 0
    per_layer = []
    with torch.no_grad():
        for layer, lstm in enumerate(model.layers):
            state, outs = None, []
            for t in range(28):
                out, (h, c) = lstm(x[:, t : t + 1], state)
                for lay, unit, row in silenced:
                    if lay == layer and t >= row:
                        h[..., unit] = 0
                        c[..., unit] = 0
                state = (h, c)
                outs.append(h[0, 0].clone())
            x = torch.stack(outs)[None]
            per_layer.append(x[0].numpy())
        p = torch.softmax(model.readout(x[0]) / temperature, dim=1).numpy()
    return per_layer, p


@pytest.mark.parametrize("from_row", [0, 9])
def test_silencing_equals_nn_lstm_with_the_state_held_at_zero(stacked, image, from_row):
    iv = Interventions().add(Silence(0, (1, 4, 9), from_row)).add(Silence(1, (2,), 12))
    trace = Tracer(stacked)(image, iv)
    silenced = [(0, u, from_row) for u in (1, 4, 9)] + [(1, 2, 12)]
    assert_trace_matches(trace, *reference(stacked, image, silenced))
    assert np.all(trace.layers[0].h[from_row:, [1, 4, 9]] == 0) and np.all(trace.layers[0].c[from_row:, [1, 4, 9]] == 0)
    np.testing.assert_allclose(edited_probabilities(stacked, image[None], iv)[0], trace.probabilities[-1], atol=TOL)


def test_silencing_from_row_one_is_exactly_a_zeroed_candidate(stacked, image):
    """The weight edit (candidate row zeroed) gives h = c = 0 bit for bit, and the same answers."""
    iv = Interventions().add(Silence(0, (0, 5), 0))
    edited = edited_model(stacked, iv)
    with torch.no_grad():
        out, (h, c) = edited.layers[0](torch.as_tensor(image)[None])
    assert torch.all(out[..., [0, 5]] == 0) and torch.all(c[..., [0, 5]] == 0)
    plain = Tracer(edited)(image)
    np.testing.assert_allclose(plain.probabilities, Tracer(stacked)(image, iv).probabilities, atol=TOL)


@pytest.mark.parametrize("name", sorted(PINS))
@pytest.mark.parametrize("units", [None, (0, 3, 7)])
def test_pinned_gates_equal_nn_lstm_with_the_bias_edit(stacked, image, name, units):
    gate, value = PINS[name]
    iv = Interventions().add(Pin(0, gate, value, units)).add(Pin(1, gate, value, None))
    trace = Tracer(stacked)(image, iv)
    edited = edited_model(stacked, iv)
    per_layer, p = reference(edited, image)
    assert_trace_matches(trace, per_layer, p)
    pinned = trace.layers[0].series(gate)[:, list(units) if units else slice(None)]
    assert np.all(pinned == value)
    np.testing.assert_allclose(edited_probabilities(stacked, image[None], iv)[0], p[-1], atol=TOL)


def test_hidden_rows_and_temperature_equal_nn_lstm_on_the_edited_input(stacked, image):
    iv = Interventions().add(HiddenRows(10, 17)).add(Temperature(2.5))
    trace = Tracer(stacked)(image, iv)
    assert_trace_matches(trace, *reference(stacked, image, hidden=(10, 17), temperature=2.5))
    assert not trace.image[10:18].any() and trace.image[9].any()


def test_everything_at_once_agrees_in_tracer_and_torch(stacked, mnist):
    iv = (Interventions().add(Silence(0, (2, 3), 0)).add(Silence(0, (7,), 14)).add(Pin(1, "forget", 1.0, (1,)))
          .add(HiddenRows(0, 3)).add(Temperature(0.7)))  # fmt: skip
    images = mnist.test_images[:64].astype(np.float32) / 255
    tracer = Tracer(stacked)
    np.testing.assert_allclose(edited_probabilities(stacked, images, iv), tracer.run_batch(images, iv)[:, -1], atol=TOL)
    silenced = [(0, 2, 0), (0, 3, 0), (0, 7, 14)]
    per_layer, p = reference(edited_model(stacked, Interventions(pinned=iv.pinned)), images[0], silenced, (0, 3), 0.7)
    assert_trace_matches(tracer(images[0], iv), per_layer, p)


def test_no_interventions_is_the_plain_trace(stacked, image):
    tracer = Tracer(stacked)
    plain, edited = tracer(image), tracer(image, Interventions())
    np.testing.assert_array_equal(plain.probabilities, edited.probabilities)
    np.testing.assert_allclose(tracer.run_batch(image[None], Interventions())[0], plain.probabilities, atol=TOL)


def test_the_batched_ranking_equals_silencing_units_one_at_a_time(shipped_model_path, mnist):
    model = load_model(shipped_model_path).model
    tracer = Tracer(model)
    image = mnist.test_images[7].astype(np.float32) / 255
    base_iv = Interventions().add(Pin(0, "output", 1.0, (0, 1)))
    ranking = rank_units(tracer, image, base_iv)
    base = tracer(image, base_iv)
    assert ranking.answer == base.prediction
    for unit in range(128):
        alone = tracer(image, base_iv.add(Silence(0, (unit,), 0))).probabilities[-1, ranking.answer]
        assert ranking.drops[unit] == pytest.approx(base.probabilities[-1, ranking.answer] - alone, abs=TOL)
    assert list(ranking.drops[ranking.order]) == sorted(ranking.drops, reverse=True)
    assert len(ranking.top()) == 10
    if ranking.deciding is not None:
        k = len(ranking.deciding)
        assert tracer(image, base_iv.add(Silence(0, ranking.deciding, 0))).prediction == ranking.deciding_answer != ranking.answer
        for shorter in range(1, k):
            assert tracer(image, base_iv.add(Silence(0, tuple(ranking.order[:shorter]), 0))).prediction == ranking.answer


def test_a_saved_edited_model_reproduces_the_edited_trace(stacked, image, tmp_path):
    iv = (Interventions().add(Silence(1, (0, 6), 0)).add(Pin(0, "input", 0.0, (2, 5))).add(Pin(1, "forget", 0.0, None))
          .add(Temperature(1.5)).add(Silence(0, (3,), 20)).add(HiddenRows(2, 4)))  # fmt: skip
    loaded = LoadedModel(model=stacked, metadata={"training": {"note": "test"}})
    path, left_out = save_edited_model(tmp_path / "edited.safetensors", loaded, iv, test_accuracy=0.5)
    assert set(left_out) == {Silence(0, (3,), 20), HiddenRows(2, 4)}
    again = load_model(path)
    assert [e["kind"] for e in again.metadata["edits"]] == ["silence", "pin", "pin", "temperature"]
    assert again.metadata["edited_from"] == "unsaved model" and again.test_accuracy == 0.5
    exact = Interventions(silenced=iv.silenced[:1], pinned=iv.pinned, temperature=iv.temperature)
    want, got = Tracer(stacked)(image, exact), Tracer(again.model)(image)
    np.testing.assert_allclose(got.probabilities, want.probabilities, atol=TOL)
    for a, b in zip(got.layers, want.layers):
        for name in ("h", "c", "input", "forget", "output"):
            np.testing.assert_allclose(a.series(name), b.series(name), atol=TOL)
    assert np.all(got.layers[1].h[:, [0, 6]] == 0)


def test_the_effect_on_the_test_set(shipped_model_path, mnist):
    model = load_model(shipped_model_path).model
    images, labels = mnist.test_images[:500], mnist.test_labels[:500]
    effect = effect_on_test_set(model, images, labels, Interventions().add(Pin(0, "forget", 0.0, None)))
    assert effect.before.accuracy > 0.97
    assert effect.after.accuracy < effect.before.accuracy
    assert effect.after.confusion.sum() == 500
    same = effect_on_test_set(model, images, labels, Interventions(), before=effect.before)
    assert same.after.accuracy == effect.before.accuracy


def test_interventions_describe_themselves_and_refuse_what_does_not_fit():
    iv = Interventions().add(Silence(0, (3, 17), 4)).add(Pin(0, "forget", 1.0)).add(HiddenRows(20, 27)).add(Temperature(2))
    assert [p.describe() for p in iv.parts] == [
        "silence units 3, 17 from row 5", "never forget: all units", "hide rows 21–28", "temperature 2"]
    assert [p.exact for p in iv.parts] == [False, True, False, True]
    assert not iv.without(iv.parts[0]).without(iv.parts[1]).without(iv.hidden).without(iv.temperature)
    assert Interventions().add(Temperature(1.0)).temperature is None
    for bad in (Silence(0, (128,)), Silence(1, (0,)), Pin(0, "forget", 0.5), HiddenRows(5, 28), Temperature(0.0)):
        with pytest.raises(ValueError):
            Interventions().add(bad).check((128,))
