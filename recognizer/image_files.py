"""Read image files (PNG, JPEG, BMP, GIF, and whatever else Qt decodes) into arrays for to_mnist."""

from pathlib import Path

import numpy as np

from recognizer.errors import ImageError

MAX_PIXELS = 100_000_000  # refused from the header alone: no drawing of a digit is this big
MAX_SIDE = 2048  # bigger images are scaled down while decoding; the digit ends up 20 px anyway
BYTES_PER_PIXEL = 8  # the widest format Qt decodes into (16-bit RGBA), for its allocation limit


def read_image(path: str | Path) -> np.ndarray:
    """Decode an image file into (H, W) uint8 grey, or (H, W, 4) uint8 RGBA if it has alpha
    (what is transparent is background, and only to_mnist can tell which colour that is).

    Raises ImageError, with a one-line message naming the file, if it cannot be read.
    """
    # Qt is the only image decoder among our dependencies, so it is imported here rather than at
    # the top: the rest of the core stays importable without it. QImage and QImageReader need
    # neither a QGuiApplication nor a display.
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QImageReader

    path = Path(path)

    def failure(reason: str) -> ImageError:
        return ImageError(f"Cannot read image {path}: {reason.strip().rstrip('.')}.")

    if not path.exists():
        raise failure("no such file")
    if path.is_dir():
        raise failure("it is a directory")
    if path.stat().st_size == 0:
        raise failure("the file is empty")

    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # photos are often stored sideways, with an EXIF rotation
    size = reader.size()  # read from the header: nothing is decoded yet
    if size.isValid():
        if size.width() * size.height() > MAX_PIXELS:
            raise failure(
                f"it is {size.width()}x{size.height()} pixels, "
                f"more than the {MAX_PIXELS / 1e6:g} megapixels allowed"
            )
        if max(size.width(), size.height()) > MAX_SIDE:
            fit = size.scaled(MAX_SIDE, MAX_SIDE, Qt.AspectRatioMode.KeepAspectRatio)
            reader.setScaledSize(fit)
    # Qt's default limit (256 MB) would refuse some images under MAX_PIXELS; for formats whose
    # header gives no size, this limit is what stops a runaway decode.
    reader.setAllocationLimit(-(-MAX_PIXELS * BYTES_PER_PIXEL // 2**20))
    image = reader.read()
    if image.isNull():
        raise failure(reader.errorString() or "it could not be decoded")

    # Colour becomes grey here: to_mnist would do the same, and grey is a third of the memory.
    if image.hasAlphaChannel():
        image, channels = image.convertToFormat(QImage.Format.Format_RGBA8888), 4
    else:
        image, channels = image.convertToFormat(QImage.Format.Format_Grayscale8), 1
    h, w = image.height(), image.width()
    # Qt pads each row to a multiple of 4 bytes: view whole rows, then drop the padding.
    rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(h, image.bytesPerLine())
    pixels = rows[:, : w * channels].reshape(h, w, channels)
    return (pixels[..., 0] if channels == 1 else pixels).copy()  # the buffer dies with `image`
