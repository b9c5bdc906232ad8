"""The Train tab's state without a display: curves and their CSV, the clock (rate, time left and
share done, pauses left out), the run's phases, the texts, and the settings form's model."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from recognizer.errors import TrainingError
from recognizer.text import plural
from recognizer.training import curves
from recognizer.training.settings import DEFAULTS
from recognizer.training.trainer import BatchProgress, EpochResult, TrainConfig
from recognizer.ui.train import state


def batch(epoch, b, of=10, loss=1.0, rate=100.0):
    return BatchProgress(epoch, b, of, loss, 1e-3, rate)


def epoch(e, seconds=1.0):
    return EpochResult(e, train_loss=0.5, train_accuracy=0.8, test_loss=0.4, test_accuracy=0.9, seconds=seconds)


def test_state_needs_no_qt():
    code = "import sys, recognizer.ui.train.state; print([m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_series_grow_past_their_first_block_and_keep_every_row():
    s = curves.Series(2)
    for i in range(1000):
        s.extend([(i, 2 * i)])
    s.extend([(i, i) for i in range(300)])
    assert s.n == 1300 and s.column(1)[999] == 1998 and s.column(0)[-1] == 299
    copy = s.copy()
    s.extend([(0, 0)])
    assert copy.n == 1300


def test_curves_smooth_the_loss_and_export_one_csv(tmp_path):
    c = curves.RunCurves()
    c.add([batch(1, b, of=4, loss=2.0) for b in range(1, 5)] + [epoch(1)])
    c.add([batch(2, 1, of=4, loss=1.0)])
    assert c.batches.n == 5 and c.epochs.n == 1
    assert list(c.batch("x_epochs")) == [0.25, 0.5, 0.75, 1.0, 1.25]
    assert c.batch("smoothed_loss")[0] == pytest.approx(2.0)  # debiased: no pull towards 0 at the start
    assert 1.0 < c.batch("smoothed_loss")[-1] < 2.0
    previous = curves.RunCurves()
    previous.add([batch(1, 1, of=1), epoch(1)])
    path = curves.write_curves_csv(tmp_path / "c.csv", c, previous)
    rows = list(csv.DictReader(open(path)))
    assert list(rows[0]) == curves.CSV_HEADER == ["run", "kind", *curves.SERIES]
    assert [(r["run"], r["kind"]) for r in rows] == [("current", "batch")] * 5 + [("current", "epoch"), ("previous", "batch"), ("previous", "epoch")]
    first, epoch_row = rows[0], rows[5]
    assert (first["step"], first["epoch"], first["batch"], first["train_loss"]) == ("1", "1", "1", "")
    assert epoch_row["test_accuracy"] == "0.9" and epoch_row["x_epochs"] == "1" and epoch_row["batch_loss"] == ""


def make_clock(now=0.0):
    # 2 epochs of 1,000 images in batches of 100 (10 a epoch), 500 test images
    return state.RunClock(epochs=2, images=1000, batch_size=100, test_images=500, now=now)


def test_rate_and_time_left_leave_pauses_out():
    clock = make_clock()
    for t in range(1, 5):  # a batch of 100 images a second
        clock.take([batch(1, t, rate=100.0)], now=float(t))
    assert clock.rate() == pytest.approx(100.0)
    left = clock.seconds_left(4.0)
    # 1,600 images at 100/s, plus two test passes guessed at 500 / 300 per second
    assert left == pytest.approx(16 + 2 * 500 / 300)
    fraction = clock.fraction_done(4.0)
    clock.pause(4.0)
    assert clock.paused and clock.active(64.0) == 4.0
    assert clock.fraction_done(64.0) == fraction and clock.seconds_left(64.0) == left  # a pause moves nothing
    clock.resume(64.0)
    clock.take([batch(1, 5)], now=65.0)
    assert clock.active(65.0) == pytest.approx(5.0) and clock.rate() == pytest.approx(100.0)


def test_the_test_pass_is_timed_after_the_first_epoch():
    clock = make_clock()
    for t in range(1, 11):
        clock.take([batch(1, t)], now=float(t))
    assert clock.measuring  # the last batch is in, the epoch's test pass runs
    assert "testing on 500 images" in state.progress_text(clock, 11.0)
    clock.take([epoch(1, seconds=13.0)], now=13.0)  # 10 s of batches, 3 s of testing
    assert not clock.measuring and clock.epochs_done == 1
    clock.take([batch(2, 1)], now=14.0)
    assert clock.seconds_left(14.0) == pytest.approx(900 / 100 + 3.0)


def test_phases_follow_the_run_and_refuse_the_rest():
    run = state.RunState()
    assert run.phase == "idle" and not run.busy and not run.can_stop
    for phase in ("loading", "running", "paused", "running", "stopping", "finished", "running", "failed", "running", "finished"):
        run.go(phase)
        assert run.busy == (phase in ("loading", "running", "paused", "stopping"))
    with pytest.raises(ValueError):
        run.go("paused")
    run.go("loading")
    run.go("idle")  # no data: back where it was


def test_texts_use_plurals_and_thousands_separators():
    assert plural(1, "epoch") == "1 epoch" and plural(2, "epoch") == "2 epochs"
    assert plural(3000, "image") == "3,000 images" and plural(1, "batch", "batches") == "1 batch"
    assert state.starting_text(60_000, 1) == "Starting: 60,000 training images, 1 epoch…"
    assert state.duration(59) == "59 s" and state.duration(61) == "1 min 01 s" and state.duration(3720) == "1 h 02 min"
    clock = make_clock()
    clock.take([batch(1, 3)], now=1.0)
    clock.pause(1.0)
    assert state.progress_text(clock, 2.0).startswith("Paused in epoch 1 of 2, after batch 3 of 10.")


def test_failures_say_what_happened():
    kind, title, text, _ = state.failure_texts(TrainingError("the loss became nan"), "the loss became nan", "")
    assert (kind, title, text) == ("warning", "Training stopped", "Training stopped: the loss became nan.")
    assert state.failure_texts(ValueError("no cuda"), "no cuda", "")[:3] == ("critical", "Cannot train", "no cuda")
    kind, title, text, details = state.failure_texts(ZeroDivisionError(), "ZeroDivisionError: x", "Traceback …")
    assert title == "Training crashed" and "ZeroDivisionError" in text and details == "Traceback …"


def form(**changes):
    fields = dict(DEFAULTS, hidden_sizes="32", epochs=1, batch_size=64, learning_rate="0.003", schedule="cosine", warmup_steps=5,
                  weight_decay="0", grad_clip="1", augment=False, train_subset=512, seed=0, device="cpu")  # fmt: skip
    return {**fields, **changes}


def test_the_form_is_checked_all_at_once():
    config, errors = state.parse_form(form(learning_rate="0,01"))
    assert errors == {} and config.learning_rate == 0.01 and config.hidden_sizes == (32,)
    config, errors = state.parse_form(form(hidden_sizes="32, zero", learning_rate="0", weight_decay="lots", grad_clip="-1"))
    assert config is None and set(errors) == {"hidden_sizes", "learning_rate", "weight_decay", "grad_clip"}
    assert errors["learning_rate"] == "Learning rate: must be greater than zero"
    assert errors["weight_decay"] == "Weight decay: 'lots' is not a number" and errors["hidden_sizes"].startswith("Hidden sizes:")


def test_a_warm_up_longer_than_the_run_is_flagged():
    # 512 images in batches of 64: 8 batches an epoch
    assert state.run_batches(form(epochs=2)) == 16
    assert state.warmup_warning(form(epochs=2, warmup_steps=15)) == ""
    assert "16 batches" in state.warmup_warning(form(epochs=2, warmup_steps=16))
    assert state.warmup_warning(form(epochs=2, warmup_steps=500, schedule="constant")) == ""  # no warm-up there
    assert state.warmup_warning(form(train_subset=0, warmup_steps=200)) == ""  # all 60,000: 938 batches
    assert state.warmup_warning(form(train_subset=0, warmup_steps=200), train_images=6400)  # a smaller set: 100


class Store:
    """What the settings readers use of a QSettings."""

    def __init__(self, values=None):
        self.values = dict(values or {})

    def value(self, key):
        return self.values.get(key)

    def setValue(self, key, value):
        self.values[key] = value

    def sync(self):
        pass


def test_settings_round_trip_and_bad_values_fall_back_one_by_one():
    store = Store()
    mine = TrainConfig(hidden_sizes=(32, 64), epochs=7, learning_rate=0.01, augment=False, device="cpu")
    state.write_train_settings(store, mine)
    assert store.values["train/hidden_sizes"] == "32, 64"
    assert state.read_train_settings(store, ["cpu"]) == mine
    store.values.update({"train/hidden_sizes": ["32", " 64"], "train/epochs": "7.0", "train/augment": "false"})  # as an INI file reads back
    assert state.read_train_settings(store, ["cpu"]) == mine
    bad = Store({"train/epochs": "lots", "train/seed": 1.5, "train/learning_rate": "nan", "train/hidden_sizes": "0, 0",
                 "train/device": "tpu", "train/batch_size": 64})  # fmt: skip
    config = state.read_train_settings(bad, ["cpu"])
    d = TrainConfig()
    assert (config.epochs, config.seed, config.learning_rate, config.hidden_sizes) == (d.epochs, d.seed, d.learning_rate, d.hidden_sizes)
    assert config.batch_size == 64 and config.device == "cpu"
