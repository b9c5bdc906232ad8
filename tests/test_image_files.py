import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QImage

from recognizer.errors import ImageError
from recognizer.inputs import image_files
from recognizer.inputs.image_files import read_image
from recognizer.inputs.preprocess import to_mnist


def qimage(pixels: np.ndarray, fmt: QImage.Format) -> QImage:
    """A QImage owning a copy of pixels, which are laid out as fmt stores them."""
    h, w = pixels.shape[:2]
    pixels = np.ascontiguousarray(pixels)
    return QImage(pixels.data, w, h, pixels.strides[0], fmt).copy()


def nine(size: int = 120) -> np.ndarray:
    """A black 9 on white, uint8: a ring with a tail, so no rounding tie in its centre of mass."""
    y, x = (np.mgrid[:size, :size] + 0.5) / size
    r = np.hypot(y - 0.35, x - 0.5)
    tail = (np.abs(x - 0.72) < 0.05) & (0.35 < y) & (y < 0.9)
    return np.where(((0.12 < r) & (r < 0.22)) | tail, 0, 255).astype(np.uint8)


def test_grey8(tmp_path):
    # An odd width, so that Qt pads the rows.
    pixels = np.random.default_rng(0).integers(0, 256, (37, 53), dtype=np.uint8)
    qimage(pixels, QImage.Format.Format_Grayscale8).save(str(tmp_path / "a.png"))
    out = read_image(tmp_path / "a.png")
    assert out.dtype == np.uint8 and out.shape == (37, 53)
    np.testing.assert_array_equal(out, pixels)


def test_colour_becomes_grey(tmp_path):
    rgb = np.zeros((10, 40, 3), np.uint8)
    rgb[:, 10:20] = 255
    rgb[:, 20:30] = (255, 0, 0)
    rgb[:, 30:] = (0, 255, 0)
    qimage(rgb, QImage.Format.Format_RGB888).convertToFormat(QImage.Format.Format_RGB32).save(
        str(tmp_path / "c.png"))
    out = read_image(str(tmp_path / "c.png"))
    assert out.shape == (10, 40) and out.dtype == np.uint8
    assert (out[:, :10] == 0).all() and (out[:, 10:20] == 255).all()
    assert 0 < out[0, 20] < out[0, 30] < 255 and (out[:, 20:30] == out[0, 20]).all()  # red < green


def test_alpha_is_kept(tmp_path):
    rgba = np.zeros((20, 21, 4), np.uint8)
    rgba[..., 3] = np.arange(21) * 12  # alpha from transparent to opaque across the image
    rgba[5:15, :, :3] = (10, 200, 30)
    qimage(rgba, QImage.Format.Format_RGBA8888).convertToFormat(QImage.Format.Format_ARGB32).save(
        str(tmp_path / "t.png"))
    out = read_image(tmp_path / "t.png")
    assert out.shape == (20, 21, 4) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])
    opaque = rgba[..., 3] == 252
    np.testing.assert_array_equal(out[opaque], rgba[opaque])


def test_a_drawing_on_transparent_paper_reads(tmp_path):
    digit = nine()
    rgba = np.zeros((*digit.shape, 4), np.uint8)
    rgba[digit == 0, 3] = 255  # black ink; everything else transparent
    qimage(rgba, QImage.Format.Format_RGBA8888).save(str(tmp_path / "ink.png"))
    np.testing.assert_allclose(to_mnist(read_image(tmp_path / "ink.png")), to_mnist(digit),
                               atol=1e-6)


def test_grey16(tmp_path):
    pixels = np.linspace(0, 65535, 64 * 9).astype(np.uint16).reshape(9, 64)
    qimage(pixels, QImage.Format.Format_Grayscale16).save(str(tmp_path / "g16.png"))
    out = read_image(tmp_path / "g16.png")
    assert out.dtype == np.uint8 and out.shape == (9, 64)
    assert np.abs(out.astype(int) - pixels / 257).max() <= 1


@pytest.mark.parametrize("suffix", ["jpg", "bmp"])
def test_other_formats(tmp_path, suffix):
    digit = nine()
    path = tmp_path / f"digit.{suffix}"
    assert qimage(digit, QImage.Format.Format_Grayscale8).save(str(path))
    out = read_image(path)
    assert out.shape == digit.shape
    assert np.abs(out.astype(int) - digit).mean() < 3  # JPEG is lossy
    assert np.abs(to_mnist(out) - to_mnist(digit)).mean() < 0.02


def test_gif(tmp_path):
    # Qt decodes GIF but cannot write it: this is the classic one transparent pixel GIF.
    path = tmp_path / "pixel.gif"
    path.write_bytes(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01"
                     b"\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
    out = read_image(path)
    assert out.shape == (1, 1, 4) and out[0, 0, 3] == 0


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims to be width x height but holds one row of data: enough for its header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(width + 1))) + chunk(b"IEND", b""))


def test_an_absurd_size_is_refused_from_the_header(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png_header(20000, 20000))
    with pytest.raises(ImageError, match=r"huge\.png.*20000x20000 pixels.*100 megapixels"):
        read_image(path)


@pytest.fixture(scope="module")
def big_png(tmp_path_factory):
    """A 6000 x 6000 nine: written and decoded in well under a second each."""
    path = tmp_path_factory.mktemp("big") / "big.png"
    assert qimage(np.kron(nine(300), np.ones((20, 20), np.uint8)), QImage.Format.Format_Grayscale8
                  ).save(str(path))
    return path


def test_a_large_image_is_scaled_down_while_decoding(big_png):
    out = read_image(big_png)
    assert out.shape == (image_files.MAX_SIDE, image_files.MAX_SIDE)
    assert np.abs(to_mnist(out) - to_mnist(nine(300))).mean() < 0.01


def test_the_pixel_limit(big_png, monkeypatch):
    monkeypatch.setattr(image_files, "MAX_PIXELS", 30_000_000)
    with pytest.raises(ImageError, match="6000x6000 pixels, more than the 30 megapixels"):
        read_image(big_png)


def test_unreadable_files(tmp_path):
    (tmp_path / "noise.png").write_bytes(np.random.default_rng(0).bytes(4000))
    (tmp_path / "empty.png").touch()
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "cut.png").write_bytes(png_header(64, 64)[:40])
    for name, reason in [("noise.png", "not an image"), ("empty.png", "empty"),
                         ("folder.png", "folder"), ("missing.png", "no such file"),
                         ("cut.png", "cannot be read")]:
        with pytest.raises(ImageError) as caught:
            read_image(tmp_path / name)
        message = str(caught.value)
        assert name in message and reason in message.lower() and "\n" not in message


# --- hostile files and Pillow's modes (issue 17) ----------------------------------------------


@pytest.mark.parametrize("make", ["fifo", "dev-zero", "dev-urandom"])
def test_special_files_are_refused_at_once(tmp_path, make):
    path = {"dev-zero": Path("/dev/zero"), "dev-urandom": Path("/dev/urandom")}.get(make, tmp_path / "pipe.png")
    if make == "fifo":
        os.mkfifo(path)  # no writer: opening it for reading without O_NONBLOCK would hang
    started = time.monotonic()
    with pytest.raises(ImageError, match="not a regular file"):
        read_image(path)
    assert time.monotonic() - started < 2


def test_a_bomb_is_refused_from_its_header_in_well_under_a_second(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header(60000, 60000))
    started = time.monotonic()
    with pytest.raises(ImageError, match="60000x60000 pixels"):
        read_image(path)
    assert time.monotonic() - started < 1


def test_exif_orientation_is_applied(tmp_path):
    digit = nine(60)[:, :40]  # 60 rows, 40 columns
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: "rotate 90 clockwise to view"
    Image.fromarray(digit).save(tmp_path / "photo.jpg", exif=exif, quality=95)
    out = read_image(tmp_path / "photo.jpg")
    assert out.shape == (40, 60)
    assert np.abs(out.astype(int) - np.rot90(digit, -1)).mean() < 8


def test_palette_animated_and_bilevel(tmp_path):
    digit = nine(50)
    Image.fromarray(digit).convert("P").save(tmp_path / "p.png")
    np.testing.assert_array_equal(read_image(tmp_path / "p.png"), digit)
    frames = [Image.fromarray(digit).convert("P"), Image.fromarray(255 - digit).convert("P")]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    np.testing.assert_array_equal(read_image(tmp_path / "anim.gif"), digit)  # the first frame
    Image.fromarray(digit).convert("1").save(tmp_path / "bw.png")
    np.testing.assert_array_equal(read_image(tmp_path / "bw.png"), digit)


def test_a_large_jpeg_is_decoded_small(tmp_path):
    Image.fromarray(np.kron(nine(100), np.ones((60, 60), np.uint8))).save(tmp_path / "big.jpg")
    out = read_image(tmp_path / "big.jpg")  # 6000x6000, drafted to 1/2 then fitted
    assert out.shape == (image_files.MAX_SIDE, image_files.MAX_SIDE)
    assert np.abs(to_mnist(out) - to_mnist(nine(100))).mean() < 0.02


def test_a_long_thin_image_gets_an_answer_not_an_unknown_error(tmp_path):
    Image.new("L", (60000, 2), 255).save(tmp_path / "thin.png")
    assert to_mnist(read_image(tmp_path / "thin.png")) is None  # nothing to read


def test_odd_names_keep_their_reason(tmp_path):
    newline = tmp_path / "two\nlines.png"
    newline.write_text("hello")
    with pytest.raises(ImageError) as caught:
        read_image(newline)
    assert "\n" not in str(caught.value) and "two\\nlines.png" in str(caught.value)
    assert "not an image" in str(caught.value)
    latin1 = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.png"))
    Image.fromarray(nine(40)).save(latin1, format="PNG")
    assert read_image(latin1).shape == (40, 40)  # exists, so never "no such file"


BROKEN_CRC = """
import sys
from recognizer.inputs.image_files import read_image
from recognizer.errors import ImageError
try:
    read_image(sys.argv[1])
except ImageError as e:
    print(e)
"""


def test_a_damaged_png_prints_nothing_on_stderr(tmp_path):
    Image.fromarray(nine(40)).save(tmp_path / "crc.png")
    blob = bytearray((tmp_path / "crc.png").read_bytes())
    blob[blob.index(b"IDAT") + 10] ^= 0xFF  # one byte of compressed data: the CRC no longer matches
    (tmp_path / "crc.png").write_bytes(bytes(blob))
    proc = subprocess.run([sys.executable, "-c", BROKEN_CRC, str(tmp_path / "crc.png")], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.stderr == "" and "crc.png" in proc.stdout and proc.stdout.count("\n") == 1
