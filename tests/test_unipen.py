"""The pen-file reader and writer (recognizer/datasets/unipen.py): valid files of each flavour, every hostile
file of bad_pen_files.py refused with one sentence, and the replay onto the canvas."""

import gzip

import numpy as np
import pytest
from bad_pen_files import BAD_PEN_FILES
from pen_samples import PENDIGITS, shared_pen_file

from recognizer.datasets import unipen
from recognizer.datasets.unipen import canvas_strokes, parse_pen_text, pen_text, read_pen_file, render_pen
from recognizer.errors import DataError
from recognizer.inputs.strokes import CANVAS_SIZE, MIN_STEP, render_strokes

# The pendigits dialect: .SEGMENT DIGIT, "label writer index" comments, .DT lines, a hovering
# point after a .PEN_UP, and a last stroke cut off before its .PEN_UP.
PENDIGITS_TEXT = """.VERSION 1.0
.DATA_SOURCE UCI
.COORD X Y
.SEGMENT DIGIT    0 ? "8"
.COMMENT 8 12  224
.PEN_DOWN
 267  333
 267  336
.PEN_UP
.DT 100
 300  300
.SEGMENT DIGIT 1-2 ? "1"
.COMMENT 1 7 3
.PEN_DOWN
10 0
10 50
.PEN_UP
.PEN_DOWN
5 45
"""


def test_segments_labels_writers_and_strokes():
    a, b = parse_pen_text(PENDIGITS_TEXT)
    assert (a.label, a.source, a.file) == ("8", "12", "224")
    assert len(a.strokes) == 1 and a.strokes[0].tolist() == [[267, 333], [267, 336]]  # the hovering point is no ink
    assert (b.label, b.source) == ("1", "7")
    assert [s.tolist() for s in b.strokes] == [[[10, 0], [10, 50]], [[5, 45]]]  # the cut stroke is kept


def test_gzip_and_plain_files_read_alike(tmp_path):
    (tmp_path / "a.unp").write_text(PENDIGITS_TEXT)
    (tmp_path / "a.unp.gz").write_bytes(gzip.compress(PENDIGITS_TEXT.encode()))
    plain, packed = read_pen_file(tmp_path / "a.unp"), read_pen_file(tmp_path / "a.unp.gz")
    assert [(s.label, s.source, [x.tolist() for x in s.strokes]) for s in plain] == \
           [(s.label, s.source, [x.tolist() for x in s.strokes]) for s in packed]  # fmt: skip


def test_carriage_returns_end_lines_too():
    assert [s.label for s in parse_pen_text(PENDIGITS_TEXT.replace("\n", "\r"))] == ["8", "1"]


@pytest.mark.parametrize("make", BAD_PEN_FILES, ids=lambda f: f.__name__)
def test_hostile_files_are_refused_with_one_sentence(tmp_path, make):
    path, fragment = make(tmp_path)
    with pytest.raises(DataError) as e:
        read_pen_file(path)
    message = str(e.value)
    assert fragment in message and "\n" not in message and len(message) < 300


def test_a_file_of_too_many_points_stops_at_the_limit(monkeypatch):
    monkeypatch.setattr(unipen, "MAX_POINTS", 3)
    text = '.SEGMENT CHARACTER 0 ? "1"\n.PEN_DOWN\n1 1\n2 2\n.PEN_UP\n.PEN_DOWN\n3 3\n4 4\n.PEN_UP\n'
    with pytest.raises(DataError, match="line 8: more than 3 points in the file"):
        parse_pen_text(text)


def test_a_file_of_too_many_segments_stops_at_the_limit(monkeypatch):
    monkeypatch.setattr(unipen, "MAX_SEGMENTS", 2)
    with pytest.raises(DataError, match="more than 2 segments"):
        parse_pen_text('.SEGMENT CHARACTER 0 ? "1"\n' * 3)


def test_the_shared_pendigits_file_reads_whole():
    samples = read_pen_file(shared_pen_file(PENDIGITS))
    assert len(samples) == 7494 and len({s.source for s in samples}) == 30
    counts = np.bincount([int(s.label) for s in samples], minlength=10)
    assert counts.tolist() == [780, 779, 780, 719, 780, 720, 720, 778, 719, 719]  # the data set's README


def test_canvas_strokes_fit_flip_and_sample_as_the_canvas():
    # A tall stroke going up on the tablet, points 0.1 apart: on the canvas it goes down the
    # page (y down), fills 70% of the height, is centred and keeps points MIN_STEP apart.
    up = np.stack([np.full(1001, 3.0), np.linspace(0, 100, 1001)], axis=1)
    [line] = canvas_strokes([up])
    assert line[0, 1] > line[-1, 1]  # the pen moved up the canvas
    assert line[:, 1].max() - line[:, 1].min() == pytest.approx(0.7 * CANVAS_SIZE, abs=0.01)
    assert line[:, 0] == pytest.approx(CANVAS_SIZE / 2) and line[:, 1].mean() == pytest.approx(CANVAS_SIZE / 2, abs=1)
    steps = np.abs(np.diff(line, axis=0)).sum(axis=1)
    assert (steps >= MIN_STEP - 0.02).all() and (steps < MIN_STEP + 0.2).all()
    assert np.array_equal(line, np.round(line, 2))  # kept to the 0.01 of My digits and of a written file


def test_written_strokes_read_back_as_the_same_canvas_strokes():
    """import -> export -> import: a file written from canvas strokes gives the same strokes
    and so the same input, however the sampling dropped the drawing's outermost points."""
    rng = np.random.default_rng(0)
    tablet = [np.cumsum(rng.normal(0, 0.6, (300, 2)), axis=0), rng.normal(0, 5, (40, 2))]
    first = canvas_strokes(tablet)
    [again] = parse_pen_text(pen_text([("5", first, "me 1")]))
    assert (again.label, again.source, again.file) == ("5", "me", "1")
    second = canvas_strokes(again.strokes)
    assert [s.tolist() for s in second] == [s.tolist() for s in first]
    assert np.array_equal(render_strokes(second), render_pen(tablet))


def test_render_pen_draws_what_the_canvas_would():
    one = [np.array([[0.0, 0.0], [0.0, 40.0]])]  # a tablet 1: a vertical bar
    image = render_pen(one)
    assert image.shape == (28, 28) and image.max() == pytest.approx(1.0)
    columns = np.flatnonzero(image.sum(axis=0) > 0.5)
    assert columns.max() - columns.min() <= 3  # a thin upright bar, not a blob
    assert render_pen([]) is None


def test_hovering_points_count_towards_the_limit_too(monkeypatch):
    monkeypatch.setattr(unipen, "MAX_POINTS", 3)
    text = '.SEGMENT CHARACTER 0 ? "1"\n.PEN_DOWN\n1 1\n.PEN_UP\n2 2\n3 3\n4 4\n'
    with pytest.raises(DataError, match="line 7: more than 3 points in the file"):
        parse_pen_text(text)
