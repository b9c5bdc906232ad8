"""Images near the limits stay under 600 MB in `predict` (torch and the model included): 16-bit,
float and RGBA images are scaled down strip by strip after decoding, and an image whose decoded
pixels alone would take more than image_files.MAX_DECODED_BYTES is refused from its header."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib

import pytest

from recognizer.errors import ImageError
from recognizer.inputs import image_files
from recognizer.inputs.image_files import read_image

PEAK_LIMIT_KB = 600 * 1024

# Files near the limits, made in a child of their own (their making takes memory too): 100
# megapixels of 16-bit grey (190 MB decoded), and float and RGBA at 7240x7240 (200 MB decoded).
MAKE = """
import sys
from PIL import Image, ImageDraw
folder = sys.argv[1]
for name, mode, size, paper, ink, options in [
        ("grey16.png", "I;16", 10000, 65535, 0, {}),
        ("float.tif", "F", 7240, 1.0, 0.0, {"compression": "tiff_deflate"}),
        ("rgba.png", "RGBA", 7240, (255, 255, 255, 0), (0, 0, 0, 255), {})]:
    image = Image.new(mode, (size, size), paper)
    ImageDraw.Draw(image).rectangle((size * 3 // 10, size // 5, size // 2, size * 4 // 5), fill=ink)  # a 1
    image.save(f"{folder}/{name}", **options)
    del image
"""

# predict in a child of this child: RUSAGE_CHILDREN is then that one process's peak alone.
MEASURE = """
import resource, subprocess, sys
proc = subprocess.run([sys.executable, "-m", "recognizer", "predict", *sys.argv[1:]], capture_output=True, text=True)
print(proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, proc.stdout.strip(), proc.stderr.strip(), sep="|")
"""


@pytest.fixture(scope="module")
def near_the_limits(tmp_path_factory):
    folder = tmp_path_factory.mktemp("near-the-limits")
    subprocess.run([sys.executable, "-c", MAKE, str(folder)], check=True, timeout=120)
    return folder


@pytest.mark.parametrize("name", ["grey16.png", "float.tif", "rgba.png"])
def test_predict_stays_under_600_mb(near_the_limits, name):
    path = near_the_limits / name
    code, peak_kb, out, err = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True,
                                             text=True, timeout=120).stdout.strip().split("|")  # fmt: skip
    assert code == "0" and err == "" and out.startswith(f"{path}: ")
    assert int(peak_kb) < PEAK_LIMIT_KB, f"{name}: {int(peak_kb) / 1024:.0f} MB"


def png_header(width: int, height: int, colour_type: int, depth: int = 8) -> bytes:
    """A PNG that claims width x height but holds one row: enough for its header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(width * 8 + 1))) + chunk(b"IEND", b""))


@pytest.mark.parametrize("colour_type, depth, mode", [(6, 8, "RGBA"), (2, 8, "RGB"), (4, 8, "LA")])
def test_what_would_not_fit_is_refused_from_the_header(tmp_path, colour_type, depth, mode):
    side = 8192  # within the 100 megapixels; not within the bytes (Pillow keeps 4 bytes a pixel)
    path = tmp_path / "big.png"
    path.write_bytes(png_header(side, side, colour_type, depth))
    with pytest.raises(ImageError, match=rf"{side}x{side} pixels of {mode}, [\d,]+ MB once decoded, more than the 200 MB"):
        read_image(path)
    assert side * side <= image_files.MAX_PIXELS
