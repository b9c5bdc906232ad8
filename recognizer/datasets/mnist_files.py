"""The four MNIST IDX files themselves: names, sizes, checksums, parsing and capped gunzip.

Shared by datasets/mnist.py (which reads them from a folder) and download.py (which fetches them), so
neither imports the other for its file table. Every failure is a DataError naming the file.
"""

from __future__ import annotations

import hashlib
import math
import os
import struct
import zlib
from typing import Literal

import numpy as np

from recognizer.errors import DataError

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)
TEST_FILES = (TEST_IMAGES, TEST_LABELS)

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
KINDS: dict[str, Kind] = {TRAIN_IMAGES: "images", TRAIN_LABELS: "labels", TEST_IMAGES: "images", TEST_LABELS: "labels"}
_COUNTS = {TRAIN_IMAGES: 60000, TRAIN_LABELS: 60000, TEST_IMAGES: 10000, TEST_LABELS: 10000}

# The size of each real file, decompressed: no MNIST file is larger, so no read or gunzip goes
# past it (a smaller consistent set still loads without verify, as the tests' synthetic ones do).
RAW_BYTES = {n: _HEADER_BYTES[KINDS[n]] + _COUNTS[n] * (SIDE * SIDE if KINDS[n] == "images" else 1) for n in FILES}
# A .gz is never larger than its content plus deflate's few bytes per 16 kB block and a header.
GZ_SLACK = 64 << 10


def max_gz_bytes(base_name: str) -> int:
    return RAW_BYTES[base_name] + GZ_SLACK


def parse_idx(raw: bytes, kind: Kind, name: str) -> np.ndarray:
    """Decode one IDX file: images to uint8 (N, 28, 28), labels to uint8 (N,) in 0..9.

    name is only used in error messages, so pass whatever tells the user which file it is.
    """
    header = _HEADER_BYTES[kind]
    if len(raw) < header:
        raise DataError(f"{name}: truncated: expected at least {header} bytes, found {len(raw)}")
    magic, count = struct.unpack_from(">II", raw)
    if magic != _MAGIC[kind]:
        raise DataError(f"{name}: wrong magic number {magic} (an IDX {kind} file starts with {_MAGIC[kind]})")
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


def decompress(data: bytes, name: str, limit: int, what: str = "an MNIST file") -> bytes:
    """gunzip (all members), refusing output past limit bytes without producing it, and turning
    every flavour of damaged archive into one DataError naming the file (what: the kind of file
    the message says it is not)."""
    out = bytearray()
    rest = data
    try:
        while True:
            d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            out += d.decompress(rest, limit + 1 - len(out))
            if len(out) > limit or d.unconsumed_tail:
                raise DataError(f"{name}: decompresses to more than the {limit:,} bytes of {what}; it is not one")
            if not d.eof:
                raise DataError(f"{name}: corrupt or truncated gzip (the stream ends early)")
            rest = d.unused_data.lstrip(b"\0")  # gzip allows zero padding after the last member
            if not rest:
                return bytes(out)
    except zlib.error as e:
        raise DataError(f"{name}: corrupt or truncated gzip ({e})") from None


def check_sha256(raw: bytes, base_name: str, name: str) -> None:
    """Raise DataError unless raw (decompressed) is the official content of MNIST file base_name."""
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256[base_name]:
        raise DataError(
            f"{name}: checksum mismatch, the file is damaged or not the original MNIST "
            f"(SHA-256 {digest[:12]}..., expected {SHA256[base_name][:12]}...)"
        )


def missing_files(folder: str | os.PathLike, names=FILES) -> list[str]:
    """Those of names (base names) found in folder neither raw nor as NAME.gz (all of them if the
    folder does not exist). Raises DataError if folder cannot be listed."""
    try:
        present = set(os.listdir(folder))
    except FileNotFoundError:
        return list(names)
    except OSError as e:  # permission denied, not a directory, ...
        raise DataError(f"Cannot read the MNIST folder {folder}: {e.strerror}") from None
    return [n for n in names if n not in present and n + ".gz" not in present]
