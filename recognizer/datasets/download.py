"""Fetch the MNIST files from public mirrors, never leaving an unchecked file under a final name.

Each file streams to a hidden temporary name in the destination folder, is gunzipped and checked
against the official SHA-256 from mnist_files.py, and only then renamed into place (os.replace is
atomic within one folder). Anything that goes wrong on one mirror sends us to the next.

Bounded whatever a server does: a body larger than the file can be (by Content-Length or by what
arrives) is cut off at that size, a server that sends nothing for `timeout` seconds or trickles
slower than `min_speed` is dropped, and should_stop() is honoured within about 0.1 s even while a
read is blocked (a watcher thread shuts the socket down under it).
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from http.client import HTTPException
from pathlib import Path
from typing import Callable, Sequence

from recognizer.datasets.mnist_files import FILES, RAW_BYTES, check_sha256, decompress, max_gz_bytes, missing_files
from recognizer.errors import DataError
from recognizer.files.safe_io import shown

# Tried in order. The first two are the copies torchvision and the TensorFlow tutorials use; LeCun's
# own site comes last because it often refuses scripted downloads.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
CHUNK_BYTES = 1 << 16
POLL_SECONDS = 0.1  # how often the watcher looks at should_stop() and the speed


class DownloadCancelled(DataError):
    """should_stop() returned True. A DataError, so callers that only catch DataError still stop
    cleanly; catch this first to treat cancelling as not-an-error."""


class DownloadFailed(DataError):
    """Every mirror failed for a file. str(): the whole story for the command line, each mirror's
    reason and where else to find MNIST (--data-dir, MNIST_DIR). summary: the same without
    the command-line hint. offline: no mirror could be reached at all (no network, no DNS), which
    the window says in so many words instead of listing the system's errors."""

    def __init__(self, summary: str, offline: bool):
        super().__init__(f"{summary} Pass --data-dir DIR or set MNIST_DIR to a folder that already holds the MNIST files.")
        self.summary = summary
        self.offline = offline


def download_mnist(
    dest: str | Path,
    mirrors: Sequence[str] = MIRRORS,
    progress: Callable[[str, int, int | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    timeout: float = 30,
    min_speed: float = 4096,
    names: Sequence[str] = FILES,
) -> None:
    """Download into dest every one of names (MNIST base names) it lacks, as NAME.gz, trying the
    mirrors in order.

    progress(filename, bytes_done, bytes_total or None) is called after every chunk; it starts
    again from 0 when a file falls through to the next mirror. should_stop() may be called from
    a watcher thread. A mirror fails for a file when nothing arrives for timeout seconds, or when
    after timeout seconds the file still comes slower than min_speed bytes/s on average. Files
    already completed stay, so calling again resumes with the rest; partial files left by a killed
    earlier run are removed.

    Raises DownloadCancelled when stopped, and DataError when every mirror fails for a file.
    """
    dest = Path(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for stale in dest.glob(".*.gz.part-*"):
            stale.unlink(missing_ok=True)
    except OSError as e:
        raise DataError(f"Cannot create the MNIST folder {shown(dest)}: {e.strerror}") from None
    for base_name in missing_files(dest, names):
        reasons, unreachable = [], 0
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + base_name + ".gz"
            try:
                _fetch(url, dest, base_name, progress, should_stop, timeout, min_speed)
                break
            except DownloadCancelled:
                raise
            except (OSError, HTTPException, DataError) as e:  # URLError is an OSError
                reasons.append(f"{mirror}: {_reason(e)}")
                unreachable += _unreachable(e)
        else:
            summary = f"Could not download {base_name}.gz into {shown(dest)} ({'; '.join(reasons)})."
            raise DownloadFailed(summary, offline=bool(mirrors) and unreachable == len(mirrors))


class _Watcher:
    """A thread that ends a blocked read by shutting its socket down when should_stop() turns
    true or the transfer is too slow; why it did so is in .reason."""

    def __init__(self, fileno: int, should_stop, timeout: float, min_speed: float):
        self.sock = socket.socket(fileno=os.dup(fileno))  # a second handle on the same connection
        self.should_stop, self.timeout, self.min_speed = should_stop, timeout, min_speed
        self.started = time.monotonic()
        self.done = 0
        self.reason: str | None = None
        self._end = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="recognizer-download-watch", daemon=True)
        self._thread.start()

    def _watch(self):
        while not self._end.wait(POLL_SECONDS):
            elapsed = time.monotonic() - self.started
            if self.should_stop is not None and self.should_stop():
                self.reason = "cancelled"
            elif elapsed > self.timeout and self.done / elapsed < self.min_speed:
                self.reason = f"too slow ({self.done:,} bytes in {elapsed:.0f} s)"
            else:
                continue
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the other side
            return

    def close(self):
        self._end.set()
        self._thread.join()
        self.sock.close()


def _fetch(url: str, dest: Path, base_name: str, progress, should_stop, timeout: float, min_speed: float) -> None:
    filename = base_name + ".gz"
    limit = max_gz_bytes(base_name)
    tmp = dest / f".{filename}.part-{secrets.token_hex(4)}"
    watcher = None
    try:
        with open(tmp, "xb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = response.length  # Content-Length (None if not sent), read before it counts down
            if total is not None and total > limit:
                raise DataError(f"the server announces {total:,} bytes, more than {filename} can be ({limit:,})")
            watcher = _Watcher(response.fileno(), should_stop, timeout, min_speed)
            done = 0
            while True:
                if should_stop is not None and should_stop():
                    raise DownloadCancelled("Download cancelled")
                try:
                    chunk = response.read(min(CHUNK_BYTES, limit + 1 - done))
                except (OSError, HTTPException):
                    if watcher.reason is None:
                        raise
                    chunk = b""
                if watcher.reason == "cancelled":
                    raise DownloadCancelled("Download cancelled")
                if watcher.reason is not None:
                    raise DataError(watcher.reason)
                if not chunk:
                    break
                done += len(chunk)
                watcher.done = done
                if done > limit:
                    raise DataError(f"the server sent more than the {limit:,} bytes {filename} can be")
                out.write(chunk)
                if progress is not None:
                    progress(filename, done, total)
        # http.client ends a short body quietly; say so rather than report a "corrupt gzip".
        if total is not None and done < total:
            raise DataError(f"connection closed after {done} of {total} bytes")
        check_sha256(decompress(tmp.read_bytes(), filename, RAW_BYTES[base_name]), base_name, filename)
        os.replace(tmp, dest / filename)
    finally:
        if watcher is not None:
            watcher.close()
        # Gone already after a successful os.replace; otherwise this drops the partial file,
        # whatever the failure (Ctrl+C included).
        tmp.unlink(missing_ok=True)


def _unreachable(e: BaseException) -> bool:
    """No answer from the server at all: its name did not resolve, the connection was refused or
    timed out. (An HTTP error, a bad file, a cut transfer: the server was there.)"""
    if isinstance(e, urllib.error.HTTPError):
        return False
    if isinstance(e, urllib.error.URLError):
        return isinstance(e.reason, OSError)
    return isinstance(e, (ConnectionError, TimeoutError))


def _reason(e: BaseException) -> str:
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return str(e.reason)  # e.g. "[Errno 111] Connection refused"
    if isinstance(e, TimeoutError):
        return "timed out"
    return str(e) or type(e).__name__
