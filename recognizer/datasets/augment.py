"""Training-time augmentation: small random shifts, rotations and scalings, as people draw; and
what other sources do to a digit (scans, photos, thick pens: other_sources).

One random affine transform per image, applied to the whole batch at once with affine_grid and
grid_sample, drawn from the caller's generator so that a seed fixes the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AugmentConfig:
    max_shift: float = 2.0  # pixels
    max_rotation: float = 12.0  # degrees
    max_scale: float = 0.12  # relative: 1 ± this
    max_shear: float = 0.15


def random_affine(images: torch.Tensor, generator: torch.Generator, cfg: AugmentConfig = AugmentConfig()) -> torch.Tensor:
    """(B, 28, 28) in [0, 1] -> the same images, each moved by its own small random transform."""
    b, h, w = images.shape

    def uniform(limit: float) -> torch.Tensor:
        return (torch.rand(b, generator=generator) * 2 - 1) * limit

    angle = uniform(math.radians(cfg.max_rotation))
    scale = 1 + uniform(cfg.max_scale)
    shear = uniform(cfg.max_shear)
    # affine_grid maps output coordinates in [-1, 1] to input ones, so a shift of s pixels is
    # 2s / size in those units.
    tx = uniform(2 * cfg.max_shift / w)
    ty = uniform(2 * cfg.max_shift / h)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin + shear * cos, tx], 1), torch.stack([sin, cos + shear * sin, ty], 1)], 1
    ).to(images.device)
    grid = F.affine_grid(theta, (b, 1, h, w), align_corners=False)
    return F.grid_sample(images[:, None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)[:, 0]


def dilate(images: torch.Tensor) -> torch.Tensor:
    """(B, 28, 28) -> each pixel the brightest of its 3x3 neighbourhood: strokes about 2 px wider."""
    return F.max_pool2d(images[:, None], 3, stride=1, padding=1)[:, 0]


def erode(images: torch.Tensor) -> torch.Tensor:
    """The darkest of the 3x3 neighbourhood: strokes about 2 px thinner."""
    return -F.max_pool2d(-images[:, None], 3, stride=1, padding=1)[:, 0]


def _blur(images: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    r = torch.arange(-2, 3, dtype=images.dtype, device=images.device)
    k = torch.exp(-(r**2) / (2 * sigma**2))
    k = k / k.sum()
    x = F.conv2d(images[:, None], k.view(1, 1, 1, 5), padding=(0, 2))
    x = F.conv2d(x, k.view(1, 1, 5, 1), padding=(2, 0))[:, 0]
    return x / x.amax(dim=(1, 2), keepdim=True).clamp_min(1e-6)  # the ink's peak back at 1


def _low_resolution(images: torch.Tensor, side: int) -> torch.Tensor:
    small = F.interpolate(images[:, None], size=(side, side), mode="area")
    return F.interpolate(small, size=images.shape[1:], mode="bilinear", align_corners=False)[:, 0]


def _warp(images: torch.Tensor, generator: torch.Generator, stretch: float, elastic: float) -> torch.Tensor:
    """One random anisotropic stretch (1 ± stretch along x or y) and one smooth random
    displacement field (elastic distortion, about `elastic` pixels) per image."""
    b, h, w = images.shape
    sx = 1 + (torch.rand(b, generator=generator) * 2 - 1) * stretch
    sy = 1 + (torch.rand(b, generator=generator) * 2 - 1) * stretch
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0], theta[:, 1, 1] = 1 / sx, 1 / sy
    grid = F.affine_grid(theta.to(images.device), (b, 1, h, w), align_corners=False)
    coarse = torch.randn(b, 2, 4, 4, generator=generator) * (2 * elastic / w)
    field = F.interpolate(coarse, size=(h, w), mode="bicubic", align_corners=False).permute(0, 2, 3, 1)
    return F.grid_sample(images[:, None], grid + field.to(images.device), mode="bilinear",
                         padding_mode="zeros", align_corners=False)[:, 0]  # fmt: skip


# What other sources do to a digit, one kind per image (or none): a scan's thick or thin pen,
# a scanner's blur or threshold, a photo's few pixels, a digit stretched to fill its box, a
# hand MNIST never saw. Strengths are those seen in such images once to_mnist has framed them.
SOURCE_KINDS = ("thicker", "thinner", "blur", "binarise", "low resolution", "warp")
SOURCE_SHARE = 0.5  # of the images that get one of them


def other_sources(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """(B, 28, 28) in [0, 1] -> each image, with probability SOURCE_SHARE, changed by one of
    SOURCE_KINDS at a random strength; each kind is computed on its own images only."""
    b = images.shape[0]
    amount = torch.rand(b, 1, 1, generator=generator).to(images.device)
    kind = torch.randint(len(SOURCE_KINDS), (b,), generator=generator).to(images.device)
    changed = (torch.rand(b, generator=generator) < SOURCE_SHARE).to(images.device)
    side = int(torch.randint(10, 16, (1,), generator=generator))
    options = (
        lambda x, a: x + (0.4 + 0.6 * a) * (dilate(x) - x),
        lambda x, a: x + (0.3 + 0.5 * a) * (erode(x) - x),
        lambda x, a: _blur(x, 0.8),
        lambda x, a: (x > 0.25 + 0.4 * a).to(x.dtype),
        lambda x, a: _low_resolution(x, side),
        lambda x, a: _warp(x, generator, stretch=0.25, elastic=1.2),
    )
    out = images.clone()
    for k, option in enumerate(options):
        pick = torch.nonzero(changed & (kind == k)).flatten()
        if len(pick):
            out[pick] = option(images[pick], amount[pick])
    return out.clamp_(0.0, 1.0)
