"""`recognizer predict` on pictures of numbers: "number" and each digit's box (issue 27)."""

import json

import numpy as np
from test_cli import recognizer, recognizer_process, seven, write_png  # noqa: F401 (fixture)
from test_segment import placed

from recognizer.inputs.strokes import render_canvas


def number_picture(digits, pen=6.0):
    strokes, _ = placed(digits, height=60.0)
    return 255 - render_canvas(strokes, pen_width=pen)  # dark ink on white


def test_a_picture_of_a_number_gives_the_number_and_each_digit_with_its_box(tmp_path, recognizer):
    write_png(tmp_path / "year.png", number_picture([2, 0, 2, 6]))
    proc = recognizer("predict", tmp_path / "year.png", "--json")
    assert proc.returncode == 0, proc.stderr
    (out,) = json.loads(proc.stdout)
    assert out["number"] == "2026"
    assert [d["digit"] for d in out["digits"]] == [2, 0, 2, 6]
    boxes = [d["box"] for d in out["digits"]]
    assert all(x0 < x1 <= 280 and y0 < y1 <= 280 for x0, y0, x1, y1 in boxes)
    assert all(a[2] <= b[0] for a, b in zip(boxes, boxes[1:]))  # left to right, apart
    assert {"verdict", "digit", "probabilities", "confidence", "reason", "box"} <= set(out["digits"][0])


def test_a_one_digit_picture_gives_todays_entry_plus_the_number(tmp_path, recognizer):
    write_png(tmp_path / "seven.png", seven())
    (out,) = json.loads(recognizer("predict", tmp_path / "seven.png", "--json").stdout)
    assert out["number"] == "7" and out["digit"] == 7 and "digits" not in out and "box" not in out


def test_a_digit_beside_a_scribble_reads_with_a_question_mark(tmp_path):
    picture = number_picture([3])
    star = np.full_like(picture, 255)
    yy, xx = np.mgrid[:280, :280]
    star[(np.abs(xx - 200) < 30) & (np.abs(yy - 70) < 30) & ((xx + yy) % 9 < 3)] = 0  # a hatched patch
    picture = np.minimum(picture, star)
    write_png(tmp_path / "mixed.png", picture)
    proc = recognizer_process("predict", tmp_path / "mixed.png")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{tmp_path / 'mixed.png'}: 3? = 3 (")


def test_the_text_output_says_the_number(tmp_path):
    write_png(tmp_path / "n.png", number_picture([1, 9, 8, 4]))
    proc = recognizer_process("predict", tmp_path / "n.png")
    assert proc.returncode == 0 and proc.stdout.startswith(f"{tmp_path / 'n.png'}: 1984 = 1 (")
