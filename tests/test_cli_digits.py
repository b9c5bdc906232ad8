"""`recognizer digits import | export | list | clear`, `train --init / --my-digits` (it really
continues: its first batch's loss is the starting model's) and `evaluate --my-digits`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from recognizer.commands.main import main
from recognizer.files.model_file import load_model
from recognizer.store.my_digits import MyDigits
from recognizer.store.my_digits_folders import png_bytes
from recognizer.store.records import Records, default_path
from recognizer.training.finetune import FINE_TUNE


def bar_folder(tmp_path, labels=(1, 7), each=3):
    folder = tmp_path / "in"
    for label in labels:
        (folder / str(label)).mkdir(parents=True)
        for k in range(each):
            ink = np.zeros((28, 28), np.float32)
            ink[5:23, 10 : 14 + k] = 1.0  # of three widths: three digits, not one three times
            (folder / str(label) / f"{k}.png").write_bytes(png_bytes(ink))
    return folder


def test_import_list_export_and_clear(tmp_path, capsys):
    folder = bar_folder(tmp_path)
    (folder / "7" / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    assert main(["digits", "import", str(folder)]) == 0  # the user data folder's records file
    out, err = capsys.readouterr()
    assert "Imported 6 digits; 1 file(s) left out" in out
    assert err.count("\n") == 1 and "broken.jpg" in err and "Traceback" not in err
    assert default_path().is_file()
    assert main(["digits", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["total"] == 6 and listed["counts"]["1"] == 3 and listed["counts"]["7"] == 3
    assert main(["digits", "export", str(tmp_path / "out")]) == 0
    assert len(list((tmp_path / "out" / "7").glob("*.png"))) == 3
    assert main(["digits", "clear"]) == 0 and "Deleted 6 digits" in capsys.readouterr().out
    assert main(["digits", "list"]) == 0 and "total      0" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["digits", "import"], "needs a folder"),
    (["digits", "import", "/no/such/folder"], "is not a folder"),
    (["digits", "list", "somewhere"], "takes no folder"),
])  # fmt: skip
def test_bad_digits_commands_say_so_in_one_line(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_folder_without_label_subfolders_is_refused(tmp_path, capsys):
    (tmp_path / "photos").mkdir()
    assert main(["digits", "import", str(tmp_path / "photos")]) == 1
    assert "no subfolders named 0 to 9" in capsys.readouterr().err


def test_train_init_continues_from_the_model_and_records_it(tmp_path, capsys, mnist, mnist_dir, shipped_model_path):
    db, out = tmp_path / "r.db", tmp_path / "tuned.safetensors"
    with Records(db) as records:  # a few of "my" digits: the held-out part is measured
        store = MyDigits(records)
        for i in range(6):
            store.add(i % 2, mnist.test_images[i] / 255.0)
    # --no-pen-data: the one batch must be MNIST's first 128 images alone (pen digits would take a quarter)
    code = main(["train", "--init", str(shipped_model_path), "--subset", "128", "--batch-size", "128", "--no-augment", "--no-other-sources",
                 "--no-fit-verdict", "--no-pen-data", "--device", "cpu", "--data-dir", str(mnist_dir), "--db", str(db),
                 "--out", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (f"fine-tune: 1 epoch(s) over 128 MNIST images, peak rate {FINE_TUNE['learning_rate']:g}, "
            "warm-up auto") in captured.err  # fmt: skip
    with Records(db) as records:
        (run,) = records.runs()
        first_loss = records.run(run.id).curves["batch"]["batch_loss"][0]
    start = load_model(shipped_model_path).model.eval()
    with torch.no_grad():  # the one batch is the whole subset: the order does not change its mean
        expected = F.cross_entropy(start(torch.as_tensor(mnist.train_images[:128]).float() / 255),
                                   torch.as_tensor(mnist.train_labels[:128], dtype=torch.long)).item()  # fmt: skip
    assert first_loss == pytest.approx(expected, rel=1e-4, abs=1e-6)
    assert first_loss < 0.2  # a new model would start near ln 10 = 2.3
    training = load_model(out).metadata["training"]
    assert training["init_model"] == str(shipped_model_path.resolve()) and training["my_digits"] is False
    assert training["epochs"] == 1 and training["learning_rate"] == FINE_TUNE["learning_rate"]
    assert run.config["init_model"] == training["init_model"]

    code = main(["evaluate", "--model", str(out), "--my-digits", "--db", str(db), "--json",
                 "--data-dir", str(mnist_dir)])  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["accuracy"] > 0.98
    mine = result["my_digits"]
    assert mine["total"] == 2 and mine["correct"] <= 2 and mine["per_digit"][2:] == [None] * 8


def test_train_with_my_digits_reports_them_each_epoch(tmp_path, capsys, mnist, mnist_dir):
    db, out = tmp_path / "r.db", tmp_path / "m.safetensors"
    with Records(db) as records:
        for i in range(20):
            MyDigits(records).add(int(mnist.test_labels[i]), mnist.test_images[i] / 255.0)
    code = main(["train", "--my-digits", "--hidden", "8", "--epochs", "2", "--subset", "256", "--batch-size", "64",
                 "--no-fit-verdict", "--device", "cpu", "--data-dir", str(mnist_dir), "--db", str(db), "--out", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.count("my digits acc") == 2 and "My digits:" in captured.err
    with Records(db) as records:
        curves = records.run(records.runs()[0].id).curves
    assert len(curves["epoch"]["my_digits_accuracy"]) == 2
    assert all(0 <= a <= 1 for a in curves["epoch"]["my_digits_accuracy"])
    assert load_model(out).metadata["training"]["my_digits"] is True


def test_train_init_refuses_other_hidden_sizes_and_bad_files(tmp_path, capsys, shipped_model_path):
    out = str(tmp_path / "m.safetensors")
    assert main(["train", "--init", str(shipped_model_path), "--hidden", "64", "--out", out]) == 1
    assert "differs from the --init model's 128" in capsys.readouterr().err
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 100)
    assert main(["train", "--init", str(bad), "--out", out]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.safetensors" in err
    assert main(["train", "--my-digits", "--out", out, "--db", str(tmp_path / "empty.db")]) == 1
    assert "nothing to train on" in capsys.readouterr().err


def test_train_init_keeps_the_models_cell(tmp_path, capsys, mnist_dir):
    from recognizer.files.model_file import make_metadata, save_model
    from recognizer.network.model import ModelConfig, RowRNN

    gru = tmp_path / "gru.safetensors"
    save_model(gru, RowRNN(ModelConfig((8,), cell="gru")), make_metadata(RowRNN(ModelConfig((8,), cell="gru")), {}, None))
    out = tmp_path / "tuned.safetensors"
    assert main(["train", "--init", str(gru), "--cell", "lstm", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--cell lstm differs from the --init model's gru" in err
    assert main(["train", "--init", str(gru), "--subset", "128", "--batch-size", "64", "--device", "cpu",
                 "--no-fit-verdict", "--data-dir", str(mnist_dir), "--out", str(out)]) == 0  # fmt: skip
    capsys.readouterr()
    assert load_model(out).model.config.cell == "gru"
