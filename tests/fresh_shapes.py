"""A second set of non-digits, made after the verdict and the outlier training were designed and
never used by either: fresh drawn shapes (as strokes on the canvas) and printed symbols and
letters (as pictures, through the image path, in the fonts this machine has).

tests/shapes.py holds the first set; recognizer/datasets/outliers.py what training shows the network.
Nothing here may be copied into either: this set only measures.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from shapes import _circle, _place


def _arrow(rng):
    return [np.array([[0.0, 0.5], [1.0, 0.5]]), np.array([[0.7, 0.25], [1.0, 0.5], [0.7, 0.75]])]


def _heart(rng):
    t = np.linspace(0, 2 * math.pi, 48)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return [np.stack([(x + 17) / 34, (y + 17) / 34], axis=1)]


def _smiley(rng):
    return [_circle(0.5, 0.5, 0.5), np.array([[0.33, 0.35], [0.34, 0.4]]), np.array([[0.66, 0.35], [0.67, 0.4]]),
            _circle(0.5, 0.5, 0.28, 30, 150, 12)]


def _infinity(rng):
    t = np.linspace(0, 2 * math.pi, 60)
    return [np.stack([0.5 + 0.5 * np.cos(t), 0.5 + 0.25 * np.sin(2 * t)], axis=1)]


def _check(rng):
    return [np.array([[0.0, 0.55], [0.35, 0.95], [1.0, 0.0]])]


def _lightning(rng):
    return [np.array([[0.6, 0.0], [0.25, 0.55], [0.6, 0.5], [0.35, 1.0]])]


def _pi(rng):
    return [np.array([[0.0, 0.2], [1.0, 0.2]]), np.array([[0.3, 0.2], [0.25, 1.0]]), np.array([[0.7, 0.2], [0.75, 1.0]])]


def _sigma(rng):
    return [np.array([[0.9, 0.05], [0.1, 0.05], [0.55, 0.5], [0.1, 0.95], [0.9, 0.95]])]


def _envelope(rng):
    return [np.array([[0.0, 0.2], [1.0, 0.2], [1.0, 0.8], [0.0, 0.8], [0.0, 0.2], [0.5, 0.55], [1.0, 0.2]])]


def _tree(rng):
    return [np.array([[0.5, 0.0], [0.95, 0.7], [0.05, 0.7], [0.5, 0.0]]), np.array([[0.5, 0.7], [0.5, 1.0]])]


def _sun(rng):
    rays = [np.array([[0.5 + 0.3 * math.cos(a), 0.5 + 0.3 * math.sin(a)], [0.5 + 0.5 * math.cos(a), 0.5 + 0.5 * math.sin(a)]])
            for a in np.radians(np.arange(0, 360, 45))]
    return [_circle(0.5, 0.5, 0.2)] + rays


def _wave(rng):
    x = np.linspace(0, 1, 50)
    return [np.stack([x, 0.5 + 0.25 * np.sin(x * rng.uniform(3, 5) * 2 * math.pi)], axis=1)]


def _scratch_out(rng):
    """What a person does to cross something out (issue 24: a scribble read as "3, 97 % sure"):
    one stroke going back and forth, each pass a little lower."""
    k = int(rng.integers(7, 14))
    x = np.where(np.arange(k) % 2 == 0, 0.05, 0.95) + rng.normal(0, 0.04, k)
    y = np.linspace(0.05, 0.95, k) + rng.normal(0, 0.03, k)
    return [np.stack([x, y], axis=1)]


def _tangle(rng):
    """A loopy scribble: one stroke circling round and round off-centre."""
    t = np.linspace(0, 2 * math.pi * rng.uniform(2.5, 4), 150)
    f = rng.uniform(3.5, 5.5, 2)
    return [np.stack([0.5 + 0.3 * np.cos(t) + 0.2 * np.cos(f[0] * t), 0.5 + 0.3 * np.sin(1.2 * t) + 0.2 * np.sin(f[1] * t)], axis=1)]


def _drawn_square(rng):
    """A square as a hand draws it (issue 24: read as "0, 84 %"): one stroke from the top left
    corner round and back, the corners a little off, the end overshooting the start."""
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0], [0.15, 0.0]])
    return [corners + rng.normal(0, 0.03, corners.shape)]


FRESH_FAMILIES = {
    "arrow": _arrow, "heart": _heart, "smiley": _smiley, "infinity": _infinity, "check mark": _check,
    "lightning": _lightning, "pi": _pi, "sigma": _sigma, "envelope": _envelope, "tree": _tree,
    "sun": _sun, "wave": _wave, "scratch-out": _scratch_out, "tangle": _tangle, "drawn square": _drawn_square,
}


def fresh_drawings(seed: int = 1, per_family: int = 20) -> list[tuple[str, list[np.ndarray]]]:
    """(family, strokes) pairs on the 280 x 280 canvas, 25-90 % of its side."""
    rng = np.random.default_rng(seed)
    return [(name, _place(make(rng), rng, rng.uniform(0.25, 0.9) * 280.0))
            for name, make in FRESH_FAMILIES.items() for _ in range(per_family)]


# Printed characters that are no digit and look like none (no O, I, l, !, S, $, §, Z, B, G, b, g,
# q), and that training never draws (outliers.py draws A, E, F, H, K, N, T, V and X as strokes).
GLYPHS = "MRWY&%@#?=+*<>{}€£¥¶ΩπΣλΨΦ♥♦♣♠☺✓→∞"
_SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
)


def glyph_fonts(size: int = 160) -> list[tuple[str, ImageFont.ImageFont]]:
    """Pillow's own font (always there) and the DejaVu fonts where the machine has them."""
    fonts = [("Pillow default", ImageFont.load_default(size))]
    fonts += [(Path(p).stem, ImageFont.truetype(p, size)) for p in _SYSTEM_FONTS if Path(p).exists()]
    return fonts


def glyph_pictures(size: int = 200) -> list[tuple[str, np.ndarray]]:
    """(label, picture): every glyph of GLYPHS the font can draw, black on white, uint8 (size, size),
    as a photo or scan of a printed character would come in."""
    def draw(ch, font):
        image = Image.new("L", (size, size), 255)
        pen = ImageDraw.Draw(image)
        box = pen.textbbox((0, 0), ch, font=font)
        pen.text(((size - box[2] - box[0]) / 2, (size - box[3] - box[1]) / 2), ch, fill=0, font=font)
        return np.asarray(image)

    out = []
    for font_name, font in glyph_fonts(int(size * 0.7)):
        missing = draw("\U0010fffd", font)  # what the font draws for a character it lacks
        for ch in GLYPHS:
            picture = draw(ch, font)
            if (picture < 128).sum() >= 20 and not np.array_equal(picture, missing):
                out.append((f"{ch} ({font_name})", picture))
    return out
