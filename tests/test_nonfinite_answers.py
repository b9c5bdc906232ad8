"""Models whose answers are not numbers, or not answers: finite weights so large that the answers
overflow are refused at load (tests/bad_files.py holds those files, run through the core, the CLI
and the window by test_bad_input.py); here, what that means for calibrate and for --json, and a
flat answer (all weights zero) is "not sure", never a digit."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from recognizer.commands.main import main
from recognizer.files.model_file import load_model, make_metadata, save_model
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.trust.verdict import verdict_from


def model_file(path, fill) -> str:
    torch.manual_seed(0)
    model = RowRNN(ModelConfig((8,)))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(fill(p))
    save_model(path, model, make_metadata(model, {}, None))
    return path


def zeros(p):
    return torch.zeros_like(p)


def large(p):  # finite answers, far from overflowing: loaded
    return 1e4 * (2 * torch.rand_like(p) - 1)


def overflowing(p):  # finite weights whose sums overflow: refused
    return 3e38 * (2 * torch.rand_like(p) - 1)


def strict(text):
    def refuse(token):
        raise ValueError(f"{token} is not JSON")

    return json.loads(text, parse_constant=refuse)


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def seven(tmp_path):
    img = np.full((200, 200), 255, np.uint8)
    img[40:60, 40:160] = 0
    img[60:180, 100:120] = 0
    Image.fromarray(img).save(tmp_path / "seven.png")
    return tmp_path / "seven.png"


@pytest.mark.parametrize("fill", [zeros, large], ids=lambda f: f.__name__)
def test_json_is_strict_json(tmp_path, capsys, seven, fill):
    model = model_file(tmp_path / "m.safetensors", fill)
    code, out, err = run(capsys, "predict", seven, "--json", "--model", model)
    assert code == 0 and err == ""
    (answer,) = strict(out)
    assert all(np.isfinite(answer["probabilities"]))
    code, out, err = run(capsys, "evaluate", "--json", "--model", model)
    assert code == 0 and strict(out)["total"] == 10000


def test_overflowing_weights_are_refused_in_one_line(tmp_path, capsys, seven):
    model = model_file(tmp_path / "m.safetensors", overflowing)
    out_file = tmp_path / "calibrated.safetensors"
    for args in (["predict", seven, "--json"], ["evaluate", "--json"], ["calibrate", "--out", out_file]):
        code, out, err = run(capsys, *args, "--model", model)
        assert code == 1 and out == "" and err.count("\n") == 1 and "answers would overflow" in err
    assert not out_file.exists()


def test_a_flat_answer_is_not_a_digit(tmp_path, capsys, seven):
    flat = verdict_from(np.zeros(10), None, None)
    assert flat.kind == "unsure" and flat.digit is None and flat.words() == "not sure: 0 or 1?"
    code, out, _ = run(capsys, "predict", seven, "--model", model_file(tmp_path / "m.safetensors", zeros))
    assert code == 0 and out.endswith(": not sure: 0 or 1?\n")
    assert verdict_from(np.arange(10.0), None, None).kind == "digit"  # one logit ahead: still a digit
    assert load_model(tmp_path / "m.safetensors").model is not None
