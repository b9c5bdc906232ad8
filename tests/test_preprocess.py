import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from recognizer.inputs.preprocess import BOX, CENTRE, SIZE, to_mnist

DTYPES = [np.bool_, np.uint8, np.uint16, np.int8, np.int16, np.int32, np.int64, np.uint32,
          np.uint64, np.float16, np.float32, np.float64, np.dtype(">u2"), np.dtype(">f8")]


def draw(size: int, segments, width: float = 0.08) -> np.ndarray:
    """Light strokes (255) on black, size x size; segment ends and width are in units of size,
    so the same drawing at another size is the same digit."""
    yx = (np.mgrid[:size, :size].transpose(1, 2, 0) + 0.5) / size
    ink = np.zeros((size, size), dtype=bool)
    for a, b in segments:
        a, b = np.asarray(a, float), np.asarray(b, float)
        t = np.clip(((yx - a) @ (b - a)) / ((b - a) @ (b - a)), 0, 1)
        ink |= np.linalg.norm(yx - a - t[..., None] * (b - a), axis=-1) < width / 2
    return ink.astype(np.uint8) * 255


SEVEN = [((0.2, 0.25), (0.2, 0.7)), ((0.2, 0.7), (0.8, 0.45))]  # (y, x): a bar and a diagonal
FOUR = [((0.15, 0.4), (0.6, 0.3)), ((0.6, 0.3), (0.6, 0.75)), ((0.35, 0.62), (0.85, 0.62))]


def ring(size: int) -> np.ndarray:
    y, x = np.mgrid[:size, :size] + 0.5
    r = np.hypot(y - 0.45 * size, x - 0.55 * size) / size
    return ((r > 0.2) & (r < 0.3)).astype(np.uint8) * 255


def assert_mnist(out):
    assert out.shape == (SIZE, SIZE) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() == 1


def difference(a, b):
    """Mean absolute difference, forgiving the one-pixel shift that rounding the centre of mass
    can make (a symmetric drawing sits right on a rounding tie)."""
    shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return min(np.abs(np.roll(b, shift, axis=(0, 1)) - a).mean() for shift in shifts)


def centre_of_mass(out):
    mass = out.sum()
    return out.sum(axis=1) @ np.arange(SIZE) / mass, out.sum(axis=0) @ np.arange(SIZE) / mass


@pytest.mark.parametrize("digit", [ring(280), draw(280, SEVEN), draw(280, FOUR)])
def test_a_digit_is_framed_like_mnist(digit):
    out = to_mnist(digit)
    assert_mnist(out)
    rows, cols = np.flatnonzero(out.any(axis=1)), np.flatnonzero(out.any(axis=0))
    assert abs(max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 - BOX) <= 1
    assert all(abs(c - CENTRE) <= 1 for c in centre_of_mass(out))
    # Dark ink on light paper reads the same.
    np.testing.assert_allclose(to_mnist(255 - digit), out, atol=1e-6)


@pytest.mark.parametrize("segments", [SEVEN, FOUR])
@pytest.mark.parametrize("size", [140, 840, 1500])  # 1500 goes through the shrink
def test_the_size_of_the_drawing_does_not_matter(segments, size):
    assert difference(to_mnist(draw(280, segments)), to_mnist(draw(size, segments))) < 0.01


def test_a_scaled_up_copy_is_the_same_digit():
    digit = ring(280)
    np.testing.assert_allclose(to_mnist(np.kron(digit, np.ones((3, 3), np.uint8))), to_mnist(digit),
                               atol=0.1)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((280, 280), np.uint8),
        np.full((280, 280), 255, np.uint8),
        np.full((280, 280, 3), 128, np.uint8),
        np.full((280, 280), np.nan),
        np.zeros((0, 0), np.uint8),
        np.zeros((0, 7, 3), np.float32),
        np.full((1, 1), 255, np.uint8),
        np.zeros((280, 280, 4), np.uint8),  # fully transparent
    ],
    ids=["black", "white", "grey-rgb", "nan", "0x0", "0x7x3", "1x1", "transparent"],
)
def test_nothing_to_read(image):
    assert to_mnist(image) is None


@pytest.mark.parametrize("paper,ink", [(0, 255), (255, 0)])
@pytest.mark.parametrize("count", [1, 5])
def test_stray_pixels_are_not_a_digit(paper, ink, count):
    image = np.full((280, 280), paper, np.uint8)
    image.flat[np.random.default_rng(count).choice(image.size, count, replace=False)] = ink
    assert to_mnist(image) is None


@pytest.mark.parametrize("level", [0.1, 0.5, 0.9])
def test_low_amplitude_noise_is_not_a_digit(level):
    rng = np.random.default_rng(0)
    assert to_mnist(level + rng.normal(0, 0.02, (280, 280))) is None
    assert to_mnist(level + rng.uniform(-0.05, 0.05, (280, 280))) is None
    grainy = np.clip(255 * level + rng.normal(0, 4, (280, 280)), 0, 255).astype(np.uint8)
    assert to_mnist(grainy) is None


def photo(digit: np.ndarray, seed: int = 0) -> np.ndarray:
    """Dark ink on unevenly lit, slightly warm, grainy paper, as an 8-bit RGB photo."""
    rng = np.random.default_rng(seed)
    h, w = digit.shape
    paper = 0.72 + 0.06 * np.linspace(0, 1, w)[None, :] + rng.normal(0, 0.025, (h, w))
    grey = paper - 0.5 * (digit / 255.0)
    rgb = grey[..., None] * np.array([1.05, 1.0, 0.9])
    return (np.clip(rgb, 0, 1) * 255).round().astype(np.uint8)


@pytest.mark.parametrize("digit", [ring(280), draw(280, SEVEN), draw(600, FOUR)])
def test_a_photo_of_a_digit_reads_like_the_clean_drawing(digit):
    snapped = to_mnist(photo(digit))
    assert_mnist(snapped)
    assert difference(to_mnist(digit), snapped) < 0.02


def test_transparency_is_background():
    digit = ring(280)
    # Black ink on transparent pixels whose colour is left white, black, or random.
    for under in (255, 0, np.random.default_rng(0).integers(0, 256, (280, 280, 3))):
        rgba = np.zeros((280, 280, 4), np.uint8)
        rgba[..., :3] = under
        rgba[digit > 0] = (0, 0, 0, 255)
        np.testing.assert_allclose(to_mnist(rgba), to_mnist(digit), atol=1e-6)
    # White ink on transparent: the paper is then dark.
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[digit > 0] = 255
    np.testing.assert_allclose(to_mnist(rgba), to_mnist(digit), atol=1e-6)


def test_nan_is_background():
    digit = ring(280) / 255.0
    holes = digit.copy()
    holes[:, :40] = np.nan  # a stripe of missing pixels, border included
    holes[126, 154] = np.inf  # the paper inside the ring
    np.testing.assert_allclose(to_mnist(holes), to_mnist(digit), atol=1e-6)


@pytest.mark.parametrize("dtype,top", [(np.uint16, 65535), (np.int32, 255), (np.float64, 1),
                                        (np.float32, 255), (np.int64, -1)])
def test_value_ranges(dtype, top):
    digit = ring(280) / 255.0
    image = (digit * 1000 - 500) if top == -1 else digit * top  # -1: an arbitrary signed range
    np.testing.assert_allclose(to_mnist(image.astype(dtype)), to_mnist(digit), atol=0.02)


def test_lopsided_ink_stays_in_the_frame():
    # Almost all the mass is in a block at the top of a tall shape: centring that mass would push
    # the tail out of the bottom of the frame, so the shift stops at the frame's edge.
    image = np.zeros((280, 280), np.uint8)
    image[20:80, 40:240] = 255
    image[80:260, 138:142] = 255
    out = to_mnist(image)
    assert_mnist(out)
    rows = np.flatnonzero(out.any(axis=1))
    assert rows[-1] == SIZE - 1 and rows[-1] - rows[0] + 1 >= BOX - 1


def test_a_huge_image():
    # 20000 x 20000 uint8 (400 MB): block-averaged in integers before any float copy exists.
    digit = np.repeat(np.repeat(255 - draw(500, SEVEN), 40, axis=0), 40, axis=1)
    out = to_mnist(digit)
    assert_mnist(out)
    assert difference(out, to_mnist(draw(280, SEVEN))) < 0.01


def test_a_long_thin_strip():
    strip = np.zeros((3, 5000), np.uint8)
    strip[1, 2000:3000] = 255
    out = to_mnist(strip)
    assert_mnist(out)
    assert out.any(axis=1).sum() == 1 and out.any(axis=0).sum() >= BOX - 1


def test_bad_shapes_are_refused():
    for image in (np.zeros((4, 4, 5)), np.zeros(4), np.zeros((2,) * 4), np.zeros((4, 4), complex)):
        with pytest.raises(ValueError):
            to_mnist(image)


def assert_valid(out):
    assert out is None or (out.shape == (SIZE, SIZE) and out.dtype == np.float32
                           and out.min() >= 0 and out.max() == 1)


shapes = st.tuples(st.integers(0, 24), st.integers(0, 24)) | st.tuples(
    st.integers(0, 24), st.integers(0, 24), st.integers(1, 4))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(DTYPES).flatmap(lambda dtype: hnp.arrays(dtype, shapes)))
def test_any_small_array(image):
    assert_valid(to_mnist(image))


side = st.integers(1, 64) | st.integers(900, 1300)  # small, or past the shrink


@settings(max_examples=30, deadline=None)
@given(
    dtype=st.sampled_from(DTYPES),
    shape=st.tuples(side, side, st.sampled_from([0, 1, 2, 3, 4])),
    paper=st.floats(0, 1),
    ink=st.floats(0, 1),
    box=st.tuples(*[st.floats(0, 1)] * 4),
    noise=st.floats(0, 0.3),
    nans=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_big_array(dtype, shape, paper, ink, box, noise, nans, seed):
    """Random sizes (some past the shrink), a rectangle of ink, noise, and missing pixels."""
    h, w, channels = shape
    rng = np.random.default_rng(seed)
    x = np.full((h, w, max(channels, 1)), paper)
    y0, y1 = sorted(int(v * h) for v in box[:2])
    x0, x1 = sorted(int(v * w) for v in box[2:])
    x[y0:y1 + 1, x0:x1 + 1] = ink
    x += rng.normal(0, noise, x.shape)
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        if nans:
            x[rng.random(x.shape) < 0.1] = rng.choice([np.nan, np.inf, -np.inf])
        image = x.astype(dtype)
    elif dtype.kind == "b":
        image = x > 0.5
    else:
        top = min(np.iinfo(dtype).max, 65535)
        image = (np.clip(np.nan_to_num(x), 0, 1) * top).astype(dtype)
    assert_valid(to_mnist(image if channels else image[..., 0]))


def test_clear_ink_is_read_at_any_type_and_layout():
    digit = draw(280, FOUR)
    expected = to_mnist(digit)
    for image in (digit > 0, digit.astype(np.float16) / 255, np.dstack([digit] * 3),
                  np.dstack([digit, np.full_like(digit, 255)]), digit[..., None],
                  np.asfortranarray(digit), (digit.astype(np.uint16) * 257).astype(">u2")):
        np.testing.assert_allclose(to_mnist(image), expected, atol=0.01)
