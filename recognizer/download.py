"""Fetch the MNIST files from public mirrors, never leaving an unchecked file under a final name.

Each file streams to a hidden temporary name in the destination folder, is gunzipped and checked
against the official SHA-256 from data.py, and only then renamed into place (os.replace is atomic
within one folder). Anything that goes wrong on one mirror sends us to the next.
"""

from __future__ import annotations

import os
import tempfile
import urllib.error
import urllib.request
from http.client import HTTPException
from pathlib import Path
from typing import Callable, Sequence

from recognizer.data import check_sha256, decompress, missing_files
from recognizer.errors import DataError

# Tried in order. The first two are the copies torchvision and the TensorFlow tutorials use; LeCun's
# own site comes last because it often refuses scripted downloads.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
CHUNK_BYTES = 1 << 16


class DownloadCancelled(DataError):
    """should_stop() returned True. A DataError, so callers that only catch DataError still stop
    cleanly; catch this first to treat cancelling as not-an-error."""


def download_mnist(
    dest: str | Path,
    mirrors: Sequence[str] = MIRRORS,
    progress: Callable[[str, int, int | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    timeout: float = 30,
) -> None:
    """Download into dest every MNIST file it lacks (as NAME.gz), trying the mirrors in order.

    progress(filename, bytes_done, bytes_total or None) is called after every chunk; it starts
    again from 0 when a file falls through to the next mirror. should_stop() is polled between
    chunks (so a stalled connection can take up to timeout seconds to notice). Files already
    completed stay, so calling again resumes with the rest.

    Raises DownloadCancelled when stopped, and DataError when every mirror fails for a file.
    """
    dest = Path(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"cannot create the MNIST folder {dest}: {e.strerror}") from None
    for base_name in missing_files(dest):
        reasons = []
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + base_name + ".gz"
            try:
                _fetch(url, dest, base_name, progress, should_stop, timeout)
                break
            except DownloadCancelled:
                raise
            except (OSError, HTTPException, DataError) as e:  # URLError is an OSError
                reasons.append(f"{mirror}: {_reason(e)}")
        else:
            raise DataError(
                f"could not download {base_name}.gz into {dest} ({'; '.join(reasons)}). Pass "
                f"--data-dir DIR or set MNIST_DIR to a folder that already holds the MNIST files."
            )


def _fetch(url: str, dest: Path, base_name: str, progress, should_stop, timeout: float) -> None:
    filename = base_name + ".gz"
    fd, tmp = tempfile.mkstemp(prefix=f".{filename}.part-", dir=dest)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = response.length  # Content-Length (None if not sent), read before it counts down
            done = 0
            while True:
                if should_stop is not None and should_stop():
                    raise DownloadCancelled("download cancelled")
                chunk = response.read(CHUNK_BYTES)
                if not chunk:
                    break
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(filename, done, total)
        # http.client ends a short body quietly; say so rather than report a "corrupt gzip".
        if total is not None and done < total:
            raise DataError(f"connection closed after {done} of {total} bytes")
        check_sha256(decompress(Path(tmp).read_bytes(), filename), base_name, filename)
        os.replace(tmp, dest / filename)
    finally:
        # Gone already after a successful os.replace; otherwise this drops the partial file,
        # whatever the failure (Ctrl+C included).
        Path(tmp).unlink(missing_ok=True)


def _reason(e: BaseException) -> str:
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return str(e.reason)  # e.g. "[Errno 111] Connection refused"
    return str(e) or type(e).__name__
