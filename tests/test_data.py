"""Loading MNIST: the real files (from $MNIST_DIR) and small synthetic IDX sets that break it."""

from __future__ import annotations

import gzip
import os
import struct
import time
from pathlib import Path

import numpy as np
import pytest
from bad_files import gzip_bomb, run_limited
from hypothesis import given, settings
from hypothesis import strategies as st

from recognizer.datasets.mnist import (
    FILES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    load_mnist,
    load_test_set,
    missing_files,
    parse_idx,
    resolve_data_dir,
)
from recognizer.errors import DataError
from recognizer.files.paths import user_data_dir


def images_idx(count: int, magic: int = 2051, rows: int = 28, cols: int = 28) -> bytes:
    pixels = np.arange(count * rows * cols, dtype=np.uint8).tobytes()
    return struct.pack(">IIII", magic, count, rows, cols) + pixels


def labels_idx(labels: list[int], magic: int = 2049) -> bytes:
    return struct.pack(">II", magic, len(labels)) + bytes(labels)


def write_set(folder: Path, n_train: int = 3, n_test: int = 2, **override: bytes) -> Path:
    """A small consistent IDX set as .gz files; override maps a base name to its raw content."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = {
        TRAIN_IMAGES: images_idx(n_train),
        TRAIN_LABELS: labels_idx([i % 10 for i in range(n_train)]),
        TEST_IMAGES: images_idx(n_test),
        TEST_LABELS: labels_idx([i % 10 for i in range(n_test)]),
    }
    contents.update(override)
    for name, raw in contents.items():
        (folder / (name + ".gz")).write_bytes(gzip.compress(raw, compresslevel=1))
    return folder


def link_real(src: Path, dest: Path, skip: str | None = None) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        if name != skip:
            (dest / (name + ".gz")).symlink_to(src / (name + ".gz"))
    return dest


# --- the real data ----------------------------------------------------------------------------


def test_real_mnist_loads_with_checksums(mnist_dir):
    mnist = load_mnist(mnist_dir)
    assert mnist.train_images.shape == (60000, 28, 28)
    assert mnist.train_labels.shape == (60000,)
    assert mnist.test_images.shape == (10000, 28, 28)
    assert mnist.test_labels.shape == (10000,)
    for array in vars(mnist).values():
        assert array.dtype == np.uint8
    assert set(np.unique(mnist.train_labels)) == set(range(10))
    assert set(np.unique(mnist.test_labels)) == set(range(10))
    assert mnist.train_images.flags.writeable  # torch.from_numpy warns on read-only arrays


def test_raw_file_beside_gz_files(mnist_dir, tmp_path):
    folder = link_real(mnist_dir, tmp_path, skip=TEST_IMAGES)
    raw = gzip.decompress((mnist_dir / (TEST_IMAGES + ".gz")).read_bytes())
    (folder / TEST_IMAGES).write_bytes(raw)
    mnist = load_mnist(folder)
    assert mnist.test_images.shape == (10000, 28, 28)
    assert mnist.test_images.tobytes() == raw[16:]


def test_checksum_mismatch_names_the_file(mnist_dir, tmp_path):
    folder = link_real(mnist_dir, tmp_path, skip=TEST_LABELS)
    raw = bytearray(gzip.decompress((mnist_dir / (TEST_LABELS + ".gz")).read_bytes()))
    raw[100] = (raw[100] + 1) % 10  # still a valid label file, just not MNIST's
    (folder / (TEST_LABELS + ".gz")).write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DataError, match=f"{TEST_LABELS}.gz: checksum mismatch"):
        load_mnist(folder)
    load_mnist(folder, verify=False)  # the content itself is well-formed


# --- synthetic sets ---------------------------------------------------------------------------


def test_synthetic_set_loads_without_verify(tmp_path):
    mnist = load_mnist(write_set(tmp_path), verify=False)
    assert mnist.train_images.shape == (3, 28, 28)
    assert mnist.test_labels.tolist() == [0, 1]


def test_synthetic_set_fails_checksum(tmp_path):
    with pytest.raises(DataError, match=f"{TRAIN_IMAGES}.gz: checksum mismatch"):
        load_mnist(write_set(tmp_path))


def test_raw_file_wins_over_gz(tmp_path):
    folder = write_set(tmp_path)
    (folder / TEST_LABELS).write_bytes(labels_idx([7, 7]))
    assert load_mnist(folder, verify=False).test_labels.tolist() == [7, 7]


def test_wrong_magic(tmp_path):
    folder = write_set(tmp_path, **{TRAIN_IMAGES: images_idx(3, magic=2049)})
    with pytest.raises(DataError, match=f"{TRAIN_IMAGES}.gz: wrong magic number 2049"):
        load_mnist(folder, verify=False)


def test_wrong_image_size(tmp_path):
    folder = write_set(tmp_path, **{TEST_IMAGES: images_idx(2, rows=27)})
    with pytest.raises(DataError, match="images are 27x28 pixels"):
        load_mnist(folder, verify=False)


def test_truncated_file(tmp_path):
    folder = write_set(tmp_path, **{TRAIN_IMAGES: images_idx(3)[:-5]})
    size = 16 + 3 * 784
    with pytest.raises(DataError, match=f"truncated: expected {size} bytes, found {size - 5}"):
        load_mnist(folder, verify=False)


def test_label_out_of_range(tmp_path):
    folder = write_set(tmp_path, **{TEST_LABELS: labels_idx([3, 10])})
    with pytest.raises(DataError, match="label 10 is not a digit"):
        load_mnist(folder, verify=False)


@pytest.mark.parametrize(
    "damage",
    [lambda gz: gz[: len(gz) // 2], lambda gz: gz[:-4], lambda gz: b"not gzip at all"],
    ids=["half", "no-trailer", "not-gzip"],
)
def test_damaged_gzip(tmp_path, damage):
    folder = write_set(tmp_path)
    path = folder / (TRAIN_LABELS + ".gz")
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(DataError, match=f"{TRAIN_LABELS}.gz: corrupt or truncated gzip"):
        load_mnist(folder, verify=False)


def test_count_mismatch(tmp_path):
    folder = write_set(tmp_path, **{TRAIN_LABELS: labels_idx([1, 2])})
    message = f"{TRAIN_IMAGES} holds 3 images but {TRAIN_LABELS} holds 2 labels"
    with pytest.raises(DataError, match=message):
        load_mnist(folder, verify=False)


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(["images", "labels"]), cut=st.integers(min_value=1, max_value=2 * 784))
def test_any_cut_is_a_data_error(kind, cut):
    raw = images_idx(2) if kind == "images" else labels_idx([1, 2, 3])
    with pytest.raises(DataError):
        parse_idx(raw[: max(0, len(raw) - cut)], kind, "x")


def test_extra_bytes_are_rejected():
    with pytest.raises(DataError, match="trailing data"):
        parse_idx(labels_idx([1]) + b"\0", "labels", "x")


# --- finding the folder -----------------------------------------------------------------------


def test_resolve_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MNIST_DIR", raising=False)
    assert resolve_data_dir(None) == (user_data_dir() / "mnist", "default")
    if os.name == "posix" and os.uname().sysname == "Linux":
        assert user_data_dir() == tmp_path / "xdg" / "recognizer"
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(None) == (tmp_path / "env", "MNIST_DIR")
    assert resolve_data_dir(tmp_path / "arg") == (tmp_path / "arg", "argument")
    assert resolve_data_dir(str(tmp_path / "arg")) == (tmp_path / "arg", "argument")


def test_missing_files_message(tmp_path):
    folder = tmp_path / "nothing-here"
    with pytest.raises(DataError) as info:
        load_mnist(folder)
    message = str(info.value)
    assert str(folder) in message and "--data-dir" in message and "MNIST_DIR" in message
    assert all(name in message for name in FILES)


def test_named_folders_are_never_downloaded_into(tmp_path, monkeypatch):
    import recognizer.datasets.download

    def no_download(*args, **kwargs):
        raise AssertionError("downloaded into a folder the user named")

    monkeypatch.setattr(recognizer.datasets.download, "download_mnist", no_download)
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "env"))
    with pytest.raises(DataError, match=r"\$MNIST_DIR"):
        load_mnist(download=True)


def test_default_folder_without_download(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("MNIST_DIR", raising=False)
    with pytest.raises(DataError, match=r"\(default\)"):
        load_mnist(download=False)


def test_missing_files_helper(tmp_path):
    assert missing_files(tmp_path / "absent") == list(FILES)
    folder = write_set(tmp_path / "set")
    (folder / (TEST_LABELS + ".gz")).unlink()
    (folder / TEST_LABELS).write_bytes(labels_idx([1, 2]))  # raw counts as present
    (folder / (TRAIN_LABELS + ".gz")).unlink()
    assert missing_files(folder) == [TRAIN_LABELS]


def test_folder_that_is_a_file(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("")
    with pytest.raises(DataError, match=f"Cannot read the MNIST folder {path}"):
        load_mnist(path)


def _in_child_as_nobody(fn) -> int:
    """Run fn in a forked child that gave up root (root reads through chmod 000); its exit code:
    0 when fn returned, 3 for the expected DataError, 4 for another DataError, 5 otherwise."""
    pid = os.fork()
    if pid == 0:
        code = 5
        try:
            os.setgid(65534)
            os.setuid(65534)
            fn()
            code = 0
        except DataError as e:
            code = 3 if "Cannot read the MNIST folder" in str(e) else 4
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_unreadable_folder(tmp_path):
    folder = write_set(tmp_path / "locked")
    folder.chmod(0)
    try:
        if os.geteuid() == 0:
            assert _in_child_as_nobody(lambda: load_mnist(folder, verify=False)) == 3
        else:
            with pytest.raises(DataError, match=f"Cannot read the MNIST folder {folder}"):
                load_mnist(folder, verify=False)
    finally:
        folder.chmod(0o755)


def test_unreadable_file(tmp_path):
    folder = write_set(tmp_path)
    path = folder / (TEST_IMAGES + ".gz")
    path.unlink()
    path.mkdir()  # a folder where a file should be: unreadable even for root
    with pytest.raises(DataError, match=f"Cannot read {TEST_IMAGES} in {folder}"):
        load_mnist(folder, verify=False)


def test_mnist_is_frozen(tmp_path):
    mnist = load_mnist(write_set(tmp_path), verify=False)
    with pytest.raises(AttributeError):
        mnist.train_images = None  # type: ignore[misc]


# --- hostile files under MNIST names (issue 17) -----------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_special_files_are_refused_at_once(tmp_path, kind):
    folder = write_set(tmp_path)
    path = folder / (TRAIN_LABELS + ".gz")
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)  # nobody writes: a plain open() would wait forever
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")  # endless: a plain read() would fill the memory
    else:
        path.mkdir()
    started = time.monotonic()
    with pytest.raises(DataError, match=f"Cannot read {TRAIN_LABELS} in .*not a regular file"):
        load_mnist(folder, verify=False)
    assert time.monotonic() - started < 3


def test_a_raw_file_larger_than_mnist_is_refused_unread(tmp_path):
    folder = write_set(tmp_path)
    with open(folder / TEST_LABELS, "wb") as f:
        f.truncate(1 << 40)  # a sparse terabyte: reading it all would take hours
    started = time.monotonic()
    with pytest.raises(DataError, match=f"{TEST_LABELS}.*more than the 10,008 bytes"):
        load_mnist(folder, verify=False)
    assert time.monotonic() - started < 3


def test_a_gzip_bomb_is_cut_off_within_the_memory_limit(tmp_path):
    folder = write_set(tmp_path)
    gzip_bomb(folder / (TRAIN_IMAGES + ".gz"))  # 4 GB of zeros once inflated
    code = "from recognizer.datasets.mnist import load_mnist\nload_mnist(sys.argv[1], verify=False)"
    started = time.monotonic()
    proc = run_limited(code, folder)
    assert proc.returncode == 1 and "MemoryError" not in proc.stderr, proc.stderr[-500:]
    assert proc.stderr.strip().splitlines()[-1].endswith(
        f"{TRAIN_IMAGES}.gz: decompresses to more than the 47,040,016 bytes of an MNIST file; it is not one")
    assert time.monotonic() - started < 20


def test_trailing_garbage_after_the_gzip_is_a_data_error(tmp_path):
    folder = write_set(tmp_path)
    path = folder / (TEST_LABELS + ".gz")
    path.write_bytes(path.read_bytes() + b"garbage")
    with pytest.raises(DataError, match=f"{TEST_LABELS}.gz: corrupt or truncated gzip"):
        load_mnist(folder, verify=False)


def test_load_test_set_reads_only_the_test_files(tmp_path):
    folder = write_set(tmp_path)
    for name in (TRAIN_IMAGES, TRAIN_LABELS):
        (folder / (name + ".gz")).unlink()
    images, labels = load_test_set(folder, verify=False)
    assert images.shape == (2, 28, 28) and labels.tolist() == [0, 1]
