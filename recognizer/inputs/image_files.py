"""Read image files (PNG, JPEG, BMP, GIF, TIFF, WebP, ... whatever Pillow decodes) into arrays
for to_mnist, with Pillow: no Qt, no display, and nothing printed to stderr.

Only regular files are opened. The pixel count, and the memory the decoded pixels take, are
checked from the header before anything is decoded, so a decompression bomb is refused at once;
large images are scaled down while decoding where the format allows (JPEG's draft mode), and
otherwise strip by strip right after, each strip converted to 8 bits and block-averaged on its
own: no full-size copy beyond the decoded image itself (a 100-megapixel 16-bit PNG used to take
2.9 GB in `predict`). EXIF orientation is applied, 16-bit images keep their full range, an
animated image gives its first frame.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from recognizer.errors import ImageError
from recognizer.files.safe_io import NotRegularFile, open_regular, shown

MAX_PIXELS = 100_000_000  # refused from the header alone: no drawing of a digit is this big
# The decoded image is the one full-size thing held (Pillow keeps 1 byte a pixel for grey and
# palette images, 2 for 16-bit grey, 4 for RGB, RGBA and float): at most this, so that `predict`
# (torch and the model take about 250 MB) stays under 600 MB with any image it accepts.
MAX_DECODED_BYTES = 200 * 2**20  # a 100-megapixel 16-bit image; RGBA, RGB or float up to 52
MAX_SIDE = 2048  # bigger images are scaled down; the digit ends up 20 px anyway
STRIP_PIXELS = 2**20  # pixels converted at a time when scaling down
_ORIENTATIONS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
                 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
                 8: Image.Transpose.ROTATE_90}  # EXIF's orientation tag, as ImageOps.exif_transpose reads it  # fmt: skip
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
            decoded = image.size[0] * image.size[1] * _bytes_per_pixel(image.mode)
            if decoded > MAX_DECODED_BYTES:
                raise failure(f"it is {width}x{height} pixels of {image.mode}, {decoded / 2**20:,.0f} MB once decoded, "
                              f"more than the {MAX_DECODED_BYTES / 2**20:g} MB allowed")  # fmt: skip
            orientation = _ORIENTATIONS.get(image.getexif().get(0x0112))
            image.load()
            small = _to_array(image)
            return small if orientation is None else np.ascontiguousarray(_transpose(small, orientation))
        except ImageError:
            raise
        except MemoryError:
            raise failure("not enough memory to decode it") from None
        except Exception as e:  # truncated, broken checksums, bad EXIF...: all "cannot decode"
            raise failure(f"it could not be decoded ({_one_line(e)})") from None


def _bytes_per_pixel(mode: str) -> int:
    return 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4


def _transpose(pixels: np.ndarray, method: Image.Transpose) -> np.ndarray:
    """Image.transpose on an (H, W) or (H, W, 4) array, after scaling down: a small copy."""
    return np.asarray(Image.fromarray(pixels).transpose(method))


def _to_array(image: Image.Image) -> np.ndarray:
    """Grey or RGBA uint8, scaled to fit MAX_SIDE: block-averaged by a whole factor strip by strip,
    so that no full-size copy of the decoded image is made, then fitted exactly."""
    width, height = image.size
    alpha = image.mode in _ALPHA_MODES or "transparency" in image.info
    factor = max(1, max(width, height) // MAX_SIDE)
    if factor == 1:
        small = _eight_bits(image, alpha)
    else:
        small = Image.new("RGBA" if alpha else "L", (-(-width // factor), -(-height // factor)))
        rows = factor * max(1, STRIP_PIXELS // (width * factor))  # whole blocks of rows per strip
        for top in range(0, height, rows):
            strip = _eight_bits(image.crop((0, top, width, min(height, top + rows))), alpha)
            small.paste(strip.reduce(factor), (0, top // factor))
    if max(small.size) > MAX_SIDE:
        small = small.resize(_fit(*small.size), Image.Resampling.BOX, reducing_gap=2.0)
    return np.array(small, dtype=np.uint8)


def _eight_bits(image: Image.Image, alpha: bool) -> Image.Image:
    """The same pixels as 8-bit grey ("L"), or RGBA when alpha."""
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        values = np.array(image, dtype=np.float32)  # a strip's own copy, written in place below
        top = 1.0 if image.mode == "F" else 65535.0  # "I" comes from 16-bit files in practice
        np.clip(values, 0, top, out=values)  # NaN stays NaN: nan_to_num makes it 0 below
        grey = np.rint(np.nan_to_num(values, copy=False) * (255.0 / top)).astype(np.uint8)
        return Image.fromarray(grey, "L")
    if alpha:
        return image.convert("RGBA")
    # Colour becomes grey here: to_mnist would do the same, and grey is a third of the memory.
    return image if image.mode == "L" else image.convert("RGB").convert("L")
