"""insight.py: the distributions and gradient flow of a tiny run against direct computations on the
actual parameters and a manual backward; the run record from the CLI; TensorBoard's event files,
with the package and without; the learning-rate multiplier."""

import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from recognizer.commands.main import main
from recognizer.evaluation.gradient_flow import gradient_flow
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.store.records import Records
from recognizer.training.insight import FLOW_IMAGES, HISTOGRAM_BINS, QUANTILES, Recorder, block_names
from recognizer.training.trainer import TrainConfig, Trainer

HIDDEN = 6


def quantiles(t: torch.Tensor) -> np.ndarray:
    return np.percentile(t.detach().double().numpy().ravel(), QUANTILES)


def gate_rows(t: torch.Tensor, gate: int) -> torch.Tensor:
    return t.detach()[gate * HIDDEN : (gate + 1) * HIDDEN]


@pytest.fixture(scope="module")
def tiny_run(mnist):
    config = TrainConfig(hidden_sizes=(HIDDEN,), epochs=2, batch_size=64, train_subset=128, warmup_steps=1,
                         augment=False, device="cpu")  # fmt: skip
    epochs = []
    result = Trainer(config, mnist, on_epoch=epochs.append).run()
    return config, result, epochs


def test_a_tiny_run_has_every_block_epoch_and_batch(tiny_run):
    config, result, epochs = tiny_run
    d = result.distributions
    names = block_names(result.model)
    assert d["blocks"] == names and len(names) == 3 * 4 + 2  # 3 gate-split blocks of 4 gates, 2 readout
    assert d["weights"]["epochs"] == [0, 1, 2] and d["gradients"]["epochs"] == [1, 2]
    assert d["grad_norms"]["step"] == [1, 2, 3, 4]  # 2 batches of 64 in each of 2 epochs
    for name in names:
        for kind in ("weights", "gradients"):
            for s in d[kind]["blocks"][name]:
                assert len(s["q"]) == len(QUANTILES) and len(s["hist"]) == HISTOGRAM_BINS
                assert sum(s["hist"]) == s["num"] and s["q"] == sorted(s["q"])
        assert len(d["grad_norms"]["blocks"][name]) == 4
    flow = np.array(d["gradient_flow"]["h"])
    assert d["gradient_flow"]["epochs"] == [0, 1, 2] and flow.shape == (3, 1, 28) and (flow > 0).all()
    # Every epoch's result carries the record as it stood then.
    assert [e.distributions["weights"]["epochs"] for e in epochs] == [[0, 1], [0, 1, 2]]


def test_the_quantiles_are_those_of_the_actual_parameters(tiny_run):
    config, result, _ = tiny_run
    d, model = result.distributions, result.model
    lstm = model.layers[0]
    last = {name: s[-1]["q"] for name, s in d["weights"]["blocks"].items()}
    for gate, gate_name in enumerate(("input", "forget", "candidate", "output")):
        np.testing.assert_allclose(last[f"layer 1 input→{gate_name}"], quantiles(gate_rows(lstm.weight_ih_l0, gate)))
        np.testing.assert_allclose(last[f"layer 1 hidden→{gate_name}"], quantiles(gate_rows(lstm.weight_hh_l0, gate)))
        bias = gate_rows(lstm.bias_ih_l0 + lstm.bias_hh_l0, gate)
        np.testing.assert_allclose(last[f"layer 1 bias {gate_name}"], quantiles(bias), rtol=1e-6)
    np.testing.assert_allclose(last["readout weights"], quantiles(model.readout.weight))
    np.testing.assert_allclose(last["readout bias"], quantiles(model.readout.bias))
    # At the start: the weights a fresh model of the same seed has (the forget bias of 1 included).
    torch.manual_seed(config.seed)
    fresh = RowRNN(ModelConfig((HIDDEN,)))
    first = {name: s[0]["q"] for name, s in d["weights"]["blocks"].items()}
    np.testing.assert_allclose(first["layer 1 hidden→candidate"], quantiles(gate_rows(fresh.layers[0].weight_hh_l0, 2)))
    assert first["layer 1 bias forget"] == [1.0] * len(QUANTILES)


def test_the_gradient_flow_is_that_of_the_fixed_batch(tiny_run, mnist):
    config, result, _ = tiny_run
    n = min(FLOW_IMAGES, config.train_subset)  # the first images of the run's own training set
    images = torch.as_tensor(mnist.train_images[:n]).float() / 255.0
    labels = torch.as_tensor(mnist.train_labels[:n], dtype=torch.long)
    expected = gradient_flow(result.model, images, labels)  # the weights after the last epoch
    flow = result.distributions["gradient_flow"]
    np.testing.assert_allclose(flow["h"][-1], expected["h"].numpy(), rtol=1e-4)
    np.testing.assert_allclose(flow["c"][-1], expected["c"].numpy(), rtol=1e-4)


def test_gradient_norms_and_distributions_match_a_manual_backward():
    torch.manual_seed(1)
    model = RowRNN(ModelConfig((HIDDEN, 4)))
    images, labels = torch.rand(16, 28, 28), torch.randint(0, 10, (16,))
    recorder = Recorder(model, images, labels)
    F.cross_entropy(model(images), labels).backward()
    recorder.after_backward(last_in_epoch=True)
    d = recorder.end_epoch(1)
    norms = {name: values[0] for name, values in d["grad_norms"]["blocks"].items()}
    second = model.layers[1]
    for gate, gate_name in enumerate(("input", "forget", "candidate", "output")):
        rows = slice(gate * 4, (gate + 1) * 4)
        assert norms[f"layer 2 input→{gate_name}"] == pytest.approx(float(second.weight_ih_l0.grad[rows].norm()), rel=1e-5)
        assert norms[f"layer 2 bias {gate_name}"] == pytest.approx(float(second.bias_hh_l0.grad[rows].norm()), rel=1e-5)
        gradients = d["gradients"]["blocks"][f"layer 2 hidden→{gate_name}"][0]
        np.testing.assert_allclose(gradients["q"], quantiles(second.weight_hh_l0.grad[rows]), rtol=1e-6)
    assert norms["readout weights"] == pytest.approx(float(model.readout.weight.grad.norm()), rel=1e-5)
    assert len(d["blocks"]) == 2 * 12 + 2


def test_the_lr_multiplier_applies_from_the_next_batch(mnist):
    config = TrainConfig(hidden_sizes=(4,), epochs=1, batch_size=32, train_subset=160, schedule="constant",
                         learning_rate=1e-3, augment=False, device="cpu")  # fmt: skip
    rates = []
    trainer = Trainer(config, mnist, record_distributions=False)

    def on_batch(p):
        rates.append(p.learning_rate)
        if p.batch == 2:
            trainer.set_lr_multiplier(10)  # as the window's spin box does, mid-run

    trainer.on_batch = on_batch
    trainer.run()
    assert rates == pytest.approx([1e-3, 1e-3, 1e-2, 1e-2, 1e-2])
    with pytest.raises(ValueError):
        trainer.set_lr_multiplier(0)


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


TRAIN = ("train", "--hidden", "4", "--epochs", "2", "--subset", "128", "--batch-size", "64", "--warmup-steps", "1",
         "--no-augment", "--no-fit-verdict", "--device", "cpu")  # fmt: skip


def test_a_cli_run_records_distributions_and_writes_tensorboard(tmp_path, capsys):
    # tensorboard is in the test extra (for users an optional one); the test below covers its absence
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    db, logs = tmp_path / "runs.db", tmp_path / "logs"
    proc = run_cli(capsys, *TRAIN, "--out", tmp_path / "m.safetensors", "--db", db, "--log-dir", logs)
    assert proc.returncode == 0, proc.stderr
    with Records(db) as records:
        d = records.last_run().distributions
    assert d["weights"]["epochs"] == [0, 1, 2] and len(d["grad_norms"]["step"]) == 4
    assert np.array(d["gradient_flow"]["c"]).shape == (3, 1, 28)
    events = EventAccumulator(str(logs), size_guidance={"histograms": 0, "scalars": 0})
    events.Reload()
    assert [e.step for e in events.Scalars("batch/loss")] == [1, 2, 3, 4]
    assert [e.step for e in events.Scalars("epoch/test_accuracy")] == [1, 2]
    forget = events.Histograms("weights/layer_1_input_to_forget")
    assert [h.step for h in forget] == [0, 1, 2] and forget[0].histogram_value.num == 4 * 28
    assert [h.step for h in events.Histograms("gradients/readout_bias")] == [1, 2]
    assert len(events.Scalars("grad_norm/layer_1_hidden_to_output")) == 4


def test_without_tensorboard_the_cli_says_so_in_one_line_and_trains(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails, as when not installed
    logs = tmp_path / "logs"
    proc = run_cli(capsys, *TRAIN, "--out", tmp_path / "m.safetensors", "--db", tmp_path / "runs.db", "--log-dir", logs)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "tensorboard" in line]
    assert len(warnings) == 1 and warnings[0].startswith("recognizer: warning: --log-dir needs the tensorboard")
    assert not logs.exists() and (tmp_path / "m.safetensors").exists()


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_a_gru_and_a_plain_rnn_get_their_own_gate_blocks_and_no_cell_state_flow(cell):
    from recognizer.network.cells import GATES

    torch.manual_seed(0)
    model = RowRNN(ModelConfig((HIDDEN,), cell=cell))
    images, labels = torch.rand(16, 28, 28), torch.randint(0, 10, (16,))
    recorder = Recorder(model, images, labels)
    F.cross_entropy(model(images), labels).backward()
    recorder.after_backward(last_in_epoch=True)
    d = recorder.end_epoch(1)
    layer, gates = model.layers[0], GATES[cell]
    last = {name: s[-1]["q"] for name, s in d["weights"]["blocks"].items()}
    for gate, gate_name in enumerate(gates):
        np.testing.assert_allclose(last[f"layer 1 hidden→{gate_name}"], quantiles(gate_rows(layer.weight_hh_l0, gate)))
    if cell == "gru":  # the hidden-side candidate bias is multiplied by the reset gate: kept apart
        np.testing.assert_allclose(last["layer 1 hidden bias candidate"], quantiles(gate_rows(layer.bias_hh_l0, 2)))
        assert len(d["blocks"]) == 4 * len(gates) + 2
    else:
        assert len(d["blocks"]) == 3 * len(gates) + 2
    assert d["gradient_flow"]["c"] == [] and np.array(d["gradient_flow"]["h"]).shape == (2, 1, 28)
