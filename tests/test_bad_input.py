"""Bad input everywhere it can come in: each model file from tests/bad_files.py through the CLI
and through the window, and odd images through both. A clear message, the app keeps working,
nothing is lost, and no pickle ever runs."""

from __future__ import annotations

import time

import numpy as np
import pytest
from bad_files import BAD_MODEL_FILES, PICKLE_MARKER
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from recognizer.commands.main import main
from recognizer.errors import ModelFileError
from recognizer.files.model_file import load_model

BAD = pytest.mark.parametrize("make", BAD_MODEL_FILES, ids=lambda f: f.__name__)


def run_cli(capsys, *args):
    try:
        code = main([str(a) for a in args])
    except SystemExit as e:
        code = e.code
    return code, capsys.readouterr()


@BAD
def test_the_core_refuses_with_a_named_reason(tmp_path, make):
    path, fragment = make(tmp_path)
    started = time.monotonic()
    with pytest.raises(ModelFileError) as e:
        load_model(path)
    assert time.monotonic() - started < 3
    message = str(e.value)
    assert fragment in message and message.startswith(f"Cannot load model {path}: ")
    assert "\n" not in message and len(message) < 500
    assert not (tmp_path / PICKLE_MARKER).exists()


@BAD
def test_the_cli_says_one_line_and_fails(tmp_path, make, capsys):
    path, fragment = make(tmp_path)
    (tmp_path / "digit.png").write_bytes(b"")  # never reached: the model is read first
    code, out = run_cli(capsys, "predict", tmp_path / "digit.png", "--model", path)
    assert code == 1 and out.out == ""
    assert out.err.count("\n") == 1 and fragment in out.err and "Traceback" not in out.err
    assert not (tmp_path / PICKLE_MARKER).exists()


@BAD
def test_the_window_shows_a_dialog_and_keeps_its_model(tmp_path, make, main_window, draw):
    path, fragment = make(tmp_path)
    before = main_window.current_model
    draw(main_window.inspect_tab.canvas, 7)
    answer = main_window.inspect_tab.findChild(QLabel, "prediction").text()
    assert main_window.load_model_file(path) is False
    kind, title, text = main_window.messages[-1]
    assert kind == "critical" and fragment in text
    assert main_window.current_model is before
    assert main_window.inspect_tab.findChild(QLabel, "prediction").text() == answer == "7"
    assert not (tmp_path / PICKLE_MARKER).exists()


def write(path, array, fmt=QImage.Format_Grayscale8):
    a = np.ascontiguousarray(array)
    QImage(a.data, a.shape[1], a.shape[0], a.strides[0], fmt).copy().save(str(path))
    return path


def odd_images(d):
    """(file, what predict must say): a digit, or None for nothing to read."""
    seven = np.full((120, 90), 255, np.uint8)
    seven[15:25, 15:75] = 0
    for y in range(25, 110):
        x = int(75 - (y - 25) * 0.5)
        seven[y, x - 6 : x + 6] = 0
    rgba = np.zeros((60, 60, 4), np.uint8)
    rgba[10:50, 27:33] = (0, 0, 0, 255)  # a "1" of opaque ink on transparent paper
    sixteen = (np.full((64, 64), 65535, np.uint16))
    sixteen[8:56, 30:35] = 0
    (d / "not-an-image.png").write_text("hello")
    return [
        (write(d / "seven.png", seven), 7),
        (write(d / "seven.jpg", seven), 7),
        (write(d / "one-alpha.png", rgba, QImage.Format_RGBA8888), 1),
        (write(d / "one-16bit.png", sixteen, QImage.Format_Grayscale16), 1),
        (write(d / "white.png", np.full((50, 50), 255, np.uint8)), None),
        (write(d / "black.png", np.zeros((50, 50), np.uint8)), None),
        (write(d / "one-pixel.png", np.zeros((1, 1), np.uint8)), None),
    ]


def test_odd_images_through_the_cli(tmp_path, capsys):
    import json

    cases = odd_images(tmp_path)
    code, out = run_cli(capsys, "predict", *[p for p, _ in cases], "--json")
    assert code == 0, out.err
    got = {r["path"]: r["digit"] for r in json.loads(out.out)}
    assert got == {str(p): want for p, want in cases}
    code, out = run_cli(capsys, "predict", tmp_path / "not-an-image.png")
    assert code == 1 and out.err.count("\n") == 1 and "not-an-image.png" in out.err


def test_odd_images_through_the_window(tmp_path, main_window):
    label = main_window.inspect_tab.findChild(QLabel, "prediction")
    for path, want in odd_images(tmp_path):
        shown = label.text()
        opened = main_window.inspect_actions.open_image(path)
        if want is None:  # a message says there is nothing to read; the canvas keeps its digit
            assert not opened and "nothing to read" in main_window.messages[-1][2], path.name
            assert label.text() == shown, path.name
        else:
            assert opened and label.text() == str(want), path.name
    main_window.inspect_actions.open_image(tmp_path / "seven.png")
    assert main_window.inspect_actions.open_image(tmp_path / "not-an-image.png") is False
    assert main_window.messages[-1][0] in ("warning", "critical") and "not-an-image.png" in main_window.messages[-1][2]
    assert label.text() == "7"  # the canvas kept what it had
