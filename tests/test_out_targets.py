"""Where a file is written (--out, the window's Save dialogs, every atomic_write): a new name or
a regular file, a symlink to one written through; a device, a FIFO, a symlink to either or a
folder is refused before any work and never replaced. Names up to the 255-byte limit work."""

from __future__ import annotations

import os
import stat
import time

import pytest

from recognizer.commands.main import main
from recognizer.files.safe_io import NotRegularFile, atomic_write, check_writable


def char_device(path):
    """A null device node of our own (never the system's /dev/null); as a user who may not make
    one, the system's, which such a user cannot replace anyway."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        return "/dev/null"
    return path


def targets(tmp_path):
    """name -> (path, the kind of node it must still be afterwards)."""
    device = char_device(tmp_path / "null")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "to-device").symlink_to(device)
    (tmp_path / "folder").mkdir()
    return {"device": (device, stat.S_ISCHR), "fifo": (fifo, stat.S_ISFIFO),
            "symlink to a device": (tmp_path / "to-device", stat.S_ISCHR),
            "folder": (tmp_path / "folder", stat.S_ISDIR)}  # fmt: skip


KINDS = ["device", "fifo", "symlink to a device", "folder"]


@pytest.mark.parametrize("kind", KINDS)
def test_atomic_write_and_check_writable_refuse(tmp_path, kind):
    path, still = targets(tmp_path)[kind]
    with pytest.raises(OSError) as refused:
        check_writable(path)
    assert refused.value.filename == os.fspath(path)
    with pytest.raises(OSError) as refused:
        atomic_write(path, b"weights")
    assert isinstance(refused.value, (NotRegularFile, IsADirectoryError)) and refused.value.filename == os.fspath(path)
    assert still(os.stat(path).st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def run(capsys, *args):
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("command", ["train", "calibrate"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_cli_refuses_before_any_work(tmp_path, capsys, command, kind):
    path, still = targets(tmp_path)[kind]
    empty = tmp_path / "empty"
    empty.mkdir()  # no MNIST: the refusal must come before the data (and the training or the fit)
    started = time.monotonic()
    code, err = run(capsys, command, "--out", path, "--data-dir", empty)
    assert code == 1 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"recognizer: error: Cannot write --out {path}: it is a")
    assert time.monotonic() - started < 5 and still(os.stat(path).st_mode)


def test_a_symlink_to_a_regular_file_is_written_through(tmp_path, capsys):
    real = tmp_path / "real.safetensors"
    real.write_bytes(b"old")
    link = tmp_path / "link.safetensors"
    link.symlink_to(real)
    check_writable(link)
    atomic_write(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    code, err = run(capsys, "train", "--out", link, "--data-dir", tmp_path / "none", "--epochs", "1")
    assert code == 1 and "--out" not in err and "MNIST" in err  # past the --out check, stopped by the data


@pytest.mark.parametrize("length", [240, 250, 255])
def test_names_up_to_the_file_name_limit(tmp_path, length):
    path = tmp_path / ("m" * (length - len(".safetensors")) + ".safetensors")
    check_writable(path)
    atomic_write(path, b"one")
    atomic_write(path, b"two")
    assert path.read_bytes() == b"two" and os.listdir(tmp_path) == [path.name]
    wide = tmp_path / ("é" * 127)  # 254 bytes in UTF-8
    atomic_write(wide, b"three")
    assert wide.read_bytes() == b"three"
