"""Training for other sources and for what is no digit (issue 11): the non-digits of
outliers.py, their loss, the other-sources augmentation, and what a run with them learns."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from recognizer.datasets.augment import SOURCE_KINDS, SOURCE_SHARE, dilate, erode, other_sources
from recognizer.datasets.mnist import MNIST
from recognizer.datasets.outliers import (
    Outliers,
    blob,
    outlier_loss,
    outlier_strokes,
    pool_size_for,
    printed_character,
    render_pool,
    side_by_side,
)
from recognizer.inputs.strokes import strokes_extent
from recognizer.training.trainer import TrainConfig, Trainer
from recognizer.trust.verdict import batch_states


@pytest.fixture(scope="module")
def digits(mnist):
    return torch.as_tensor(mnist.train_images[:256]).float() / 255


def test_the_pool_is_seeded_inked_and_in_range():
    a, b = render_pool(60, np.random.default_rng(3)), render_pool(60, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, render_pool(60, np.random.default_rng(4)))
    assert a.shape == (60, 28, 28) and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 1
    ink = a.reshape(60, -1).max(axis=1)
    assert (ink > 0.9).mean() >= 0.95  # nearly every one has ink (a printed character may fail to frame)


def test_shapes_fill_the_square_they_are_drawn_in():
    rng = np.random.default_rng(0)
    for _ in range(50):
        strokes = outlier_strokes(rng)
        assert strokes and all(s.ndim == 2 and s.shape[1] == 2 for s in strokes)
        assert strokes_extent(strokes, canvas_size=1.0) > 0.2  # never a speck


def test_some_shapes_are_a_lone_dash_never_steeper_than_a_1():
    """A lone stroke at 45 degrees was read as a 1 by a model trained with real slanted 1s: dashes
    up to 50 degrees are non-digits to learn, but nothing steeper."""
    rng = np.random.default_rng(0)
    drawings = [outlier_strokes(rng) for _ in range(800)]
    dashes = [d[0] for d in drawings if len(d) == 1 and len(d[0]) == 2]
    assert 0.08 < len(dashes) / len(drawings) < 0.17
    angles = [abs(math.degrees(math.atan2(*(s[1] - s[0])[::-1]))) for s in dashes]
    assert max(min(a, 180 - a) for a in angles) <= 51 and max(min(a, 180 - a) for a in angles) > 35


def test_printed_characters_and_blobs_are_pictures_with_ink():
    rng = np.random.default_rng(1)
    picture = printed_character(rng)
    assert picture.shape == (112, 112) and picture.dtype == np.uint8
    assert (picture < 128).sum() > 50 and (picture > 128).sum() > 5000  # dark ink on white paper
    b = blob(rng)
    assert b.shape == (28, 28) and b.max() <= 1.0
    rows, cols = np.nonzero(b > 0.5)
    h, w = np.ptp(rows) + 1, np.ptp(cols) + 1
    assert max(h, w) <= 21 and min(h, w) / max(h, w) >= 0.4  # in MNIST's box, and never a thin 1


def test_side_by_side_puts_each_digit_at_half_size_in_its_half(digits):
    pairs = side_by_side(digits, torch.tensor([0, 1]), torch.tensor([2, 3]))
    assert pairs.shape == (2, 28, 28)
    left = F.interpolate(digits[0][None, None], size=(14, 14), mode="area")[0, 0]
    torch.testing.assert_close(pairs[0, 7:21, :14], left)
    assert pairs[0, :, 14:].sum() > 0 and pairs[0, :7].sum() == 0 and pairs[0, 21:].sum() == 0


def test_outlier_loss_is_lowest_when_every_digit_is_equally_likely():
    uniform = outlier_loss(torch.zeros(4, 10))
    assert uniform.item() == pytest.approx(math.log(10))
    sure = torch.zeros(4, 10)
    sure[:, 3] = 5
    assert outlier_loss(sure) > uniform
    # and it is the cross-entropy against the uniform target
    logits = torch.randn(6, 10, generator=torch.Generator().manual_seed(0))
    expected = -(0.1 * F.log_softmax(logits, 1)).sum(1).mean()
    assert outlier_loss(logits).item() == pytest.approx(expected.item(), rel=1e-6)


def test_a_batch_of_outliers_mixes_shapes_and_pairs(digits):
    o = Outliers(seed=0, pool_size=50)
    g = torch.Generator().manual_seed(0)
    batch = o.batch(9, digits, g)
    assert batch.shape == (9, 28, 28) and 0 <= batch.min() and batch.max() <= 1 + 1e-6
    assert o.count_for(128) == 32 and o.count_for(2) == 1
    assert pool_size_for(1000) == 200 and pool_size_for(60_000) == 6000 and pool_size_for(10**7) == 6000


def test_other_sources_change_about_half_and_keep_the_range(digits):
    g = torch.Generator().manual_seed(0)
    x = digits.repeat(4, 1, 1)
    y = other_sources(x, g)
    assert y.shape == x.shape and y.min() >= 0 and y.max() <= 1
    changed = (y - x).abs().flatten(1).amax(1) > 1e-6
    assert abs(changed.float().mean().item() - SOURCE_SHARE) < 0.08
    again = other_sources(x, torch.Generator().manual_seed(0))
    torch.testing.assert_close(y, again)
    assert len(SOURCE_KINDS) == 6


def test_dilate_and_erode_change_the_ink_the_right_way(digits):
    x = digits[:32]
    assert (dilate(x).sum() > 1.5 * x.sum()) and (erode(x).sum() < 0.7 * x.sum())
    assert torch.all(dilate(x) >= x) and torch.all(erode(x) <= x)


def test_a_run_with_outliers_learns_to_hold_back_on_them(mnist):
    """Same run with and without non-digits: with them, the network's answer on a fresh batch of
    non-digits is spread out (its top probability is low), and the digits are still read."""
    data = MNIST(mnist.train_images[:3000], mnist.train_labels[:3000], mnist.test_images[:500], mnist.test_labels[:500])
    base = dict(hidden_sizes=(32,), epochs=3, batch_size=64, learning_rate=5e-3, schedule="constant",
                augment=False, other_sources=False, device="cpu")
    plain = Trainer(TrainConfig(**base, outliers=False), data).run()
    taught = Trainer(TrainConfig(**base, outliers=True), data).run()
    fresh = render_pool(200, np.random.default_rng(99))  # not the run's pool (seed 0)
    top = {name: F.softmax(torch.as_tensor(batch_states(r.model, fresh)[0]), 1).max(1).values.mean().item()
           for name, r in (("plain", plain), ("taught", taught))}
    assert top["taught"] < top["plain"] - 0.2, top
    # A tiny run learns the digits a little more slowly with them (3,000 images, 3 epochs: 77%).
    assert taught.history[-1].test_accuracy > max(0.6, plain.history[-1].test_accuracy - 0.15)
    # The curves show the digits' cross-entropy, not the sum with the outliers' part (>= 0.5 log 10).
    assert taught.history[-1].train_loss < 0.5 * math.log(10)
