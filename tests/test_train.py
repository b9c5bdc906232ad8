"""The Trainer: learning, callbacks, determinism, pause/resume/stop from another thread, NaN."""

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import numpy as np
import pytest
import torch

from recognizer.datasets.augment import AugmentConfig, random_affine
from recognizer.datasets.mnist import MNIST
from recognizer.errors import TrainingError
from recognizer.files.model_file import load_model
from recognizer.training.run import (
    autosave_name,
    best_epoch_model,
    result_metadata,
    save_best_epoch,
    save_exclusively,  # fmt: skip
)
from recognizer.training.settings import WARMUP_MAX, warmup_for
from recognizer.training.trainer import TrainConfig, Trainer, warmup_warning


@pytest.fixture(scope="module")
def small(mnist):
    """1024 training and 500 test images: enough to see learning, fast enough for a test."""
    return MNIST(mnist.train_images[:1024], mnist.train_labels[:1024], mnist.test_images[:500], mnist.test_labels[:500])


def tiny_config(**changes):
    return TrainConfig(**{"hidden_sizes": (32,), "epochs": 2, "batch_size": 64, "learning_rate": 5e-3,
                          "schedule": "constant", "augment": False, "device": "cpu", **changes})


def test_learns_and_reports(small):
    batches, epochs = [], []
    result = Trainer(tiny_config(epochs=3), small, on_batch=batches.append, on_epoch=epochs.append).run()
    assert len(batches) == 3 * 16 and len(epochs) == 3 == len(result.history)
    assert [b.batch for b in batches[:16]] == list(range(1, 17)) and batches[-1].epoch == 3
    assert all(b.samples_per_second > 0 and b.learning_rate == 5e-3 for b in batches)
    first, last = result.history[0], result.history[-1]
    assert last.train_loss < first.train_loss
    assert last.test_accuracy > 0.5  # chance is 0.1
    assert result.evaluation.accuracy == last.test_accuracy
    assert result.evaluation.confusion.sum() == 500
    assert not result.stopped and result.best_epoch in (1, 2, 3)
    assert next(result.model.parameters()).device.type == "cpu"


def test_same_seed_same_result(small):
    a = Trainer(tiny_config(augment=True, seed=7), small).run()
    b = Trainer(tiny_config(augment=True, seed=7), small).run()
    c = Trainer(tiny_config(augment=True, seed=8), small).run()
    for k, v in a.model.state_dict().items():
        assert torch.equal(v, b.model.state_dict()[k])
    assert any(not torch.equal(v, c.model.state_dict()[k]) for k, v in a.model.state_dict().items())
    assert [h.test_loss for h in a.history] == [h.test_loss for h in b.history]


def test_pause_resume_and_stop_from_another_thread(small):
    """Waits for what the run reports (batches, the loop holding), never for a time: batches 3 and
    6 wait at a gate until the other thread has asked for the pause, then for the stop."""
    seen, log = [], {}
    arrived = {3: threading.Event(), 6: threading.Event()}
    gates = {3: threading.Event(), 6: threading.Event()}

    def on_batch(p):
        seen.append(p)
        if len(seen) in gates:
            arrived[len(seen)].set()
            gates[len(seen)].wait(60)

    def controller():
        arrived[3].wait(60)
        trainer.pause()
        gates[3].set()
        log["held"] = trainer.held.wait(60)  # no batch starts after the one in flight
        log["paused_at"] = len(seen)
        trainer.resume()
        arrived[6].wait(60)
        trainer.stop()
        gates[6].set()

    trainer = Trainer(tiny_config(epochs=50), small, on_batch=on_batch)
    thread = threading.Thread(target=controller)
    thread.start()
    result = trainer.run()
    thread.join()
    assert log["held"] and log["paused_at"] == 3
    assert result.stopped and len(seen) == 6 and not trainer.held.is_set()  # it ran on from where it held
    assert [p.batch for p in seen] == [1, 2, 3, 4, 5, 6]
    assert result.evaluation is not None and result.evaluation.confusion.sum() == 500


def test_stop_while_paused_ends_the_run(small):
    trainer = Trainer(tiny_config(epochs=50), small)
    trainer.pause()
    stopper = threading.Thread(target=lambda: trainer.held.wait(60) and trainer.stop())
    stopper.start()
    result = trainer.run()
    stopper.join()
    assert result.stopped and result.history == []


def test_nan_loss_stops_with_a_clear_error(small):
    images = small.train_images.astype(np.float32) / 255
    images[:] = np.nan
    broken = MNIST(images, small.train_labels, small.test_images, small.test_labels)
    with pytest.raises(TrainingError, match="lower learning rate"):
        Trainer(tiny_config(), broken).run()


def test_cosine_schedule_warms_up_and_decays():
    trainer = Trainer(TrainConfig(learning_rate=1e-3, warmup_steps=10), data=None)
    assert trainer.learning_rate_at(0, 100) == pytest.approx(1e-4)
    assert trainer.learning_rate_at(9, 100) == pytest.approx(1e-3)
    assert trainer.learning_rate_at(55, 100) == pytest.approx(5e-4)
    assert trainer.learning_rate_at(99, 100) < 1e-5
    lrs = [trainer.learning_rate_at(s, 100) for s in range(10, 100)]
    assert all(a >= b for a, b in zip(lrs, lrs[1:]))


@pytest.mark.parametrize("change", [dict(epochs=0), dict(batch_size=0), dict(learning_rate=-1),
                                    dict(learning_rate=math.nan), dict(schedule="wavy"),
                                    dict(hidden_sizes=()), dict(device="tpu"), dict(train_subset=-5)])
def test_bad_config_is_refused(change):
    with pytest.raises(ValueError):
        TrainConfig(**change)


def test_one_set_of_defaults_and_one_warm_up_rule_scaled_to_the_run():
    d = TrainConfig()  # the CLI's defaults and the Train tab's (train_settings.SETTINGS)
    assert d.epochs == 4 and d.learning_rate == 6e-3 and d.warmup_steps is None
    assert d.hidden_sizes == (128,) and d.batch_size == 128 and d.augment and d.fit_verdict
    assert d.outliers and not d.other_sources  # turns non-digits away; four epochs are too few for the other sources
    assert warmup_for(4 * 469) == 94 and warmup_for(30 * 469) == WARMUP_MAX and warmup_for(16) == 1
    trainer = Trainer(TrainConfig(learning_rate=1e-3), data=None)  # 16 batches: 1 of warm-up, not 200
    assert trainer.learning_rate_at(0, 16) == pytest.approx(1e-3)
    assert trainer.learning_rate_at(15, 16) < 1e-4
    assert warmup_warning(TrainConfig(epochs=1, train_subset=1000, batch_size=100)) is None


def test_augmentation_moves_digits_but_keeps_them():
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(16, 28, 28)
    x[:, 8:20, 12:16] = 1.0
    y = random_affine(x, g)
    assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1.0 + 1e-6
    assert not torch.allclose(x, y)
    assert torch.allclose(y.sum((1, 2)), x.sum((1, 2)), rtol=0.3)  # moved, not erased
    still = random_affine(x, g, AugmentConfig(0, 0, 0, 0))
    assert torch.allclose(still, x, atol=1e-5)


# --- hostile settings, what a run leaves behind (issue 17) ------------------------------------


def test_weights_that_blow_up_stop_the_run_before_they_are_handed_over(small):
    # One batch: its loss is finite, but the step it takes at 1e308 is not.
    with pytest.raises(TrainingError, match="weights became NaN or infinite after epoch 1.*lower learning rate"):
        Trainer(tiny_config(epochs=1, train_subset=64, learning_rate=1e308), small).run()


@pytest.mark.parametrize("change, message", [
    (dict(weight_decay=math.inf), "Weight decay"), (dict(grad_clip=math.nan), "Gradient clip"),
    (dict(seed=10**30), "Seed must be"), (dict(seed=-1), "Seed must be"),
    (dict(hidden_sizes=(2048,)), "1 to 512 units"), (dict(hidden_sizes=(8,) * 5), "at most 4 layers"),
])  # fmt: skip
def test_settings_the_loader_or_torch_would_refuse_are_refused_up_front(change, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**change)


def test_warmup_longer_than_the_run_is_told():
    assert warmup_warning(TrainConfig(epochs=3)) is None
    text = warmup_warning(TrainConfig(epochs=1, train_subset=1000, batch_size=100, warmup_steps=200))
    assert text == ("The warm-up (200 batches) is longer than the whole run (10 batches): "
                    "the learning rate never reaches its peak of 0.006.")
    assert warmup_warning(TrainConfig(epochs=1, train_subset=1000, warmup_steps=200, schedule="constant")) is None


def test_a_run_hands_over_no_gradients_and_its_metadata_is_complete(small):
    result = Trainer(tiny_config(epochs=1), small).run()
    assert all(p.grad is None for p in result.model.parameters())
    meta = result_metadata(result)
    assert meta["training"] == {**tiny_config(epochs=1).to_dict(), "epochs_completed": 1, "stopped": False,
                                "best_epoch": 1, "pen_sets": None, "held_out_hands": None, "weights": "last"}
    assert meta["test_accuracy"] == result.test_accuracy


def test_autosaves_never_overwrite_even_when_racing(small, tmp_path):
    result = Trainer(tiny_config(epochs=1), small).run()
    when = datetime(2026, 1, 2, 3, 4, 5)
    name = autosave_name(result.config, 1, when)
    model = best_epoch_model(result)
    metadata = result_metadata(result, "best_epoch")
    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(lambda _: save_exclusively(tmp_path, name, model, metadata), range(8)))
    assert len(set(paths)) == 8 and sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    assert paths[0].parent == tmp_path and {p.name for p in paths} >= {name, name.replace(".safetensors", "-8.safetensors")}
    saved = save_best_epoch(result, tmp_path / "new")
    assert load_model(saved).metadata["training"]["weights"] == "best_epoch"
