"""The downloader against real HTTP servers on loopback: one down, one corrupt, one good."""

from __future__ import annotations

import functools
import gzip
import json
import os
import socket
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from recognizer.datasets.download import DownloadCancelled, download_mnist
from recognizer.datasets.mnist import FILES, TEST_LABELS, load_mnist
from recognizer.datasets.mnist_files import TEST_FILES
from recognizer.errors import DataError


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up mid-file (the cancel test) is expected


def serve(directory: Path):
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def good_mirror(mnist_dir):
    server, url = serve(mnist_dir)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def corrupt_mirror(mnist_dir, tmp_path_factory):
    """Every file damaged: the label files are valid gzip with one label changed (a checksum
    mismatch), the image files have one compressed byte flipped (a broken gzip)."""
    folder = tmp_path_factory.mktemp("corrupt")
    for name in FILES:
        gz = bytearray((mnist_dir / (name + ".gz")).read_bytes())
        if "labels" in name:
            raw = bytearray(gzip.decompress(bytes(gz)))
            raw[-1] = (raw[-1] + 1) % 10
            gz = bytearray(gzip.compress(bytes(raw)))
        else:
            gz[len(gz) // 2] ^= 0xFF
        (folder / (name + ".gz")).write_bytes(bytes(gz))
    server, url = serve(folder)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def down_mirror():
    # A port that was just free and is now closed: connecting is refused.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_falls_through_to_the_good_mirror(
    tmp_path, mnist_dir, down_mirror, corrupt_mirror, good_mirror
):
    calls: dict[str, list[tuple[int, int | None]]] = {}
    download_mnist(
        tmp_path,
        [down_mirror, corrupt_mirror, good_mirror],
        progress=lambda name, done, total: calls.setdefault(name, []).append((done, total)),
    )
    for name in FILES:
        assert (tmp_path / (name + ".gz")).read_bytes() == (mnist_dir / (name + ".gz")).read_bytes()
    assert leftovers(tmp_path) == []
    for name in FILES:
        size = (mnist_dir / (name + ".gz")).stat().st_size
        # Progress starts again with each mirror; the last run (the good mirror) rises to the size.
        done = [d for d, _ in calls[name + ".gz"]]
        start = max((i for i in range(1, len(done)) if done[i] <= done[i - 1]), default=0)
        assert done[start:] == sorted(set(done[start:])) and done[-1] == size
        assert calls[name + ".gz"][-1][1] == size
    load_mnist(tmp_path)  # checksums verified again on the way in


def test_every_mirror_failing(tmp_path, mnist_dir, down_mirror, corrupt_mirror, good_mirror):
    # Only the test labels are missing, so only they are fetched, and none of the mirrors has them.
    for name in FILES:
        if name != TEST_LABELS:
            (tmp_path / (name + ".gz")).symlink_to(mnist_dir / (name + ".gz"))
    not_found = good_mirror + "no-such-folder/"
    with pytest.raises(DataError) as info:
        download_mnist(tmp_path, [down_mirror, corrupt_mirror, not_found])
    message = str(info.value)
    assert "\n" not in message
    assert f"{down_mirror}: [Errno" in message  # connection refused, worded by the OS
    assert f"{corrupt_mirror}: {TEST_LABELS}.gz: checksum mismatch" in message
    assert f"{not_found}: HTTP 404" in message
    assert "--data-dir" in message and "MNIST_DIR" in message
    assert not (tmp_path / (TEST_LABELS + ".gz")).exists()
    assert leftovers(tmp_path) == []


def test_broken_gzip_is_a_reason(tmp_path, corrupt_mirror):
    with pytest.raises(DataError, match=f"{corrupt_mirror}: .*corrupt or truncated gzip"):
        download_mnist(tmp_path, [corrupt_mirror])  # the training images come first
    assert list(tmp_path.iterdir()) == []


def test_cancel_leaves_nothing(tmp_path, good_mirror):
    seen = []
    with pytest.raises(DownloadCancelled, match="Download cancelled"):
        download_mnist(
            tmp_path,
            [good_mirror],
            progress=lambda name, done, total: seen.append(done),
            should_stop=lambda: len(seen) >= 2,
        )
    assert len(seen) == 2  # stopped after two chunks, not after the whole file
    assert list(tmp_path.iterdir()) == []


def test_load_mnist_downloads_into_the_default_folder(
    tmp_path, monkeypatch, down_mirror, good_mirror
):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("MNIST_DIR", raising=False)
    seen = set()
    mnist = load_mnist(mirrors=[down_mirror, good_mirror], progress=lambda name, *_: seen.add(name))
    assert mnist.train_images.shape == (60000, 28, 28)
    assert mnist.test_labels.shape == (10000,)
    assert seen == {name + ".gz" for name in FILES}
    folder = tmp_path / "recognizer" / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(name + ".gz" for name in FILES)


def test_load_mnist_reports_a_failed_download(tmp_path, monkeypatch, down_mirror):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("MNIST_DIR", raising=False)
    with pytest.raises(DataError, match=f"Could not download .*{down_mirror}: .*MNIST_DIR"):
        load_mnist(mirrors=[down_mirror])


# --- servers that misbehave (issue 17) --------------------------------------------------------


class HostileHandler(BaseHTTPRequestHandler):
    """mode (set per server): "endless" streams zeros without a length, "liar" announces a
    terabyte, "trickle" sends a byte every 50 ms, "silent" sends headers and then nothing."""

    mode = "endless"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        if self.mode == "liar":
            self.send_header("Content-Length", str(1 << 40))
        elif self.mode == "trickle":
            self.send_header("Content-Length", "50000")
        self.end_headers()
        try:
            for _ in range(100_000):
                if self.mode == "endless":
                    self.wfile.write(bytes(1 << 16))
                elif self.mode == "trickle":
                    self.wfile.write(b"\0")
                    self.wfile.flush()
                    time.sleep(0.05)
                else:
                    time.sleep(0.05)
        except OSError:
            pass  # the client hung up, as it should


@pytest.fixture
def hostile():
    servers = []

    def start(mode):
        handler = type("Handler", (HostileHandler,), {"mode": mode})
        server = QuietServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("mode, reason", [
    ("endless", "sent more than the 75,544 bytes"),
    ("liar", "announces 1,099,511,627,776 bytes"),
    ("trickle", "too slow"),
    ("silent", r"timed out|too slow \(0 bytes"),  # the socket's time-out or the speed watch, whichever fires first
])  # fmt: skip
def test_a_hostile_server_is_dropped_quickly(tmp_path, hostile, mode, reason):
    started = time.monotonic()
    with pytest.raises(DataError, match=reason):
        download_mnist(tmp_path, [hostile(mode)], names=[TEST_LABELS], timeout=1)
    assert time.monotonic() - started < 5
    assert list(tmp_path.iterdir()) == []


def test_cancel_takes_effect_during_a_stalled_read(tmp_path, hostile):
    started = time.monotonic()
    with pytest.raises(DownloadCancelled):
        download_mnist(tmp_path, [hostile("silent")], names=[TEST_LABELS], timeout=60,
                       should_stop=lambda: time.monotonic() - started > 0.3)
    assert time.monotonic() - started < 1.5
    assert list(tmp_path.iterdir()) == []


def test_downloads_get_the_usual_mode_and_stale_parts_go(tmp_path, good_mirror):
    (tmp_path / f".{TEST_LABELS}.gz.part-dead").write_bytes(b"left by a killed run")
    umask = os.umask(0o022)
    try:
        download_mnist(tmp_path, [good_mirror], names=[TEST_LABELS])
    finally:
        os.umask(umask)
    assert [p.name for p in tmp_path.iterdir()] == [TEST_LABELS + ".gz"]
    assert stat.S_IMODE((tmp_path / (TEST_LABELS + ".gz")).stat().st_mode) == 0o644  # not mkstemp's 0o600


def test_evaluate_fetches_only_the_test_files(tmp_path, monkeypatch, good_mirror, capsys):
    import recognizer.datasets.download
    from recognizer.commands.main import main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setattr(recognizer.datasets.download, "MIRRORS", (good_mirror,))
    assert main(["evaluate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 10_000
    folder = tmp_path / "recognizer" / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(name + ".gz" for name in TEST_FILES)
