"""Pictures between Qt and numpy for the canvas and what is dropped or pasted on it: a QImage as
a grey (or, with transparency, RGBA) array, a grey array as a QImage, a 28x28 input blown up to
fill the canvas."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from .live_stroke import CANVAS_SIZE


def qimage_to_grey(image: QImage) -> np.ndarray:
    """Any QImage -> (H, W) uint8 grey array (a copy; alpha is dropped)."""
    grey = image.convertToFormat(QImage.Format_Grayscale8)
    h, w = grey.height(), grey.width()
    return np.frombuffer(grey.constBits(), np.uint8).reshape(h, grey.bytesPerLine())[:, :w].copy()


def qimage_to_array(image: QImage) -> np.ndarray:
    """A pasted or dropped QImage as read_image would give it: (H, W) uint8 grey, or
    (H, W, 4) uint8 RGBA when it has transparency (to_mnist decides what the background is)."""
    if not image.hasAlphaChannel():
        return qimage_to_grey(image)
    rgba = image.convertToFormat(QImage.Format_RGBA8888)
    h, w = rgba.height(), rgba.width()
    flat = np.frombuffer(rgba.constBits(), np.uint8).reshape(h, rgba.bytesPerLine())[:, : 4 * w]
    return flat.reshape(h, w, 4).copy()


def grey_to_qimage(array: np.ndarray) -> QImage:
    """(H, W) uint8 -> a Grayscale8 QImage owning its own copy of the pixels."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    h, w = array.shape
    return QImage(array.data, w, h, w, QImage.Format_Grayscale8).copy()


def digit_layer(image28: np.ndarray) -> QImage:
    """A 28x28 image in [0, 1] (ink high) blown up smoothly to fill the canvas."""
    small = grey_to_qimage(np.clip(np.asarray(image28, dtype=np.float32) * 255 + 0.5, 0, 255))
    return small.scaled(CANVAS_SIZE, CANVAS_SIZE, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
