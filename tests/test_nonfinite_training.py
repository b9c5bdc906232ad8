"""Training that overflows (a learning rate of 1e308, a start model whose weights sit near
float32's largest) ends with the Trainer's one sentence, "The loss became ...; try a lower
learning rate", through the core, the CLI and the Train tab: never a crash in the insight
recorder's histograms or in the optimizer. (The CLI refuses such a start model's file at load.)"""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import Qt

from recognizer.commands.main import main
from recognizer.datasets.mnist import MNIST
from recognizer.errors import TrainingError
from recognizer.files.model_file import make_metadata, save_model
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.training.insight import summarize
from recognizer.training.trainer import TrainConfig, Trainer

LOSS_BECAME = "The loss became"


@pytest.fixture(scope="module")
def small(mnist):
    return MNIST(mnist.train_images[:128], mnist.train_labels[:128], mnist.test_images[:100], mnist.test_labels[:100])


def huge_model(seed=0) -> RowRNN:
    """Finite weights of about 3e38: each bias pair's sum (the recorder's bias block) overflows."""
    torch.manual_seed(seed)
    model = RowRNN(ModelConfig((8,)))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(3e38 * (2 * torch.rand_like(p) - 1))
    return model


def config(**changes):
    return TrainConfig(**{"hidden_sizes": (8,), "epochs": 1, "batch_size": 64, "learning_rate": 1e-3,
                          "augment": False, "outliers": False, "other_sources": False, "device": "cpu", **changes})


def test_summaries_of_non_finite_values_stay_finite():
    s = summarize(torch.tensor([1.0, float("nan"), float("inf"), -float("inf"), 3.0]))
    assert s["num"] == 2 and s["lo"] == 1.0 and s["hi"] == 3.0 and sum(s["hist"]) == 2
    nothing = summarize(torch.tensor([float("nan")] * 3))
    assert nothing["num"] == 0 and sum(nothing["hist"]) == 0


@pytest.mark.parametrize("case", ["learning rate 1e308", "start near float32's largest"])
def test_the_trainer_says_the_loss_became_nan(small, case):
    if case == "learning rate 1e308":
        trainer = Trainer(config(learning_rate=1e308), small)
    else:
        trainer = Trainer(config(), small, start_from=huge_model())
    with pytest.raises(TrainingError, match=f"^{LOSS_BECAME} .*try a lower learning rate"):
        trainer.run()


def run(capsys, *args):
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def test_the_cli_says_it_in_one_line(tmp_path, capsys):
    start = tmp_path / "huge.safetensors"
    model = huge_model()
    save_model(start, model, make_metadata(model, {}, None))
    common = ["--subset", "128", "--batch-size", "64", "--epochs", "1", "--device", "cpu", "--db", tmp_path / "r.db"]
    # A start model this large never gets as far as training: its file is refused when loaded
    # (its answers would overflow; test_nonfinite_answers.py), before MNIST is read.
    # (inf or nan, at the first batch or the second: the warm-up scales the first steps' rate)
    for options, said in ((["--lr", "1e308", "--hidden", "8"], f"recognizer: error: {LOSS_BECAME} "),
                          (["--init", start], f"recognizer: error: Cannot load model {start}: its weights are so large")):
        code, err = run(capsys, "train", "--out", tmp_path / "m.safetensors", *options, *common)
        last = err.strip().splitlines()[-1]
        assert code == 1 and "Traceback" not in err and last.startswith(said)
    assert not (tmp_path / "m.safetensors").exists()


def test_the_train_tab_says_it_in_a_dialog(qtbot, make_tab, small):
    tab = make_tab(data=small)
    form = tab.form
    form.subset_spin.setValue(128)
    form.epochs_spin.setValue(1)
    form.batch_spin.setValue(64)
    form.hidden_edit.setText("8")
    form.lr_edit.setText("1e308")
    with qtbot.waitSignal(tab.run_failed, timeout=20000):
        qtbot.mouseClick(tab.start_button, Qt.LeftButton)
    kind, title, text, _ = tab.messages[-1]
    assert kind == "warning" and text.startswith(f"Training stopped: {LOSS_BECAME}") and "1e+308" in text
    assert tab.state == "failed" and tab.start_button.isEnabled()
