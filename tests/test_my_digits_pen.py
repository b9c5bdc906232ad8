"""My digits in and out of pen files: `digits import FILE.unp[.gz]` keeps each digit's strokes
and draws its input as the canvas would, `digits export --format unipen` writes the strokes, and
import -> export -> import gives the same strokes and the same inputs."""

import json

import numpy as np
import pytest
from drawing import DIGIT_STROKES
from pen_samples import PENDIGITS, shared_pen_file

from recognizer.commands.main import main
from recognizer.datasets.unipen import read_pen_file, render_pen, write_pen_file
from recognizer.errors import RecognizerError
from recognizer.store.my_digits import MyDigits
from recognizer.store.my_digits_pen import export_pen_file, import_digits, import_pen_file
from recognizer.store.records import Records

CLASS_FILE = [(str(d), DIGIT_STROKES[d], f"ann {d}") for d in range(10)] + [
    ("A", [[(60, 200), (140, 40), (220, 200)], [(100, 130), (180, 130)]], "ann 10"),  # a letter
    ("?", [[(60, 60), (200, 60)]], "ann 11"),
]


def whole(store):
    return [store.digit(d.id) for d in store.digits()]


def test_import_keeps_the_strokes_and_draws_the_input_as_the_canvas(tmp_path):
    write_pen_file(tmp_path / "class.unp.gz", CLASS_FILE)
    samples = read_pen_file(tmp_path / "class.unp.gz")
    with Records(tmp_path / "r.db") as records:
        store = MyDigits(records)
        report = import_pen_file(tmp_path / "class.unp.gz", store)
        assert len(report.added) == 10 and store.counts() == [1] * 10
        assert report.summary() == "Imported 10 digits; 2 segment(s) left out"
        assert report.problems == ["2 segment(s) of class.unp.gz not labelled with a digit (?, A) left out"]
        for d, sample in zip(whole(store), samples):
            assert str(d.label) == sample.label and d.source == "import class.unp.gz, writer ann"
            np.testing.assert_array_equal(d.input, render_pen(sample.strokes))
            assert len(d.strokes) == len(sample.strokes)
            # canvas units, y down: the 7's top bar is at the top of the canvas
            points = np.concatenate(d.strokes)
            assert 40 <= points.min() and points.max() <= 240
        seven = store.digit(report.added[7]).strokes[0]
        assert seven[0, 1] < seven[-1, 1]


def test_import_export_import_gives_the_same_strokes_and_inputs(tmp_path):
    write_pen_file(tmp_path / "class.unp", CLASS_FILE)
    with Records(tmp_path / "a.db") as first, Records(tmp_path / "b.db") as second:
        a, b = MyDigits(first), MyDigits(second)
        import_pen_file(tmp_path / "class.unp", a)
        a.add(3, np.zeros((28, 28), np.float32), source="import 3/x.png")  # an image: no strokes
        assert export_pen_file(tmp_path / "out.unp", a) == (10, 1)
        assert import_pen_file(tmp_path / "out.unp", b).problems == []
        drawn = [d for d in whole(a) if d.strokes]
        assert len(drawn) == len(whole(b)) == 10
        for x, y in zip(drawn, whole(b)):
            assert x.label == y.label
            assert [s.tolist() for s in x.strokes] == [s.tolist() for s in y.strokes]
            np.testing.assert_array_equal(x.input, y.input)


def test_the_shared_pendigits_file_comes_back_the_same(tmp_path):
    samples = read_pen_file(shared_pen_file(PENDIGITS))[:150]
    write_pen_file(tmp_path / "part.unp", [(s.label, [p * (1, -1) for p in s.strokes], s.source) for s in samples])
    with Records(tmp_path / "a.db") as first, Records(tmp_path / "b.db") as second:
        a, b = MyDigits(first), MyDigits(second)
        assert len(import_pen_file(tmp_path / "part.unp", a).added) == 150
        export_pen_file(tmp_path / "out.unp.gz", a)
        import_pen_file(tmp_path / "out.unp.gz", b)
        for x, y in zip(whole(a), whole(b)):
            assert [s.tolist() for s in x.strokes] == [s.tolist() for s in y.strokes]
            np.testing.assert_array_equal(x.input, y.input)


def test_export_without_strokes_or_into_a_folder_is_refused(tmp_path):
    with Records(tmp_path / "r.db") as records:
        store = MyDigits(records)
        store.add(1, np.zeros((28, 28), np.float32), source="import 1/a.png")
        with pytest.raises(RecognizerError, match="None of My digits has strokes"):
            export_pen_file(tmp_path / "out.unp", store)
        assert not (tmp_path / "out.unp").exists()
        with pytest.raises(RecognizerError, match="is a folder"):
            export_pen_file(tmp_path, store)


def test_a_path_that_is_not_there_is_still_no_folder(tmp_path):
    with Records(tmp_path / "r.db") as records, pytest.raises(RecognizerError, match="is not a folder"):
        import_digits(tmp_path / "nowhere", MyDigits(records))


def test_the_cli_imports_and_exports_pen_files(tmp_path, capsys):
    write_pen_file(tmp_path / "class.unp", CLASS_FILE)
    db = ["--db", str(tmp_path / "r.db")]
    assert main(["digits", "import", str(tmp_path / "class.unp"), *db]) == 0
    out, err = capsys.readouterr()
    assert "Imported 10 digits; 2 segment(s) left out" in out
    assert err.count("\n") == 1 and "not labelled with a digit (?, A)" in err
    # options before the path, as in `digits export --format unipen OUT`
    assert main(["digits", "export", "--format", "unipen", str(tmp_path / "out.unp.gz"), *db]) == 0
    assert "Exported the strokes of 10 digits" in capsys.readouterr().out
    assert [s.label for s in read_pen_file(tmp_path / "out.unp.gz")] == [str(d) for d in range(10)]


def test_the_cli_refuses_a_hostile_pen_file_in_one_line(tmp_path, capsys):
    (tmp_path / "bad.unp").write_bytes(b"\xff\xfe binary")
    assert main(["digits", "import", str(tmp_path / "bad.unp"), "--db", str(tmp_path / "r.db")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a text file" in err


def test_a_class_put_together_is_measured_per_pupil(tmp_path, capsys):
    """Each pupil exports with --writer; the files, put together, are measured per writer."""
    for pupil, digits in (("alice", (1, 4, 7)), ("bob", (0, 8))):
        db = ["--db", str(tmp_path / f"{pupil}.db")]
        write_pen_file(tmp_path / f"{pupil}-tablet.unp", [(str(d), DIGIT_STROKES[d], "x 1") for d in digits])
        assert main(["digits", "import", str(tmp_path / f"{pupil}-tablet.unp"), *db]) == 0
        assert main(["digits", "export", "--format", "unipen", "--writer", pupil, str(tmp_path / f"{pupil}.unp"), *db]) == 0
    (tmp_path / "class.unp").write_bytes((tmp_path / "alice.unp").read_bytes() + (tmp_path / "bob.unp").read_bytes())
    capsys.readouterr()
    assert main(["evaluate", "--pen", str(tmp_path / "class.unp"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {w: t["samples"] for w, t in report["per_writer"].items()} == {"alice": 3, "bob": 2}


@pytest.mark.parametrize("writer", ["", "two words", "x" * 65, "tab\there"])
def test_a_writer_is_one_printable_word(tmp_path, writer, capsys):
    write_pen_file(tmp_path / "a.unp", CLASS_FILE[:2])
    db = ["--db", str(tmp_path / "r.db")]
    assert main(["digits", "import", str(tmp_path / "a.unp"), *db]) == 0
    assert main(["digits", "export", "--format", "unipen", "--writer", writer, str(tmp_path / "out.unp"), *db]) == 1
    assert "A writer is one word" in capsys.readouterr().err and not (tmp_path / "out.unp").exists()


def test_odd_labels_and_writers_are_escaped_and_cut(tmp_path):
    odd = "\x1b[31m" + "Z" * 1000
    (tmp_path / "odd.unp").write_text(f'.SEGMENT CHARACTER 0 ? "{odd}"\n.PEN_DOWN\n0 0\n.PEN_UP\n'
                                      f'.SEGMENT CHARACTER 1 ? "1"\n.COMMENT 1 {odd} x\n.PEN_DOWN\n0 0\n0 9\n.PEN_UP\n')  # fmt: skip
    with Records(tmp_path / "r.db") as records:
        store = MyDigits(records)
        report = import_pen_file(tmp_path / "odd.unp", store)
        [problem] = report.problems
        assert "\x1b" not in problem and "\\x1b[31m" in problem and len(problem) < 200
        source = store.digit(report.added[0]).source
        assert "\x1b" not in source and len(source) < 100


def test_importing_the_same_pen_file_twice_keeps_each_digit_once(tmp_path):
    write_pen_file(tmp_path / "class.unp", CLASS_FILE)
    with Records(tmp_path / "r.db") as records:
        store = MyDigits(records)
        import_pen_file(tmp_path / "class.unp", store)
        again = import_pen_file(tmp_path / "class.unp", store)
        assert again.added == [] and again.already == 10
        assert again.summary() == "Imported 0 digits; 10 already there; 2 segment(s) left out"
        assert store.counts() == [1] * 10
