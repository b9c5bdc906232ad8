"""Training-time augmentation: small random shifts, rotations and scalings, as people draw.

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
