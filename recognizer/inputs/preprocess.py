"""Turn any grey or colour image into the 28x28 picture the model was trained on, the way MNIST
made its digits: ink high on a zero background, the ink's bounding box fitted into 20x20 with
its aspect ratio kept, then shifted so its centre of mass sits at the centre of the 28x28 frame.

Qt-free: the GUI calls to_mnist after every stroke, the CLI on image files, the tests on arrays.
"""

import numpy as np
import torch
import torch.nn.functional as F

from ..network.dims import BOX, CENTRE, SIZE  # 28, MNIST's 20 px box and its centre of mass at (14, 14)

MAX_SIDE = 1024  # huge images are block-averaged down to this first; a 20 px digit needs no more

# Paper is never perfectly flat: a pixel is ink only where it differs from the paper by more than
# NOISE_SIGMAS standard deviations of the border's noise (5 sigma: even a megapixel of Gaussian
# noise almost never gets that far), and the strongest ink must stand out by MIN_CONTRAST more.
NOISE_SIGMAS = 5.0
MIN_CONTRAST = 0.1
# Marks fainter than this share of the strongest ink are halos (JPEG ringing, blur, anti-aliased
# pen edges), not strokes: MNIST's bounding boxes were taken on binary scans, so they don't count.
FAINT = 0.25
# Less ink than this (in pixels of full ink; a share of the image, so scale does not change the
# answer) is a speck, not a digit: the answer is "nothing to read" rather than a guess.
MIN_INK_SHARE = 2e-4
MIN_INK_PIXELS = 2.0

# Uneven light: when the paper along the border varies smoothly by more than this (beyond its
# pixel noise), the paper is estimated everywhere (a morphological closing at low resolution,
# smoothed) and subtracted before the ink test; flat paper and the canvas keep the old path.
UNEVEN = 0.1
BACKGROUND_SIDE = 64  # the background is estimated on the image shrunk to this long side
# Stroke width of MNIST's digits, measured on the test set as 2 * area / perimeter of the ink
# above 0.5 in the 28x28 frame (benchmarks/bench_trust.py): 5th, 50th and 95th percentiles.
MNIST_WIDTH = (2.1, 2.9, 4.4)
WIDTH_SCALE = 4  # stroke widths are normalised on the crop fitted into WIDTH_SCALE * BOX
# Only widths clearly outside MNIST's range are changed (a quarter beyond its 5th and 95th
# percentiles): near the edges of the range the estimate wobbles with the drawing's resolution.
WIDTH_SLACK = 1.25

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601, as in most grey conversions


def to_mnist(image: np.ndarray) -> np.ndarray | None:
    """Return the (28, 28) float32 image in [0, 1] with maximum 1, or None if there is nothing
    to read (no contrast, or too little ink). image: as ink_image's."""
    ink = ink_image(image)
    return None if ink is None else frame_ink(ink)


def ink_image(image: np.ndarray) -> np.ndarray | None:
    """The image's ink before to_mnist frames it: (H, W) float32 in [0, 1], ink high on paper 0,
    at the image's own resolution (block-averaged to MAX_SIDE at most); None if there is nothing
    to read. What the window shows of an opened or pasted picture: the picture, not its 28x28.

    image: (H, W) grey, or (H, W, C) with C = 3 (RGB), 4 (RGBA), 1 (grey) or 2 (grey + alpha);
    of any integer, bool or float type. uint8, uint16 and bool use their full range; other types
    are scaled from [0, 1], [0, 255] or [0, 65535] when their values fit in one, else from their
    own minimum and maximum. NaN, infinities and transparent pixels count as background.
    """
    return ink_of(image)[0]


def ink_of(image: np.ndarray) -> tuple[np.ndarray | None, tuple[int, int]]:
    """The image's ink, 0 (paper) to 1, as to_mnist frames it (None: nothing to read), and the
    factors (ky, kx) it was shrunk by (an image longer than MAX_SIDE is block-averaged first):
    ink pixel (r, c) covers image pixels (r * ky, c * kx) to ((r + 1) * ky, (c + 1) * kx).
    The image is any that to_mnist takes; ValueError for others."""
    image = np.asarray(image)
    if image.ndim not in (2, 3) or (image.ndim == 3 and not 1 <= image.shape[2] <= 4):
        raise ValueError(f"expected an (H, W) or (H, W, 1-4) image, got shape {image.shape}")
    if image.dtype.kind not in "biuf":
        raise ValueError(f"expected an integer, bool or float image, got {image.dtype}")
    if image.size == 0:
        return None, (1, 1)
    k = _shrink_factor(image)
    factors = (min(k, image.shape[0]), min(k, image.shape[1]))
    value_range = _value_range(image)
    if value_range is None:
        return None, factors
    grey, weight = _grey(_shrink(image), *value_range)
    ink = _ink(grey, weight)
    return (None if ink is None else ink.astype(np.float32, copy=False)), factors


def _value_range(image: np.ndarray) -> tuple[float, float] | None:
    """The raw values that mean black and white, or None if no value is finite."""
    if image.dtype == np.bool_:
        return 0.0, 1.0
    if image.dtype.kind == "u" and image.dtype.itemsize <= 2:
        return 0.0, float(np.iinfo(image.dtype).max)
    if image.dtype.kind == "f":
        finite = np.isfinite(image)
        if not finite.any():
            return None
        lo = float(image.min(where=finite, initial=np.inf))
        hi = float(image.max(where=finite, initial=-np.inf))
    else:
        lo, hi = float(image.min()), float(image.max())
    for top in (1.0, 255.0, 65535.0):
        if 0 <= lo and hi <= top:
            return 0.0, top
    return lo, hi


def _shrink_factor(image: np.ndarray) -> int:
    return -(-max(image.shape[:2]) // MAX_SIDE)


def _shrink(image: np.ndarray) -> np.ndarray:
    """Block-average an image longer than MAX_SIDE, in its own type with an integer accumulator
    where it can, so no float copy of the full image is made (20000x20000 uint8: half a second).

    Channels are averaged independently, not alpha-premultiplied: toward a 20 px digit that only
    softens the edges of strokes. A float block holding a NaN becomes NaN, i.e. background.
    """
    k = _shrink_factor(image)
    if k == 1:
        return image
    # A side shorter than k (a long thin strip) keeps one block across rather than vanishing.
    ky, kx = min(k, image.shape[0]), min(k, image.shape[1])
    # Dropping the last < k rows and columns loses at most a 1/MAX_SIDE sliver at the edge.
    h, w = image.shape[0] // ky * ky, image.shape[1] // kx * kx
    blocks = image[:h, :w].reshape(h // ky, ky, w // kx, kx, *image.shape[2:])
    exact = image.dtype.kind in "biu" and image.dtype.itemsize <= 4
    with np.errstate(over="ignore", invalid="ignore"):  # overflowing float sums become background
        return blocks.sum(axis=(1, 3), dtype=np.int64 if exact else np.float64) / (ky * kx)


def _grey(image: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray | None]:
    """Scale to [0, 1] and reduce to one grey channel. Also returns the weight of each pixel,
    1 where it is seen and 0 where it shows the background (transparent, NaN or infinite), or
    None when every pixel is seen."""
    # float32 holds 8- and 16-bit values exactly and is fast; wider types need float64's range.
    work = np.float32 if image.dtype.itemsize <= 2 else np.float64
    x = image.astype(work)
    # In place: a chain of fresh temporaries costs more than the arithmetic at canvas sizes.
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing range gives NaN: background
        x -= lo
        x /= hi - lo
    x = x.astype(np.float32, copy=False)
    weight = None
    bad = ~np.isfinite(x)
    if bad.any():
        x[bad] = 0.0
        weight = (~(bad.any(axis=2) if x.ndim == 3 else bad)).astype(np.float32)
    if x.ndim == 3:
        if x.shape[2] in (2, 4):  # the last channel is alpha
            alpha = np.clip(x[..., -1], 0.0, 1.0)
            if alpha.min() < 1:  # an opaque image (a screenshot, say) needs no compositing
                weight = alpha if weight is None else weight * alpha
            x = x[..., :-1]
        x = x @ LUMA if x.shape[2] == 3 else x[..., 0]
    return x, weight


def _ink(grey: np.ndarray, weight: np.ndarray | None) -> np.ndarray | None:
    """Ink as 0 (paper) to 1 (the darkest or brightest stroke), or None if there is none."""
    border = np.concatenate([grey[0], grey[-1], grey[1:-1, 0], grey[1:-1, -1]])
    if weight is not None:
        seen = np.concatenate([weight[0], weight[-1], weight[1:-1, 0], weight[1:-1, -1]]) > 0.5
        border = border[seen]
    if border.size:
        paper = float(np.median(border))
        sigma = 1.4826 * float(np.median(np.abs(border - paper)))  # MAD: robust to ink on the edge
    else:
        # The border is all transparent, so the paper is whichever extreme the marks are not.
        visible = grey[weight > 0.5]
        if visible.size == 0:
            return None
        paper, sigma = (1.0 if np.median(visible) < 0.5 else 0.0), 0.0
    if weight is not None:
        grey = weight * grey + (1.0 - weight) * paper
    background = _uneven_paper(grey, paper) if border.size and weight is None else None
    if background is not None:
        grey = grey - background + paper  # the paper made flat at its median level
        border = np.concatenate([grey[0], grey[-1], grey[1:-1, 0], grey[1:-1, -1]])
        sigma = 1.4826 * float(np.median(np.abs(border - paper)))
    # Light paper means dark ink: invert so that ink is high, as in MNIST.
    ink = paper - grey if paper > 0.5 else grey - paper
    noise, peak = NOISE_SIGMAS * sigma, float(ink.max())
    if peak - noise < MIN_CONTRAST:
        return None
    floor = max(noise, FAINT * peak)
    ink = np.clip((ink - floor) / (peak - floor), 0.0, 1.0)
    if ink.sum() < max(MIN_INK_PIXELS, MIN_INK_SHARE * ink.size):
        return None
    return ink


def _uneven_paper(grey: np.ndarray, paper: float) -> np.ndarray | None:
    """The paper's brightness at every pixel when the border shows it varies smoothly by more
    than UNEVEN (a photo lit from one side), else None. Dark ink on light paper is removed by a
    closing (max then min filter) wider than any stroke, light ink on dark paper by an opening."""
    sides = [grey[0], grey[-1], grey[:, 0], grey[:, -1]]
    if min(len(x) for x in sides) < 16:
        return None
    smooth = []
    for side in sides:  # a running mean over a twentieth of the side leaves the slow changes
        k = max(3, len(side) // 20)
        smooth.append(np.convolve(side, np.ones(k) / k, mode="valid"))
    smooth = np.concatenate(smooth)
    if float(np.quantile(smooth, 0.98) - np.quantile(smooth, 0.02)) < UNEVEN:
        return None
    t = torch.from_numpy(np.ascontiguousarray(grey, dtype=np.float32))[None, None]
    scale = BACKGROUND_SIDE / max(grey.shape)
    small_size = tuple(max(4, round(n * scale)) for n in grey.shape)
    small = F.interpolate(t, size=small_size, mode="bilinear", antialias=True)
    k = max(3, max(small_size) // 4) | 1
    sign = 1.0 if paper > 0.5 else -1.0  # closing on light paper, opening on dark

    def grow(x):  # max filter of the paper's side
        return sign * F.max_pool2d(sign * F.pad(x, (k // 2,) * 4, mode="replicate"), k, stride=1)

    def shrink(x):
        return -sign * F.max_pool2d(-sign * F.pad(x, (k // 2,) * 4, mode="replicate"), k, stride=1)

    bg = shrink(grow(small))
    bg = F.avg_pool2d(F.pad(bg, (k // 2,) * 4, mode="replicate"), k, stride=1)
    return F.interpolate(bg, size=grey.shape, mode="bilinear", align_corners=False)[0, 0].numpy()


def stroke_width(ink: np.ndarray) -> float:
    """2 * area / perimeter of the ink above 0.5 (in pixels): about the strokes' width."""
    b = ink > 0.5
    area = int(b.sum())
    if area == 0:
        return 0.0
    p = np.pad(b, 1)
    inner = p[1:-1, 1:-1] & p[:-2, 1:-1] & p[2:, 1:-1] & p[1:-1, :-2] & p[1:-1, 2:]
    return 2.0 * area / max(int((b & ~inner).sum()), 1)


def _morph(mask: torch.Tensor, radius: float, grow: bool) -> torch.Tensor:
    """Dilate (grow) or erode a (1, 1, H, W) 0/1 mask by about `radius` pixels: 3x3 square and
    plus-shaped steps in turn, an octagon close to a disc, a few cheap pooling calls."""
    x = mask if grow else 1.0 - mask
    for i in range(max(1, round(radius))):
        if i % 2 == 0:
            x = F.max_pool2d(x, 3, stride=1, padding=1)
        else:
            x = torch.maximum(F.max_pool2d(x, (1, 3), stride=1, padding=(0, 1)),
                              F.max_pool2d(x, (3, 1), stride=1, padding=(1, 0)))
    return x if grow else 1.0 - x


def _normalise_width(crop: np.ndarray) -> np.ndarray:
    """Thin strokes far bolder than MNIST's, or thicken ones far thinner, toward MNIST's median
    width; the crop comes back unchanged when its width is within MNIST's 5-95% range, when it is
    a line (its thickness is then its whole extent) or when the change would not bring it closer."""
    scale = WIDTH_SCALE * BOX / max(crop.shape)
    size = tuple(max(1, round(n * scale)) for n in crop.shape)
    lo, mid, hi = (WIDTH_SCALE * BOX / 20 * w for w in MNIST_WIDTH)
    lo, hi = lo / WIDTH_SLACK, hi * WIDTH_SLACK
    if min(size) < 2 * hi:
        return crop
    if lo <= stroke_width(crop) * scale <= hi:  # the common case, measured without resampling
        return crop
    big = F.interpolate(torch.from_numpy(np.ascontiguousarray(crop, dtype=np.float32))[None, None],
                        size=size, mode="bilinear", antialias=True)[0, 0].numpy()
    width = stroke_width(big)
    if lo <= width <= hi or width == 0:
        return crop
    radius = abs(width - mid) / 2
    if radius < 0.5:
        return crop
    pad = int(np.ceil(radius)) + 1  # room to grow, and paper all round to erode from
    mask = torch.from_numpy(np.pad(big > 0.5, pad).astype(np.float32))[None, None]
    out = _morph(mask, radius, grow=width < lo)[0, 0].numpy()
    rows, cols = np.flatnonzero(out.any(axis=1)), np.flatnonzero(out.any(axis=0))
    if not len(rows):
        return crop
    out = out[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    if out.sum() < 0.15 * (big > 0.5).sum() or abs(stroke_width(out) - mid) >= abs(width - mid):
        return crop
    return out


def frame_ink(ink: np.ndarray) -> np.ndarray:
    """MNIST's recipe: crop to the ink, fit into BOX x BOX, centre the mass in SIZE x SIZE (with
    the stroke width brought toward MNIST's where it is far from it, see _normalise_width)."""
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = _normalise_width(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
    scale = BOX / max(crop.shape)
    h, w = (max(1, round(n * scale)) for n in crop.shape)
    digit = F.interpolate(
        torch.from_numpy(np.ascontiguousarray(crop, dtype=np.float32))[None, None],
        size=(h, w),
        mode="bilinear",
        antialias=True,  # area-like averaging when shrinking, so thin strokes fade, not vanish
    )[0, 0].numpy()
    digit /= digit.max()  # resampling dims the peak; the model saw digits whose ink reached 1
    mass = digit.sum()
    cy = digit.sum(axis=1) @ np.arange(h) / mass
    cx = digit.sum(axis=0) @ np.arange(w) / mass
    # Whole-pixel shift as MNIST did; clamped so that no ink leaves the frame.
    top = min(max(int(round(CENTRE - cy)), 0), SIZE - h)
    left = min(max(int(round(CENTRE - cx)), 0), SIZE - w)
    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    out[top : top + h, left : left + w] = digit
    return out
