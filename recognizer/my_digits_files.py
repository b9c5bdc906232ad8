"""My digits in and out of folders: subfolders 0 ... 9 of image files (PNG, JPEG, ... whatever
image_files.read_image decodes), each made into the 28x28 input the MNIST way, as `predict` does.
A file that cannot be read, or holds nothing to read, gets a sentence of its own and the others
come in all the same. Export writes the same layout, as PNG files of the 28x28 inputs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .dims import CLASSES
from .errors import ImageError, RecognizerError
from .fileio import atomic_write, shown
from .image_files import read_image
from .my_digits import MyDigits
from .preprocess import to_mnist


@dataclass
class ImportReport:
    added: list[int] = field(default_factory=list)  # the new digits' ids
    problems: list[str] = field(default_factory=list)  # one sentence per file left out

    def summary(self) -> str:
        kept = f"Imported {len(self.added):,} digit{'' if len(self.added) == 1 else 's'}"
        return kept + (f"; {len(self.problems):,} file(s) left out" if self.problems else "")


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
    for done, (label, path) in enumerate(files, 1):
        try:
            pixels = read_image(path)
            image28 = to_mnist(pixels)
            if image28 is None:
                raise ImageError(f"{shown(path)}: nothing to read in it (blank, or too faint)")
        except (RecognizerError, OSError, ValueError) as e:
            report.problems.append(" ".join(str(e).split()))
        else:
            grey = pixels if pixels.ndim == 2 else None  # with alpha: only to_mnist knows the paper
            rel = f"{label}/{path.name}"
            report.added.append(store.add(label, image28, source=f"import {rel}", pixels=grey))
        if on_file:
            on_file(done, len(files))
    return report


def png_bytes(image28: np.ndarray) -> bytes:
    from PIL import Image

    grey = np.clip(np.rint(np.asarray(image28, np.float32) * 255.0), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(grey, "L").save(out, format="PNG")
    return out.getvalue()


def export_folder(folder: str | Path, store: MyDigits) -> int:
    """Write every digit's 28x28 input as folder/LABEL/digit-ID.png (ink white on black, as MNIST);
    how many were written. Existing files of other names are left alone."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise RecognizerError(f"{shown(folder)} is not a folder")
    digits = store.digits()
    for d in digits:
        sub = folder / str(d.label)
        sub.mkdir(parents=True, exist_ok=True)
        atomic_write(sub / f"digit-{d.id}.png", png_bytes(d.input))
    return len(digits)
