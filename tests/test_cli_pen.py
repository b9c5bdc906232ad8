"""`recognizer evaluate --pen FILE`: a model measured on a pen file through the stroke path, as a
script sees it (a subprocess), and every hostile pen file refused in one line."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from bad_pen_files import BAD_PEN_FILES
from drawing import DIGIT_STROKES

from recognizer.commands.main import main
from recognizer.datasets.unipen import write_pen_file


def known_answers(path):
    """Ann's ten drawn digits, Bob's 1 labelled 7 (a mistake the report must show) and a dot
    labelled A (not a digit: turned away as too small)."""
    samples = [(str(d), DIGIT_STROKES[d], f"ann {d}") for d in range(10)]
    samples += [("7", DIGIT_STROKES[1], "bob 1"), ("A", [np.array([[140.0, 140.0]])], "bob 2")]
    write_pen_file(path, samples)
    return path


def run(*argv):
    return subprocess.run([sys.executable, "-m", "recognizer", *map(str, argv)], capture_output=True, text=True,
                          timeout=120, env={**os.environ})  # fmt: skip


def test_evaluate_pen_json_on_known_answers(tmp_path):
    proc = run("evaluate", "--pen", known_answers(tmp_path / "class.unp"), "--json")
    assert proc.returncode == 0 and proc.stderr == ""
    report = json.loads(proc.stdout)
    assert report["model"].endswith("default.safetensors") and report["samples"] == 12
    assert report["digits"] == {"samples": 11, "read_right": 10, "accepted_right": 10, "not_a_digit": 0, "unsure": 0}
    assert report["accuracy"] == pytest.approx(10 / 11)
    assert report["per_writer"]["ann"]["accepted_right"] == 10 and report["per_writer"]["bob"]["read_right"] == 0
    assert report["top_confusions"] == [{"label": 7, "read_as": 1, "count": 1}]
    assert np.array(report["confusion"]).trace() == 10
    assert report["non_digits"] == {"samples": 1, "turned_away": 1, "not_a_digit": 1, "unsure": 0}


def test_evaluate_pen_text(tmp_path, capsys):
    assert main(["evaluate", "--pen", str(known_answers(tmp_path / "class.unp"))]) == 0
    out = capsys.readouterr().out
    assert "11 digits: read right 90.91%, read right and accepted 90.91%" in out
    assert "7 read as 1 (1)" in out and "\nann " in out and "\nbob " in out
    assert "1 sample not labelled a digit: turned away 100.00%" in out


def test_a_writer_name_cannot_drive_the_terminal(tmp_path, capsys):
    (tmp_path / "odd.unp").write_text('.SEGMENT CHARACTER 0 ? "1"\n.COMMENT 1 \x1b[2J' + "w" * 100 + " x\n"
                                      ".PEN_DOWN\n0 0\n0 40\n.PEN_UP\n")  # fmt: skip
    assert main(["evaluate", "--pen", str(tmp_path / "odd.unp")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[2J" in out and "w" * 30 not in out
    assert main(["evaluate", "--pen", str(tmp_path / "odd.unp"), "--json"]) == 0
    assert list(json.loads(capsys.readouterr().out)["per_writer"]) == ["\x1b[2J" + "w" * 100]  # JSON escapes it


@pytest.mark.parametrize("make", BAD_PEN_FILES, ids=lambda f: f.__name__)
def test_a_hostile_pen_file_gets_one_line(tmp_path, make, capsys):
    path, fragment = make(tmp_path)
    for extra in ([], ["--json"]):
        assert main(["evaluate", "--pen", str(path), *extra]) == 1
        out = capsys.readouterr()
        assert out.out == "" and out.err.count("\n") == 1 and fragment in out.err and "Traceback" not in out.err


def test_pen_and_my_digits_do_not_mix(tmp_path, capsys):
    assert main(["evaluate", "--pen", str(known_answers(tmp_path / "a.unp")), "--my-digits"]) == 1
    assert "leave out --my-digits" in capsys.readouterr().err
