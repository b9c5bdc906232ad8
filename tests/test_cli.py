"""The command line as scripts use it: real subprocesses, exit codes, one-line errors."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from recognizer.cli import main

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def recognizer_process(*args):
    """In a real subprocess: what a script sees, exit code and all."""
    return subprocess.run([sys.executable, "-m", "recognizer", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def recognizer(capsys):
    """In this process (torch is imported once, not per call), with the same streams and exit code."""

    def run(*args):
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:  # argparse's --help, --version and usage errors
            code = e.code
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)

    return run


def assert_clean_failure(proc, fragment=""):
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and fragment in lines[0]


def write_png(path, array):
    from PySide6.QtGui import QImage

    a = np.ascontiguousarray(array.astype(np.uint8))
    QImage(a.data, a.shape[1], a.shape[0], a.shape[1], QImage.Format_Grayscale8).save(str(path))


def seven(size=200):
    """A 7 drawn dark on white: a top bar and a diagonal."""
    img = np.full((size, size), 255, np.uint8)
    s = size // 10
    img[2 * s : 3 * s, 2 * s : 8 * s] = 0
    for y in range(2 * s, 9 * s):
        x = int(8 * s - (y - 2 * s) * 0.55)
        img[y, x - s // 2 : x + s // 2] = 0
    return img


def test_predict_json(tmp_path, recognizer):
    write_png(tmp_path / "seven.png", seven())
    write_png(tmp_path / "blank.png", np.full((50, 50), 255))
    proc = recognizer("predict", tmp_path / "seven.png", tmp_path / "blank.png", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [o["path"] for o in out] == [str(tmp_path / "seven.png"), str(tmp_path / "blank.png")]
    assert out[0]["digit"] == 7 and len(out[0]["probabilities"]) == 10
    assert sum(out[0]["probabilities"]) == pytest.approx(1, abs=1e-4)
    assert out[1]["digit"] is None


def test_predict_text(tmp_path):
    write_png(tmp_path / "seven.png", seven())
    proc = recognizer_process("predict", tmp_path / "seven.png")
    assert proc.returncode == 0 and proc.stdout.startswith(f"{tmp_path / 'seven.png'}: 7 (")


def test_bad_inputs_give_one_line(tmp_path, recognizer):
    (tmp_path / "noise.png").write_bytes(os.urandom(300))
    assert_clean_failure(recognizer("predict", tmp_path / "missing.png"), "missing.png")
    assert_clean_failure(recognizer("predict", tmp_path / "noise.png"), "noise.png")
    (tmp_path / "model.safetensors").write_bytes(b"not a model")
    assert_clean_failure(recognizer("evaluate", "--model", tmp_path / "model.safetensors"), "Cannot load model")
    assert_clean_failure(recognizer("predict", tmp_path / "noise.png", "--model", tmp_path / "model.safetensors"))
    assert_clean_failure(recognizer("train", "--out", tmp_path / "m", "--epochs", "0"), "epochs")
    assert_clean_failure(recognizer("train", "--out", tmp_path / "m", "--hidden", "12,x"), "hidden")
    assert_clean_failure(recognizer("train", "--epochs", "1"), "--out")
    assert_clean_failure(recognizer("bogus"))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_clean_failure(recognizer("evaluate", "--data-dir", empty), "MNIST_DIR")


def test_train_then_evaluate(tmp_path, recognizer):
    out = tmp_path / "m.safetensors"
    proc = recognizer("train", "--out", out, "--hidden", "16", "--epochs", "1", "--subset", "512",
                      "--no-augment", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert "epoch 1/1" in proc.stdout and out.exists()
    proc = recognizer("evaluate", "--model", out, "--json")
    result = json.loads(proc.stdout)
    from recognizer.modelfile import load_model

    meta = load_model(out).metadata
    assert meta["test_accuracy"] == pytest.approx(result["accuracy"])
    assert meta["training"]["train_subset"] == 512 and meta["architecture"]["hidden_sizes"] == [16]
    assert np.array(result["confusion"]).sum() == 10_000


def test_help_and_version(recognizer):
    assert recognizer("--help").returncode == 0
    assert "recognizer" in recognizer("--version").stdout


def test_a_real_process_fails_without_a_traceback(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"not a model")
    assert_clean_failure(recognizer_process("evaluate", "--model", tmp_path / "model.safetensors"), "Cannot load model")
