"""`recognizer train --cell`: each cell trains from the command line, its file and its run record
say which, and the other commands (evaluate, predict, calibrate) take it like an LSTM."""

import json
import subprocess

import pytest

from recognizer.commands.main import main
from recognizer.files.model_file import load_model
from recognizer.store.records import Records


@pytest.fixture
def recognizer(capsys):
    def run(*args):
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:  # argparse's usage errors
            code = e.code
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)

    return run


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_train_a_cell_then_evaluate_and_calibrate_it(tmp_path, recognizer, cell):
    out, db = tmp_path / f"{cell}.safetensors", tmp_path / "runs.db"
    proc = recognizer("train", "--cell", cell, "--out", out, "--hidden", "8,8", "--epochs", "1", "--subset", "512",
                      "--no-augment", "--no-fit-verdict", "--device", "cpu", "--db", db)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    loaded = load_model(out)
    assert loaded.model.describe() == f"{cell.upper()} 8×8"
    assert loaded.metadata["architecture"]["cell"] == cell and loaded.metadata["training"]["cell"] == cell
    with Records(db) as records:
        (run,) = records.runs()
        assert run.config["cell"] == cell and run.name.startswith(f"{cell.upper()} 8, 8,")
    result = json.loads(recognizer("evaluate", "--model", out, "--json").stdout)
    assert result["accuracy"] == pytest.approx(loaded.metadata["test_accuracy"])
    if cell == "rnn":  # calibrate is the same fit the training ran; once (for the GRU) is enough
        return
    calibrated = tmp_path / "calibrated.safetensors"
    proc = recognizer("calibrate", "--model", out, "--out", calibrated)
    assert proc.returncode == 0, proc.stderr
    assert load_model(calibrated).model.cell == cell


def test_an_unknown_cell_is_one_line_and_exit_2(tmp_path, recognizer):
    proc = recognizer("train", "--cell", "transformer", "--out", tmp_path / "m.safetensors")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "--cell" in proc.stderr and "Traceback" not in proc.stderr and not (tmp_path / "m.safetensors").exists()
