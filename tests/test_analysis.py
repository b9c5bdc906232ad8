"""analysis.py, the Evaluate tab's Qt-free maths: PCA of hidden states, saliency by back-propagation
through the rows, and the robustness check."""


import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from recognizer.evaluation import analysis
from recognizer.evaluation.accuracy import evaluate
from recognizer.evaluation.analysis import (
    PERTURBATIONS,
    Stopped,
    add_noise,
    evaluate_with_hidden,
    fit_pca,
    input_gradient,
    robustness,
    robustness_subset,
    rotate,
    saliency,
    saliency_by_row,
    shift,
    thicken,
)
from recognizer.network.model import ModelConfig, RowRNN


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These models are tiny: one thread does the work as fast as two, and does not slow to a crawl
    when another process holds the second core (OpenMP threads wait for each other every step)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny_model(sizes=(6,), seed=0, dtype=torch.float64) -> RowRNN:
    torch.manual_seed(seed)
    model = RowRNN(ModelConfig(sizes))
    with torch.no_grad():  # larger weights than the default init, so the gradients are not tiny
        for p in model.parameters():
            p.mul_(3.0)
    return model.to(dtype).eval()


def digit_like(seed=0) -> np.ndarray:
    """A blob of ink in the middle rows, some blank rows above and below, as MNIST digits have."""
    rng = np.random.default_rng(seed)
    image = np.zeros((28, 28))
    image[5:23, 8:20] = rng.uniform(0, 1, (18, 12))
    return image


@pytest.fixture(scope="module")
def mnist_subset(mnist):
    """The shipped model and 200 test digits."""
    from recognizer.files.model_file import load_model
    from recognizer.files.paths import default_model_path

    data = mnist
    idx = robustness_subset(data.test_labels, 200)
    return load_model(default_model_path()).model, data.test_images[idx], data.test_labels[idx]


# --- PCA ------------------------------------------------------------------------------------------


def test_pca_finds_the_directions_of_largest_variance_in_order():
    rng = np.random.default_rng(1)
    spreads = np.array([5.0, 3.0, 1.0, 0.5, 0.1])
    basis, _ = np.linalg.qr(rng.normal(size=(5, 5)))  # a random rotation
    data = (rng.normal(size=(4000, 5)) * spreads) @ basis.T + 7.0
    pca = fit_pca(data, 3)
    assert pca.components.shape == (3, 5) and pca.mean.shape == (5,)
    # The components are the rotated axes, largest spread first (up to sign).
    dots = np.abs(pca.components @ basis[:, :3])
    np.testing.assert_allclose(np.diag(dots), 1.0, atol=0.01)
    assert np.all(np.diff(pca.explained_variance) < 0)
    np.testing.assert_allclose(pca.explained_variance, spreads[:3] ** 2, rtol=0.08)
    assert pca.explained_ratio.sum() < 1 and np.all(pca.explained_ratio > 0)
    # Projections: shape, centred, and their variance is the explained variance.
    projected = pca.transform(data)
    assert projected.shape == (4000, 3)
    np.testing.assert_allclose(projected.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(projected.var(axis=0, ddof=1), pca.explained_variance, rtol=1e-4)
    # Any leading shape: a digit's 28 hidden states at once.
    assert pca.transform(data[:28]).shape == (28, 3)
    np.testing.assert_allclose(pca.transform(data[:28]), projected[:28], atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 60), d=st.integers(2, 9), seed=st.integers(0, 2**31 - 1))
def test_pca_agrees_with_an_svd(n, d, seed):
    data = np.random.default_rng(seed).normal(size=(n, d)) * np.linspace(3, 0.5, d)
    pca = fit_pca(data, 2)
    centred = data - data.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    np.testing.assert_allclose(pca.explained_variance, s[:2] ** 2 / (n - 1), rtol=1e-6, atol=1e-9)
    assert pca.explained_variance[0] >= pca.explained_variance[1]
    np.testing.assert_allclose(pca.components @ pca.components.T, np.eye(2), atol=1e-8)
    # Deterministic signs: the largest loading of each component is positive.
    assert np.all(pca.components[np.arange(2), np.abs(pca.components).argmax(axis=1)] > 0)


def test_pca_refuses_what_it_cannot_do():
    with pytest.raises(ValueError):
        fit_pca(np.zeros((1, 4)))
    with pytest.raises(ValueError):
        fit_pca(np.zeros((10, 2)), 3)


# --- evaluation with hidden states ------------------------------------------------------------------


def test_evaluate_with_hidden_agrees_with_evaluate_and_the_model():
    model = tiny_model((5, 7), dtype=torch.float32)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (130, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 130)
    seen = []
    ev, hidden = evaluate_with_hidden(model, images, labels, batch_size=50, progress=lambda d, n: seen.append((d, n)))
    ref = evaluate(model, images, labels, batch_size=50)
    np.testing.assert_array_equal(ev.probabilities, ref.probabilities)
    assert ev.accuracy == ref.accuracy and ev.loss == pytest.approx(ref.loss)
    np.testing.assert_array_equal(ev.confusion, ref.confusion)
    with torch.no_grad():
        expected = model.hidden_sequence(torch.from_numpy(images).float() / 255)[:, -1].numpy()
    assert hidden.shape == (130, 7)
    np.testing.assert_allclose(hidden, expected, atol=1e-6)
    assert seen == [(50, 130), (100, 130), (130, 130)]
    with pytest.raises(Stopped):
        evaluate_with_hidden(model, images, labels, should_stop=lambda: True)


# --- saliency -------------------------------------------------------------------------------------


def test_saliency_shape_sign_and_rows():
    model = tiny_model()
    pixels, rows = saliency(model, digit_like())
    assert pixels.shape == (28, 28) and rows.shape == (28,)
    assert np.all(np.isfinite(pixels)) and np.all(pixels >= 0) and pixels.max() > 0
    np.testing.assert_allclose(rows, pixels.sum(axis=1), rtol=1e-6)


@pytest.mark.parametrize("row", [0, 9, 17, 27])
def test_rows_not_read_yet_have_no_saliency(row):
    """The answer after row t cannot depend on rows below t: their gradient is exactly zero."""
    model = tiny_model()
    pixels, rows = saliency(model, digit_like(), row=row)
    assert np.all(pixels[row + 1 :] == 0) and np.all(rows[row + 1 :] == 0)
    assert rows[: row + 1].sum() > 0


def test_the_gradient_matches_finite_differences():
    """Back-propagation through the 28 steps equals d logit / d pixel measured by nudging each of
    the 784 pixels up and down (central differences, in float64)."""
    model = tiny_model((5, 4), seed=3)
    image = digit_like(3)
    for target, row in ((None, 27), (4, 27), (7, 15)):
        grad, chosen = input_gradient(model, image, target=target, row=row)
        eps = 1e-6
        bumps = np.eye(784).reshape(784, 28, 28) * eps
        batch = torch.from_numpy(np.concatenate([image + bumps, image - bumps]))
        with torch.no_grad():
            logits = model.row_logits(batch)[:, row, chosen].numpy()
        numeric = ((logits[:784] - logits[784:]) / (2 * eps)).reshape(28, 28)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
        if target is None:
            with torch.no_grad():
                assert chosen == int(model.row_logits(torch.from_numpy(image)[None])[0, row].argmax())
        else:
            assert chosen == target
        np.testing.assert_allclose(saliency(model, image, target, row).pixels, np.abs(grad), rtol=1e-6)


def test_saliency_by_row_is_saliency_at_every_row():
    model = tiny_model((6,), seed=2)
    image = digit_like(2)
    for target in (None, 3):
        every = saliency_by_row(model, image, target)
        assert every.pixels.shape == (28, 28, 28) and every.rows.shape == (28, 28) and every.targets.shape == (28,)
        for t in (0, 5, 13, 27):
            one = saliency(model, image, every.targets[t] if target is None else target, row=t)
            np.testing.assert_allclose(every.pixels[t], one.pixels, rtol=1e-6, atol=1e-12)
            np.testing.assert_allclose(every.rows[t], one.rows, rtol=1e-6, atol=1e-12)
        if target is not None:
            assert np.all(every.targets == target)
    # float32, as the window's models are, works the same way.
    pixels, rows = saliency(tiny_model(dtype=torch.float32), image.astype(np.float32))
    assert pixels.dtype == np.float32 and np.isfinite(pixels).all()


def test_saliency_refuses_bad_arguments():
    model = tiny_model()
    with pytest.raises(ValueError):
        saliency(model, digit_like(), target=10)
    with pytest.raises(ValueError):
        saliency(model, digit_like(), row=28)
    with pytest.raises(ValueError):
        saliency_by_row(model, digit_like(), target=-1)
    model.train()
    saliency(model, digit_like())
    assert model.training  # the model's mode is left as it was


# --- perturbations --------------------------------------------------------------------------------


def test_every_perturbation_at_zero_leaves_the_digits_alone():
    images = torch.rand(5, 28, 28)
    gen = torch.Generator().manual_seed(0)
    for p in PERTURBATIONS:
        assert 0 in p.levels, p.key
        assert torch.equal(p.apply(images, 0.0, gen), images), p.key


def test_shift_moves_ink_by_whole_pixels():
    x = torch.zeros(1, 28, 28)
    x[0, 10, 12] = 1.0
    assert shift(x, dx=3)[0, 10, 15] == 1 and shift(x, dx=3).sum() == 1
    assert shift(x, dy=-4)[0, 6, 12] == 1
    assert shift(x, dx=-2, dy=5)[0, 15, 10] == 1
    assert shift(x, dx=20).sum() == 0  # pushed out of the frame
    assert shift(x, dy=28).sum() == 0


def test_rotation_turns_counter_clockwise_about_the_centre():
    x = torch.zeros(1, 28, 28)
    x[0, 14, 22] = 1.0  # right of the centre (13.5, 13.5)
    turned = rotate(x, 90)[0]
    r, c = np.unravel_index(int(turned.argmax()), (28, 28))
    assert c in (13, 14) and r < 8  # now above the centre
    # Quarter turns are exact permutations of the pixels.
    image = torch.rand(2, 28, 28)
    np.testing.assert_allclose(rotate(rotate(rotate(rotate(image, 90), 90), 90), 90), image, atol=1e-5)


def test_thickening_adds_ink_and_thinning_removes_it():
    x = torch.zeros(1, 28, 28)
    x[0, 8:20, 13:15] = 1.0  # a stroke two pixels wide
    ink = [float(thicken(x, a).sum()) for a in (-1, -0.5, 0, 0.5, 1, 2)]
    assert ink == sorted(ink) and ink[0] == 0 and ink[2] == x.sum()
    assert float(thicken(x, 1).sum()) == (12 + 2) * (2 + 2)  # one pixel more on every side
    half = thicken(x, 0.5)
    np.testing.assert_allclose(half, 0.5 * x + 0.5 * thicken(x, 1))


def test_noise_is_seeded_and_stays_in_range():
    x = torch.rand(3, 28, 28)
    a = add_noise(x, 0.3, torch.Generator().manual_seed(5))
    b = add_noise(x, 0.3, torch.Generator().manual_seed(5))
    assert torch.equal(a, b) and not torch.equal(a, x)
    assert float(a.min()) >= 0 and float(a.max()) <= 1
    assert float((a - x).std()) == pytest.approx(0.3, rel=0.35)  # clipping shrinks it a little


def test_the_robustness_subset_is_fixed():
    labels = np.arange(10_000) % 10
    a, b = robustness_subset(labels, 2000), robustness_subset(labels, 2000)
    np.testing.assert_array_equal(a, b)
    assert len(np.unique(a)) == 2000 and np.all(np.diff(a) > 0)
    assert len(robustness_subset(labels[:50], 2000)) == 50


# --- robustness -----------------------------------------------------------------------------------


def test_robustness_at_zero_perturbation_is_plain_accuracy(mnist_subset):
    model, images, labels = mnist_subset
    plain = evaluate(model, images, labels).accuracy
    updates = []
    curves = robustness(model, images, labels, progress=lambda done, total, curve: updates.append((done, total)))
    total = sum(len(p.levels) for p in PERTURBATIONS)
    assert [d for d, _ in updates] == list(range(1, total + 1)) and {t for _, t in updates} == {total}
    for p in PERTURBATIONS:
        curve = curves[p.key]
        assert curve.levels.tolist() == list(p.levels) and np.all(np.isfinite(curve.accuracy))
        assert curve.accuracy[curve.levels == 0][0] == plain
        # Not just the shared number: the transform at 0, measured, gives the same accuracy.
        x = torch.from_numpy(images).float() / 255
        assert analysis.accuracy_of(model, p.apply(x, 0.0, torch.Generator()), torch.from_numpy(labels.astype(np.int64))) == plain
    assert plain > 0.97
    # Strong perturbations break the model: this is what the curves are for.
    assert curves["noise"].accuracy[-1] < 0.5
    assert curves["rotate"].accuracy[0] < plain - 0.2


def test_robustness_can_be_stopped():
    model = tiny_model(dtype=torch.float32)
    images = np.zeros((4, 28, 28), np.uint8)
    with pytest.raises(Stopped):
        robustness(model, images, np.zeros(4, np.int64), should_stop=lambda: True)
