"""MNIST from its four original IDX files: find the folder, read each file (.gz or raw), check it.

Every failure the user can fix (a missing folder, a damaged file, a checksum mismatch) is a
DataError whose message names the file or folder, so the CLI and the window can show it as is.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal, Sequence

import numpy as np

from recognizer.errors import DataError
from recognizer.paths import user_data_dir

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

# The official SHA-256 of each file's decompressed content. We hash the decompressed bytes, not the
# .gz, because gzip wrappings of the same data differ between mirrors and tools.
SHA256 = {
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
}

# IDX magic numbers: 0x0000 then 0x08 (unsigned bytes) then the number of dimensions.
_MAGIC = {"images": 0x0803, "labels": 0x0801}
_HEADER_BYTES = {"images": 16, "labels": 8}  # magic and count, plus rows and columns for images
SIDE = 28
Kind = Literal["images", "labels"]


# eq=False: numpy arrays have no single truth value, so a generated __eq__ or __hash__ would fail.
@dataclass(frozen=True, eq=False)
class MNIST:
    """The four arrays, all uint8: images (N, 28, 28) with ink high, labels (N,) in 0..9."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def parse_idx(raw: bytes, kind: Kind, name: str) -> np.ndarray:
    """Decode one IDX file: images to uint8 (N, 28, 28), labels to uint8 (N,) in 0..9.

    name is only used in error messages, so pass whatever tells the user which file it is.
    """
    header = _HEADER_BYTES[kind]
    if len(raw) < header:
        raise DataError(f"{name}: truncated: expected at least {header} bytes, found {len(raw)}")
    magic, count = struct.unpack_from(">II", raw)
    if magic != _MAGIC[kind]:
        raise DataError(
            f"{name}: wrong magic number {magic} (an IDX {kind} file starts with {_MAGIC[kind]})"
        )
    shape: tuple[int, ...] = (count,)
    if kind == "images":
        rows, cols = struct.unpack_from(">II", raw, 8)
        if (rows, cols) != (SIDE, SIDE):
            raise DataError(f"{name}: images are {rows}x{cols} pixels, expected {SIDE}x{SIDE}")
        shape = (count, SIDE, SIDE)
    expected = header + math.prod(shape)
    if len(raw) < expected:
        raise DataError(f"{name}: truncated: expected {expected} bytes, found {len(raw)}")
    if len(raw) > expected:
        raise DataError(f"{name}: trailing data: expected {expected} bytes, found {len(raw)}")
    # Copy: an array over bytes is read-only, and torch.from_numpy warns about those.
    array = np.frombuffer(raw, np.uint8, offset=header).reshape(shape).copy()
    if kind == "labels" and count and array.max() > 9:
        raise DataError(f"{name}: label {array.max()} is not a digit 0..9")
    return array


def decompress(data: bytes, name: str) -> bytes:
    """gunzip, turning every flavour of damaged archive into one DataError naming the file."""
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError; EOFError = cut short
        raise DataError(f"{name}: corrupt or truncated gzip ({e})") from None


def check_sha256(raw: bytes, base_name: str, name: str) -> None:
    """Raise DataError unless raw (decompressed) is the official content of MNIST file base_name."""
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256[base_name]:
        raise DataError(
            f"{name}: checksum mismatch, the file is damaged or not the original MNIST "
            f"(SHA-256 {digest[:12]}..., expected {SHA256[base_name][:12]}...)"
        )


def resolve_data_dir(explicit: str | Path | None) -> tuple[Path, str]:
    """The MNIST folder and where that choice came from: "argument", "MNIST_DIR" or "default"."""
    if explicit:
        return Path(explicit).expanduser(), "argument"
    env = os.environ.get("MNIST_DIR")
    if env:
        return Path(env).expanduser(), "MNIST_DIR"
    return user_data_dir() / "mnist", "default"


def missing_files(folder: str | Path) -> list[str]:
    """Base names of the MNIST files found in folder neither raw nor as NAME.gz (all four if the
    folder does not exist). Raises DataError if folder cannot be listed."""
    folder = Path(folder)
    try:
        present = set(os.listdir(folder))
    except FileNotFoundError:
        return list(FILES)
    except OSError as e:  # permission denied, not a directory, ...
        raise DataError(f"cannot read the MNIST folder {folder}: {e.strerror}") from None
    return [n for n in FILES if n not in present and n + ".gz" not in present]


def _read(folder: Path, base_name: str, kind: Kind, verify: bool) -> np.ndarray:
    # When both NAME and NAME.gz are there, the raw file wins: someone decompressed it on
    # purpose, and it skips a gunzip.
    raw_path, gz_path = folder / base_name, folder / (base_name + ".gz")
    try:
        path = raw_path if raw_path.exists() else gz_path
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read {base_name} in {folder}: {e.strerror}") from None
    if path == gz_path:
        data = decompress(data, str(path))
    if verify:
        check_sha256(data, base_name, str(path))
    return parse_idx(data, kind, str(path))


def load_mnist(
    data_dir: str | Path | None = None,
    *,
    download: bool = True,
    verify: bool = True,
    progress: Callable[[str, int, int | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    mirrors: Sequence[str] | None = None,
) -> MNIST:
    """Load MNIST from data_dir, else $MNIST_DIR, else the user data folder.

    Only the default folder is ever downloaded into (when download is true and files are missing),
    from mirrors (download.MIRRORS if None); progress and should_stop go to download_mnist. A
    folder the user named is never written to: missing files there are a DataError.

    verify checks each file's SHA-256, which also pins the counts at 60000 and 10000; without it
    any consistent IDX set loads (the tests use small synthetic ones).
    """
    folder, source = resolve_data_dir(data_dir)
    missing = missing_files(folder)
    if missing and download and source == "default":
        # Imported here because download.py takes its file table from this module.
        from recognizer.download import MIRRORS, download_mnist

        download_mnist(
            folder,
            MIRRORS if mirrors is None else mirrors,
            progress=progress,
            should_stop=should_stop,
        )
    elif missing:
        named = {"argument": "the folder given", "MNIST_DIR": "$MNIST_DIR", "default": "default"}
        raise DataError(
            f"MNIST not found in {folder} ({named[source]}): missing {', '.join(missing)} "
            f"(raw or .gz). Pass --data-dir DIR or set MNIST_DIR to a folder that holds them."
        )

    mnist = MNIST(
        train_images=_read(folder, TRAIN_IMAGES, "images", verify),
        train_labels=_read(folder, TRAIN_LABELS, "labels", verify),
        test_images=_read(folder, TEST_IMAGES, "images", verify),
        test_labels=_read(folder, TEST_LABELS, "labels", verify),
    )
    for images, labels, images_name, labels_name in (
        (mnist.train_images, mnist.train_labels, TRAIN_IMAGES, TRAIN_LABELS),
        (mnist.test_images, mnist.test_labels, TEST_IMAGES, TEST_LABELS),
    ):
        if len(images) != len(labels):
            raise DataError(
                f"{folder}: {images_name} holds {len(images)} images "
                f"but {labels_name} holds {len(labels)} labels"
            )
    return mnist
