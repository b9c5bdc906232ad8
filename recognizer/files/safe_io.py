"""Reading and writing the user's files safely: the core's one atomic write and one bounded read.

Reading: only regular files are opened (a FIFO, a device such as /dev/zero or a folder is refused
at once, never read), and a read stops at the limit the caller's format allows, whatever the file
claims or st_size says. Writing: a temporary file in the same folder, fsync, then a rename, so the
destination is always the old file or the complete new one.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = {stat.S_ISDIR: "a folder", stat.S_ISFIFO: "a named pipe", stat.S_ISCHR: "a device",
          stat.S_ISBLK: "a device", stat.S_ISSOCK: "a socket"}  # fmt: skip


def shown(path: str | os.PathLike) -> str:
    """A path as a message should show it: as is when printable, else escaped (repr), so a name
    with a newline or bytes that are not UTF-8 stays on one line and stays recognisable."""
    text = os.fspath(path)
    text = os.fsdecode(text) if isinstance(text, bytes) else text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept as surrogates by os.fsdecode
        return repr(text)
    return text if text.isprintable() else repr(text)


def brief(value, limit: int = 60) -> str:
    """repr(value) cut to limit characters: for quoting a hostile file's content in a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class NotRegularFile(OSError):
    """The path is a folder, a pipe, a device or a socket: never read, never replaced."""


def _not_regular(mode: int, path) -> NotRegularFile:
    kind = next((k for test, k in _KINDS.items() if test(mode)), "not a regular file")
    return NotRegularFile(errno.EINVAL, f"it is {kind}, not a regular file", os.fspath(path))


# Bytes of the destination's name kept in a temporary or probe name: with the dot, the random part
# and the suffix it stays far below the 255-byte limit on a file name however long the name is.
_STEM_BYTES = 100


def _beside(target: Path, suffix: str) -> Path:
    """A fresh hidden name in target's folder, unique by its random part: .NAME.XXXXXXXX.suffix,
    NAME cut to _STEM_BYTES so that a legal 255-byte destination still gets a legal neighbour."""
    stem = target.name
    while len(os.fsencode(stem)) > _STEM_BYTES:
        stem = stem[:-1]
    return target.parent / f".{stem}.{secrets.token_hex(4)}.{suffix}"


def _write_target(path: Path) -> Path:
    """Where a write to path lands: a symlink is written through to the file it names."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


class FileTooLarge(OSError):
    """The file holds more bytes than its format allows."""


def open_regular(path: str | os.PathLike) -> BinaryIO:
    """Open a regular file for reading, or raise OSError (NotRegularFile for anything else).

    O_NONBLOCK keeps open() itself from waiting on a FIFO that no one writes to; fstat on the
    open descriptor then decides, so the file checked is the file read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(mode, path)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_at_most(f: BinaryIO, limit: int, path: str | os.PathLike = "") -> bytes:
    """Up to limit bytes from f; FileTooLarge if there are more."""
    data = f.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(errno.EFBIG, f"it holds more than the {limit:,} bytes this kind of file can", os.fspath(path))
    return data


def read_regular(path: str | os.PathLike, limit: int) -> bytes:
    """The whole content of the regular file at path, refused past limit bytes."""
    with open_regular(path) as f:
        return read_at_most(f, limit, path)


def atomic_write(path: str | os.PathLike, data: bytes, *, exclusive: bool = False) -> Path:
    """Write data to path so that it is always either the old file or the complete new one.

    The bytes go to a temporary file in the destination's folder, are fsynced, and the file is
    renamed into place. Permissions: a new file gets the usual mode (0o666 less the umask, as
    open() would give it, not mkstemp's 0o600); an overwritten file keeps its mode. A symlink at
    path is written through: its target gets the new content and the link stays a link. Anything
    at path (or behind its link) that is not a regular file, a device or a FIFO say, is never
    replaced: NotRegularFile.
    exclusive: never replace an existing file (FileExistsError instead), atomically, also against
    another process writing the same name at the same moment.
    On failure (disk full, say) the temporary file is removed and OSError names path.
    Returns path.
    """
    path = Path(path)
    target = _write_target(path)
    tmp = _beside(target, "part")
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    if old is not None and not stat.S_ISREG(old.st_mode):
        raise _not_regular(old.st_mode, path)
    old_mode = None if exclusive or old is None else stat.S_IMODE(old.st_mode)
    try:
        # O_EXCL: the temporary name is ours alone. The kernel applies the umask to 0o666.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as e:
        raise OSError(e.errno, e.strerror, os.fspath(path)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            if old_mode is not None:
                os.fchmod(f.fileno(), old_mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if exclusive:
            os.link(tmp, target)  # fails with EEXIST if the name was taken, even a moment ago
            os.unlink(tmp)
        else:
            os.replace(tmp, target)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError):  # OSError(errno, ...) is the matching subclass again
            raise OSError(e.errno, e.strerror, os.fspath(path)) from None
        raise
    return path


def check_writable(path: str | os.PathLike) -> None:
    """Raise OSError (naming path) unless atomic_write could write path: a new name or a regular
    file (a symlink to one included), never a device, a FIFO or a folder; found by creating and
    removing a probe file where the write would land. Asked before hours of work, not after. The
    folder is created."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "it is a folder; name a file such as model.safetensors", os.fspath(path))
    try:
        mode = os.stat(path).st_mode
    except OSError:  # a new name (or a path that the probe below explains)
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        raise _not_regular(mode, path)
    target = _write_target(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        probe = _beside(target, "probe")
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
        if mode is not None and not os.access(path, os.W_OK):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
    except OSError as e:
        raise OSError(e.errno, e.strerror, os.fspath(path)) from None
