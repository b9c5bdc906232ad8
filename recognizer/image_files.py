"""Read image files (PNG, JPEG, BMP, GIF, TIFF, WebP, ... whatever Pillow decodes) into arrays
for to_mnist, with Pillow: no Qt, no display, and nothing printed to stderr.

Only regular files are opened. The pixel count is checked from the header before anything is
decoded, so a decompression bomb is refused at once; large images are scaled down while decoding
where the format allows (JPEG's draft mode) and right after otherwise. EXIF orientation is applied,
16-bit images keep their full range, an animated image gives its first frame.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from recognizer.errors import ImageError
from recognizer.fileio import NotRegularFile, open_regular, shown

MAX_PIXELS = 100_000_000  # refused from the header alone: no drawing of a digit is this big
MAX_SIDE = 2048  # bigger images are scaled down; the digit ends up 20 px anyway
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
# read_image checks the pixel count itself, from the header, and names the size in its message;
# Pillow's own check would refuse first with a vaguer one (the app is the process's only user).
Image.MAX_IMAGE_PIXELS = None


def _fit(width: int, height: int) -> tuple[int, int]:
    scale = MAX_SIDE / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())[:200] or type(e).__name__


def read_image(path: str | Path) -> np.ndarray:
    """Decode an image file into (H, W) uint8 grey, or (H, W, 4) uint8 RGBA if it has alpha
    (what is transparent is background, and only to_mnist can tell which colour that is).

    Raises ImageError, with a one-line message naming the file, if it cannot be read.
    """
    path = Path(path)

    def failure(reason: str) -> ImageError:
        return ImageError(f"Cannot read image {shown(path)}: {reason.strip().rstrip('.')}.")

    try:
        f = open_regular(path)
    except FileNotFoundError:
        raise failure("no such file") from None
    except NotRegularFile as e:
        raise failure(e.strerror) from None
    except OSError as e:
        raise failure(e.strerror or _one_line(e)) from None
    with f, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "Truncated File Read", for what we refuse anyway
        if os.fstat(f.fileno()).st_size == 0:
            raise failure("the file is empty")
        try:
            image = Image.open(f)
        except UnidentifiedImageError:
            raise failure("not an image, or an image format that cannot be read") from None
        except Exception as e:  # a header so broken that Pillow trips over it
            raise failure(f"not a readable image ({_one_line(e)})") from None
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise failure(f"it is {width}x{height} pixels, more than the {MAX_PIXELS / 1e6:g} megapixels allowed")
        if width == 0 or height == 0:
            raise failure(f"it is {width}x{height} pixels: there is nothing in it")
        try:
            if max(width, height) > MAX_SIDE:
                image.draft(None, _fit(width, height))  # JPEG decodes at 1/2, 1/4, 1/8 directly
            image.load()
            return _to_array(ImageOps.exif_transpose(image))
        except MemoryError:
            raise failure("not enough memory to decode it") from None
        except Exception as e:  # truncated, broken checksums, bad EXIF...: all "cannot decode"
            raise failure(f"it could not be decoded ({_one_line(e)})") from None


def _to_array(image: Image.Image) -> np.ndarray:
    """Grey or RGBA uint8, scaled to fit MAX_SIDE."""
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 1.0 if image.mode == "F" else 65535.0  # "I" comes from 16-bit files in practice
        grey = np.rint(np.clip(values, 0, top) * (255.0 / top)).astype(np.uint8)
        image = Image.fromarray(grey, "L")
    elif image.mode in _ALPHA_MODES or "transparency" in image.info:
        image = image.convert("RGBA")
    elif image.mode != "L":
        # Colour becomes grey here: to_mnist would do the same, and grey is a third of the memory.
        image = image.convert("RGB").convert("L")
    if max(image.size) > MAX_SIDE:
        image = image.resize(_fit(*image.size), Image.Resampling.BOX, reducing_gap=2.0)
    return np.array(image, dtype=np.uint8)
