"""My digits in and out of folders: subfolders 0 ... 9 of image files (PNG, JPEG, ... whatever
image_files.read_image decodes), each made into the 28x28 input the MNIST way, as `predict` does.
A file that cannot be read, or holds nothing to read, gets a sentence of its own and the others
come in all the same; a name that is not UTF-8 is shown escaped (safe_io.shown). A digit already
kept (same label, same 28x28 input) is not stored again: importing a folder twice adds nothing.
Export writes the same layout, as PNG files of the 28x28 inputs, and never writes through a
symbolic link it finds in the folder (it would land outside it).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from ..errors import ImageError, RecognizerError
from ..files.safe_io import atomic_write, shown
from ..inputs.image_files import read_image
from ..inputs.preprocess import to_mnist
from ..network.dims import CLASSES
from .my_digits import MyDigits


@dataclass
class ImportReport:
    added: list[int] = field(default_factory=list)  # the new digits' ids
    problems: list[str] = field(default_factory=list)  # one sentence per file left out
    already: int = 0  # files whose digit was kept already (same label and input)

    def summary(self) -> str:
        kept = f"Imported {len(self.added):,} digit{'' if len(self.added) == 1 else 's'}"
        return (kept + (f"; {self.already:,} already there" if self.already else "")
                + (f"; {len(self.problems):,} file(s) left out" if self.problems else ""))  # fmt: skip


def image_files(folder: str | Path) -> list[tuple[int, Path]]:
    """(label, file) for every file in folder's subfolders 0 ... 9, in order; hidden files left out.
    RecognizerError when folder is not a folder or has none of those subfolders."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RecognizerError(f"{shown(folder)} is not a folder")
    found, subfolders = [], 0
    for label in range(CLASSES):
        sub = folder / str(label)
        if sub.is_dir():
            subfolders += 1
            found += [(label, p) for p in sorted(sub.iterdir()) if not p.name.startswith(".") and not p.is_dir()]
    if not subfolders:
        raise RecognizerError(f"{shown(folder)} has no subfolders named 0 to 9 to import from")
    return found


def import_folder(folder: str | Path, store: MyDigits, on_file: Callable[[int, int], None] | None = None) -> ImportReport:
    """Add every readable image of folder's subfolders 0 ... 9 with that label, one transaction
    each. on_file(done, total) after each file (a progress bar)."""
    files = image_files(folder)
    report = ImportReport()
    kept = {content_key(d.label, d.input) for d in store.digits()}
    for done, (label, path) in enumerate(files, 1):
        try:
            pixels = read_image(path)
            image28 = to_mnist(pixels)
            if image28 is None:
                raise ImageError(f"{shown(path)}: nothing to read in it (blank, or too faint)")
        except (RecognizerError, OSError, ValueError) as e:
            report.problems.append(" ".join(str(e).split()))
        else:
            key = content_key(label, image28)
            if key in kept:
                report.already += 1
            else:
                grey = pixels if pixels.ndim == 2 else None  # with alpha: only to_mnist knows the paper
                # shown: a name that is not UTF-8 cannot go into SQLite's text as it is
                report.added.append(store.add(label, image28, source=f"import {label}/{shown(path.name)}", pixels=grey))
                kept.add(key)
        if on_file:
            on_file(done, len(files))
    return report


def content_key(label: int, image28: np.ndarray) -> tuple[int, bytes]:
    """What makes two digits the same: the label and the 28x28 input the network reads."""
    return label, hashlib.blake2b(np.ascontiguousarray(image28, np.float32).tobytes(), digest_size=16).digest()


def png_bytes(image28: np.ndarray) -> bytes:
    grey = np.clip(np.rint(np.asarray(image28, np.float32) * 255.0), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(grey, "L").save(out, format="PNG")
    return out.getvalue()


def export_folder(folder: str | Path, store: MyDigits) -> int:
    """Write every digit's 28x28 input as folder/LABEL/digit-ID.png (ink white on black, as MNIST);
    how many were written. Existing files of other names are left alone. A symbolic link where a
    subfolder or a file would go is refused before anything is written: writing through it would
    change a file outside the folder."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise RecognizerError(f"{shown(folder)} is not a folder")
    digits = store.digits()
    for d in digits:
        for path in (folder / str(d.label), folder / str(d.label) / f"digit-{d.id}.png"):
            if path.is_symlink():
                raise RecognizerError(f"{shown(path)} is a symbolic link: export never writes through a link it did "
                                      "not make (remove it, or export into another folder); nothing was written")  # fmt: skip
    for d in digits:
        sub = folder / str(d.label)
        sub.mkdir(parents=True, exist_ok=True)
        atomic_write(sub / f"digit-{d.id}.png", png_bytes(d.input))
    return len(digits)
