"""MNIST from its four original IDX files: find the folder, read each file (.gz or raw), check it.

Every failure the user can fix (a missing folder, a damaged file, a checksum mismatch) is a
DataError whose message names the file or folder, so the CLI and the window can show it as is.
Files are read only when they are regular files, and never past the size of the real MNIST file
(compressed or not), so a FIFO, /dev/zero or a gzip bomb under an MNIST name is refused quickly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from recognizer.datasets import download
from recognizer.datasets.mnist_files import (
    FILES,
    KINDS,
    RAW_BYTES,
    TEST_FILES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    check_sha256,
    decompress,
    max_gz_bytes,
    missing_files,
    parse_idx,
)
from recognizer.errors import DataError
from recognizer.files.paths import user_data_dir
from recognizer.files.safe_io import read_regular, shown

__all__ = ["FILES", "TEST_IMAGES", "TEST_LABELS", "TRAIN_IMAGES", "TRAIN_LABELS", "MNIST", "load_mnist",
           "load_test_set", "missing_files", "parse_idx", "resolve_data_dir"]  # fmt: skip


# eq=False: numpy arrays have no single truth value, so a generated __eq__ or __hash__ would fail.
@dataclass(frozen=True, eq=False)
class MNIST:
    """The four arrays, all uint8: images (N, 28, 28) with ink high, labels (N,) in 0..9."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def resolve_data_dir(explicit: str | Path | None, remembered: Path | None = None) -> tuple[Path, str]:
    """The MNIST folder and where that choice came from: "argument", "MNIST_DIR", "remembered"
    (a folder the window's user chose before) or "default" (the only one ever downloaded into)."""
    if explicit:
        return Path(explicit).expanduser(), "argument"
    env = os.environ.get("MNIST_DIR")
    if env:
        return Path(env).expanduser(), "MNIST_DIR"
    if remembered is not None:
        return remembered, "remembered"
    return default_data_dir(), "default"


def default_data_dir() -> Path:
    return user_data_dir() / "mnist"


def _read(folder: Path, base_name: str, verify: bool) -> np.ndarray:
    # When both NAME and NAME.gz are there, the raw file wins: someone decompressed it on
    # purpose, and it skips a gunzip.
    raw_path, gz_path = folder / base_name, folder / (base_name + ".gz")
    path = raw_path if os.path.lexists(raw_path) else gz_path
    try:
        data = read_regular(path, RAW_BYTES[base_name] if path == raw_path else max_gz_bytes(base_name))
    except OSError as e:
        raise DataError(f"Cannot read {base_name} in {shown(folder)}: {e.strerror}") from None
    if path == gz_path:
        data = decompress(data, shown(path), RAW_BYTES[base_name])
    if verify:
        check_sha256(data, base_name, shown(path))
    return parse_idx(data, KINDS[base_name], shown(path))


def _load_files(
    data_dir, names: Sequence[str], download_missing: bool, verify: bool, progress, should_stop, mirrors
) -> dict[str, np.ndarray]:
    folder, source = resolve_data_dir(data_dir)
    missing = missing_files(folder, names)
    if missing and download_missing and source == "default":
        download.download_mnist(
            folder,
            download.MIRRORS if mirrors is None else mirrors,
            progress=progress,
            should_stop=should_stop,
            names=names,
        )
    elif missing:
        named = {"argument": "the folder given", "MNIST_DIR": "$MNIST_DIR", "default": "default"}
        raise DataError(
            f"MNIST not found in {shown(folder)} ({named[source]}): missing {', '.join(missing)} "
            f"(raw or .gz). Pass --data-dir DIR or set MNIST_DIR to a folder that holds them."
        )
    arrays = {name: _read(folder, name, verify) for name in names}
    for images_name, labels_name in ((TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)):
        if images_name in arrays and len(arrays[images_name]) != len(arrays[labels_name]):
            raise DataError(
                f"{shown(folder)}: {images_name} holds {len(arrays[images_name])} images "
                f"but {labels_name} holds {len(arrays[labels_name])} labels"
            )
    return arrays


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
    a = _load_files(data_dir, FILES, download, verify, progress, should_stop, mirrors)
    return MNIST(a[TRAIN_IMAGES], a[TRAIN_LABELS], a[TEST_IMAGES], a[TEST_LABELS])


def load_test_set(
    data_dir: str | Path | None = None,
    *,
    download: bool = True,
    verify: bool = True,
    progress: Callable[[str, int, int | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    mirrors: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 test images and labels only, as load_mnist finds, checks (and, in the default
    folder, downloads) them: evaluating needs neither the training files nor their 10 MB."""
    a = _load_files(data_dir, TEST_FILES, download, verify, progress, should_stop, mirrors)
    return a[TEST_IMAGES], a[TEST_LABELS]
