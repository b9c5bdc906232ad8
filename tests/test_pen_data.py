"""Real hands for training (pen_data.py): the writer-level split, the stroke augmentation, and a
tiny training run with pen data whose model file records its sources."""

from pathlib import Path

import numpy as np
import pytest
import shared_data
from pen_files import drawing_of, write_pen_dir

from recognizer.datasets.mnist import MNIST
from recognizer.datasets.pen_data import (
    FILES,
    GROUPS,
    PenTraining,
    augment_strokes,
    find_pen_dir,
    group_of,
    load_pen_sets,
    render_samples,
)
from recognizer.datasets.unipen import PenSample
from recognizer.errors import DataError
from recognizer.files.model_file import load_model, save_model
from recognizer.training.run import TrainingRun, hands_words, plan_run, result_metadata
from recognizer.training.trainer import TrainConfig

SHARED = shared_data.PEN_DATA_DIR
needs_pen_data = pytest.mark.skipif(not SHARED or not Path(SHARED, FILES["pendigits"]).is_file(),
                                    reason="the pen data sets are not here (set PEN_DATA_DIR to the folder holding pendigits/, unipen/, omniglot/)")  # fmt: skip


@pytest.fixture
def pen_dir(tmp_path) -> Path:
    return write_pen_dir(tmp_path / "pen")


def _assert_no_writer_in_two_groups(pen_sets):
    for pen_set in pen_sets:
        seen = {}
        for writer, group in zip(pen_set.writers, pen_set.groups):
            assert seen.setdefault(writer, group) == group, f"{pen_set.name}: writer {writer} in {seen[writer]} and {group}"
        assert set(pen_set.groups) <= set(GROUPS)


def test_the_split_is_by_writer_and_drops_box_per_stroke_ibm_digits(pen_dir):
    sets = load_pen_sets(pen_dir)
    _assert_no_writer_in_two_groups(sets.sets.values())
    pendigits = sets.sets["pendigits"]
    assert pendigits.writers_in("test") == ["3", "6", "9", "12"] and pendigits.writers_in("fit") == ["1", "7"]
    assert sets.sets["unipen-digits"].dropped == 1  # the ibm digit whose stroke starts at (0, 0)
    assert sets.sets["unipen-characters"].writers_in("test") == ["ced"]  # ced: a test contributor
    assert sets.sets["omniglot"].writers_in("test") == ["15", "16", "17", "18", "19", "20"]
    # The digits and the letters of a contributor land in the same group.
    assert group_of("unipen-digits", "art") == group_of("unipen-characters", "art") == "fit"


@needs_pen_data
def test_the_shared_pendigits_writers_fall_into_one_group_each():
    from recognizer.datasets.pen_data import PenSet, writer_of
    from recognizer.datasets.unipen import read_pen_file

    samples = read_pen_file(Path(SHARED, FILES["pendigits"]))
    writers = [writer_of("pendigits", s) for s in samples]
    pen_set = PenSet("pendigits", samples, writers, np.array([group_of("pendigits", w) for w in writers]))
    _assert_no_writer_in_two_groups([pen_set])
    assert sorted(map(int, set(writers))) == list(range(1, 31))
    assert [len(pen_set.writers_in(g)) for g in GROUPS] == [15, 5, 10]


def test_find_pen_dir_takes_the_option_then_the_environment(pen_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PEN_DATA_DIR", str(pen_dir))
    assert find_pen_dir() == pen_dir
    assert find_pen_dir(pen_dir) == pen_dir
    with pytest.raises(DataError, match="none of"):
        find_pen_dir(tmp_path)
    monkeypatch.setenv("PEN_DATA_DIR", str(tmp_path / "nowhere"))
    assert find_pen_dir() is None  # the isolated user data folder has no pen/ either


def test_augmented_strokes_are_another_drawing_of_the_same_size():
    strokes = drawing_of(3, 0)
    rng = np.random.default_rng(0)
    moved = augment_strokes(strokes, rng)
    assert len(moved) == 1 and not np.array_equal(moved[0], strokes[0])
    span = np.ptp(np.concatenate(moved), axis=0).max() / np.ptp(strokes[0], axis=0).max()
    assert 0.7 < span < 1.4
    sample = [PenSample("3", tuple(strokes))]
    plain, varied = render_samples(sample), render_samples(sample, rng)
    assert plain.shape == varied.shape == (1, 28, 28) and plain.max() == 1 and not np.allclose(plain, varied)


def test_a_tiny_run_with_pen_data_trains_on_them_and_records_its_sources(pen_dir, mnist, tmp_path):
    small = MNIST(mnist.train_images[:256], mnist.train_labels[:256], mnist.test_images[:200], mnist.test_labels[:200])
    pen = PenTraining(load_pen_sets(pen_dir), seed=0, digit_variants=2)
    assert len(pen.digit_labels) == 2 * (60 + 20)  # 6 train writers' 10 digits, aga's and ibm's clean ones, twice
    assert sorted(pen.digit_labels.tolist()) == sorted(list(range(10)) * 16)
    assert len(pen.non_digit_images) == 2 * (3 + 12)  # aga's letters and the 12 train drawers' character, twice
    short = PenTraining(load_pen_sets(pen_dir), seed=0, train_images=40)
    assert (len(short.digit_labels), len(short.non_digit_images)) == (20, 20)  # a short run renders fewer
    assert len(pen.fit_labels) == 20 + 10  # pendigits writers 1 and 7, and art's digits
    config = TrainConfig(hidden_sizes=(16,), epochs=1, batch_size=64, device="cpu", augment=False, other_sources=False)
    # the CLI's and the Train tab's run path: train, then fit the verdict on MNIST and the fit writers
    result = TrainingRun(plan_run(config), small, pen=pen).run(lambda result: None, tmp_path / "r.db").result
    assert result.trust is not None and result.trust.info["held_out_pen_digits"] == 30
    # measured at its end on the test writers' digits, never trained on (issue 22: the run reports it)
    tally, held_out = result.held_out_hands, load_pen_sets(pen_dir).digits("test")
    assert len(pen.test_digits) == len(held_out) > 0 and tally["samples"] == len(held_out)
    assert 0 <= tally["accepted_right"] <= tally["read_right"] <= tally["samples"]
    assert tally["accepted_right"] + tally["not_a_digit"] + tally["unsure"] <= tally["samples"]
    assert f"({len(held_out):,} pen digits)" in hands_words(tally) and hands_words(None) == ""
    path = save_model(tmp_path / "m.safetensors", result.model, result_metadata(result))
    recorded = load_model(path).metadata["training"]
    assert recorded["pen_data"] is True
    assert recorded["pen_sets"]["pendigits"]["test_writers"] == ["3", "6", "9", "12"]
    assert recorded["pen_sets"]["unipen-digits"]["dropped"] == 1
    assert recorded["pen_sets"]["omniglot"]["samples"] == {"train": 12, "fit": 2, "test": 6}
    assert recorded["held_out_hands"] == tally


def test_a_run_without_pen_data_says_so_in_its_metadata(pen_dir, mnist, tmp_path):
    small = MNIST(mnist.train_images[:128], mnist.train_labels[:128], mnist.test_images[:100], mnist.test_labels[:100])
    pen = PenTraining(load_pen_sets(pen_dir), seed=0, digit_variants=1)
    config = TrainConfig(hidden_sizes=(16,), epochs=1, batch_size=64, device="cpu", pen_data=False)
    result = TrainingRun(plan_run(config), small, pen=pen).run(lambda result: None, tmp_path / "r.db").result
    assert result_metadata(result)["training"]["pen_sets"] is None and result.trust.info["held_out_pen_digits"] == 0


def test_the_cli_says_in_one_line_when_pen_data_is_wrong(tmp_path, capsys):
    from recognizer.commands.main import main

    out = tmp_path / "m.safetensors"
    for args, words in ((["--pen-data", tmp_path / "nowhere"], "no such folder"),
                        (["--pen-data", tmp_path, "--no-pen-data"], "contradict")):  # fmt: skip
        assert main(["train", "--out", str(out), *map(str, args)]) != 0
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and words in err[0] and not out.exists()


def test_the_verdict_fitted_on_real_hands_keeps_the_budget_for_each_group(mnist):
    """fit_trust(hands=...): real hands' digits (here MNIST digits drawn off-centre, which the
    model finds harder) are turned away as no digit no more often than the budget, and the
    confidence floor does not sink to theirs."""
    from recognizer.files.paths import default_model_path
    from recognizer.trust.fit import NOT_A_DIGIT_BUDGET, UNSURE_BUDGET, fit_trust
    from recognizer.trust.temperature import softmax
    from recognizer.trust.verdict import batch_states, energy

    model = load_model(default_model_path()).model
    images, labels = mnist.train_images[-1500:-500], mnist.train_labels[-1500:-500]
    hands = np.roll(mnist.train_images[-500:], 3, axis=2), mnist.train_labels[-500:]
    alone, both = fit_trust(model, images, labels), fit_trust(model, images, labels, hands=hands)
    assert both.info["held_out_pen_digits"] == 500 and both.score == alone.score == "energy"
    logits, _ = batch_states(model, hands[0], both.rows)
    assert (energy(logits) > both.energy_threshold).mean() <= NOT_A_DIGIT_BUDGET + 1 / 500
    assert both.energy_threshold >= alone.energy_threshold
    for group in (images, hands[0]):  # the floor is the stricter of the two groups' (a tiny margin for float32)
        logits, _ = batch_states(model, group, both.rows)
        kept = energy(logits) <= both.energy_threshold
        floor = np.quantile(softmax(logits, both.temperature).max(axis=1)[kept], UNSURE_BUDGET)
        assert both.min_confidence >= floor - 1e-6


def test_calibrate_fits_the_rejection_on_the_fit_writers_too(pen_dir, model_path, tmp_path, capsys):
    from recognizer.commands.main import main

    out = tmp_path / "calibrated.safetensors"
    assert main(["calibrate", "--model", str(model_path), "--out", str(out), "--pen-data", str(pen_dir)]) == 0
    assert "and 30 pen digits of the fit writers" in capsys.readouterr().out
    assert load_model(out).trust.info["held_out_pen_digits"] == 30
