"""Real people's handwriting for training and measuring: the pen data sets (pendigits, UNIPEN,
Omniglot) found in a folder, split by writer into train / fit / test groups, and rendered
through the canvas's own stroke path (unipen.render_pen).

The split is by writer or contributor, never by sample, so that the fit and test groups hold
only hands the model never trained on:

- pendigits: the writer id of each `.COMMENT` (1 to 30): id % 6 in (0, 3) test, 1 fit, else train;
- UNIPEN digits and letters: whole contributors (FIT_CONTRIBUTORS, TEST_CONTRIBUTORS), the same
  for both files (a contributor's letters and digits are the same people's);
- Omniglot: the drawer (the drawing number 01-20 of each character, one person per number):
  drawers 13-14 fit, 15-20 test, else train (every alphabet in every group).

The `ibm` segments from the box-per-stroke part of its forms (a stroke whose smallest x and y are
both 0, see the data folder's README) are dropped: many hold only a part of a digit.

Training sees each training sample as a few pre-rendered variants (PenTraining), each drawn with
its own stroke-level augmentation (augment_strokes: slant, aspect, small rotation, jitter,
resampling, pen-speed gaps), made once when a run starts so that epochs stay fast.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from ..errors import DataError
from ..files.paths import user_data_dir
from .augment import random_affine
from .unipen import PenSample, digit_of, read_pen_file, render_pen

# The files of a pen data folder, by set name (each optional; the folder needs at least one).
FILES = {
    "pendigits": "pendigits/pendigits-orig.tra.gz",
    "unipen-digits": "unipen/unipen-1a-digits.unp.gz",
    "unipen-characters": "unipen/unipen-1bcd-characters.unp.gz",
    "omniglot": "omniglot/strokes_background_small1.unp.gz",
}
DIGIT_SETS = ("pendigits", "unipen-digits")
NON_DIGIT_SETS = ("unipen-characters", "omniglot")
GROUPS = ("train", "fit", "test")
# Chosen so that each group has several devices and about a fifth (fit: a tenth) of the digits.
FIT_CONTRIBUTORS = ("art", "gmd", "mot")
TEST_CONTRIBUTORS = ("apa", "ced", "imp", "lav", "sie", "uqb")
DIGIT_VARIANTS = 3  # pre-rendered augmented drawings of each training digit
NON_DIGIT_VARIANTS = 2  # and of each training non-digit
SHARE = 0.25  # of each batch's digits replaced by rendered pen digits


def find_pen_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    """The pen data folder: `explicit` (DataError when it is not a folder), else $PEN_DATA_DIR,
    else the user data folder's "pen"; None when neither of the last two exists."""
    if explicit is not None:
        folder = Path(explicit)
        if not folder.is_dir():
            raise DataError(f"--pen-data {folder}: no such folder")
        if not any((folder / name).is_file() for name in FILES.values()):
            raise DataError(f"--pen-data {folder}: none of {', '.join(FILES.values())} is in it")
        return folder
    env = os.environ.get("PEN_DATA_DIR")
    for folder in ([Path(env)] if env else []) + [user_data_dir() / "pen"]:
        if folder.is_dir() and any((folder / name).is_file() for name in FILES.values()):
            return folder
    return None


def writer_of(set_name: str, sample: PenSample) -> str:
    """Who drew the sample, as the split sees it: a pendigits writer, a UNIPEN contributor or an
    Omniglot drawer number."""
    if set_name == "omniglot":
        return sample.file.rsplit("_", 1)[-1].removesuffix(".txt")
    return sample.source


def group_of(set_name: str, writer: str) -> str:
    """"train", "fit" or "test" for a writer of a set (a function of the writer alone)."""
    if set_name == "pendigits":
        n = int(writer) if writer.isdigit() else sum(map(ord, writer))
        return "test" if n % 6 in (0, 3) else "fit" if n % 6 == 1 else "train"
    if set_name == "omniglot":
        n = int(writer) if writer.isdigit() else 0
        return "test" if n >= 15 else "fit" if n >= 13 else "train"
    return "test" if writer in TEST_CONTRIBUTORS else "fit" if writer in FIT_CONTRIBUTORS else "train"


def is_box_per_stroke(sample: PenSample) -> bool:
    """An `ibm` segment from the forms where each stroke had its own box starting at 0."""
    return sample.source == "ibm" and any(len(s) and s[:, 0].min() == 0 and s[:, 1].min() == 0 for s in sample.strokes)


@dataclass
class PenSet:
    """The usable samples of one set, each with its writer and group."""

    name: str
    samples: list[PenSample]
    writers: list[str]
    groups: np.ndarray  # (N,) of GROUPS' names
    dropped: int = 0  # box-per-stroke ibm samples left out

    def part(self, group: str) -> list[PenSample]:
        return [s for s, g in zip(self.samples, self.groups) if g == group]

    def writers_in(self, group: str) -> list[str]:
        return sorted({w for w, g in zip(self.writers, self.groups) if g == group}, key=lambda w: (len(w), w))


@dataclass
class PenSets:
    folder: Path
    sets: dict[str, PenSet] = field(default_factory=dict)

    def digits(self, group: str) -> list[tuple[str, PenSample]]:
        return [(n, s) for n in DIGIT_SETS if n in self.sets for s in self.sets[n].part(group)]

    def non_digits(self, group: str) -> list[tuple[str, PenSample]]:
        return [(n, s) for n in NON_DIGIT_SETS if n in self.sets for s in self.sets[n].part(group)]

    @cached_property
    def fit_digits(self) -> tuple[np.ndarray, np.ndarray]:
        """The fit writers' digits, rendered plain, and their labels (for the verdict)."""
        fit = [s for _, s in self.digits("fit")]
        return render_samples(fit), digit_labels(fit)

    def describe(self) -> dict:
        """What a model file and a run record keep: the sets used and who was held out."""
        return {name: {"samples": {g: int((s.groups == g).sum()) for g in GROUPS}, "dropped": s.dropped,
                       "fit_writers": s.writers_in("fit"), "test_writers": s.writers_in("test")}
                for name, s in self.sets.items()}  # fmt: skip


def load_pen_sets(folder: str | os.PathLike) -> PenSets:
    """Every set of FILES found in folder, split by writer; DataError when a file is damaged.
    Kept while the files stay as they are: reading them takes seconds, and every run of a
    session would otherwise read them again."""
    folder = Path(folder).resolve()
    files = [folder / name for name in FILES.values() if (folder / name).is_file()]
    return _load_pen_sets(folder, tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))


@functools.lru_cache(maxsize=2)
def _load_pen_sets(folder: Path, stamp: tuple) -> PenSets:
    out = PenSets(folder)
    for name, relative in FILES.items():
        path = folder / relative
        if not path.is_file():
            continue
        samples = read_pen_file(path)
        if name in DIGIT_SETS:
            samples = [s for s in samples if digit_of(s.label) is not None]
        kept = [s for s in samples if s.strokes and not is_box_per_stroke(s)]
        writers = [writer_of(name, s) for s in kept]
        groups = np.array([group_of(name, w) for w in writers])
        out.sets[name] = PenSet(name, kept, writers, groups, len(samples) - len(kept))
    return out


# --- stroke-level augmentation -----------------------------------------------------------------
def augment_strokes(strokes, rng: np.random.Generator) -> list[np.ndarray]:
    """The same drawing as another hand or pen might give it: slanted, wider or narrower, turned
    a little, jittered, resampled at another spacing, with runs of points missing where a fast
    pen left gaps. strokes: (N, 2) arrays, y up, any unit."""
    lines = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes if len(s)]
    if not lines:
        return []
    pts = np.concatenate(lines)
    extent = float(np.ptp(pts, axis=0).max()) or 1.0
    # Small: the batch's random affine turns them again, and with twice these a line at 45 degrees
    # became a 1 (the 1s had learned to lean that far).
    turn = rng.uniform(-0.08, 0.08)
    shear = rng.uniform(-0.15, 0.15)
    aspect = np.exp(rng.uniform(-0.2, 0.2))
    m = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]]) @ np.array([[aspect, shear], [0, 1]])
    out = []
    spacing = extent * rng.uniform(0.01, 0.06)
    for s in lines:
        s = s @ m.T
        s = _resampled(s, spacing)
        if len(s) > 4 and rng.random() < 0.3:  # a fast pen: one run of points missing
            start = int(rng.integers(1, len(s) - 2))
            s = np.delete(s, slice(start, start + int(rng.integers(1, max(2, len(s) // 4)))), axis=0)
        out.append(s + rng.normal(0, 0.006 * extent, s.shape))
    return out


def _resampled(s: np.ndarray, spacing: float) -> np.ndarray:
    """The polyline s with points every `spacing` along its length (its ends kept)."""
    if len(s) < 2:
        return s
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(s, axis=0).T))])
    if along[-1] <= spacing:
        return s[[0, -1]]
    at = np.append(np.arange(0.0, along[-1], spacing), along[-1])
    return np.stack([np.interp(at, along, s[:, 0]), np.interp(at, along, s[:, 1])], axis=1)


def render_samples(samples, rng: np.random.Generator | None = None) -> np.ndarray:
    """(N, 28, 28) float32: each sample's strokes through the canvas's path, augmented by
    augment_strokes when rng is given. A sample with nothing to draw stays blank."""
    out = np.zeros((len(samples), 28, 28), np.float32)
    for i, s in enumerate(samples):
        strokes = s.strokes if rng is None else augment_strokes(s.strokes, rng)
        image = render_pen(strokes) if strokes else None
        if image is not None:
            out[i] = image
    return out


def digit_labels(samples) -> np.ndarray:
    """Each sample's label as a digit; -1 for any other label (a non-digit)."""
    return np.array([-1 if (d := digit_of(s.label)) is None else d for s in samples], np.int64)


def _variants(samples, variants: int, most: int, rng) -> tuple[torch.Tensor, torch.Tensor]:
    """(images, labels) of up to `most` augmented drawings: every sample `variants` times, each
    time in a new random order, cut at `most`."""
    order = np.concatenate([rng.permutation(len(samples)) for _ in range(variants)] or [np.zeros(0, np.int64)])
    order = order[: max(0, most)]
    picked = [samples[i] for i in order]
    return torch.as_tensor(render_samples(picked, rng)), torch.as_tensor(digit_labels(picked))


class PenTraining:
    """What a Trainer takes from the pen data: the train writers' digits (mixed into each batch
    by `mix`) and non-digits (outlier exposure beside outliers.py's: Outliers(real=...)), each
    pre-rendered in a few augmented variants; the fit writers' digits, plain, for the verdict; and
    the test writers' digits as strokes, never trained on, which the run is measured on at its end."""

    def __init__(self, sets: PenSets, seed: int = 0, train_images: int = 60_000, digit_variants: int = DIGIT_VARIANTS,
                 non_digit_variants: int = NON_DIGIT_VARIANTS, share: float = SHARE):  # fmt: skip
        """train_images: the MNIST images of the run; a short run renders fewer drawings (at most
        half as many of each), so that it does not wait for them."""
        rng = np.random.default_rng(seed)
        self.share = share
        self.description = sets.describe()
        digits = [s for _, s in sets.digits("train")]
        self.digit_images, self.digit_labels = _variants(digits, digit_variants, train_images // 2, rng)
        others = [s for _, s in sets.non_digits("train")]
        self.non_digit_images, _ = _variants(others, non_digit_variants, train_images // 2, rng)
        self.fit_images, self.fit_labels = sets.fit_digits
        self.test_digits = [s for _, s in sets.digits("test")]

    def mix(self, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch with its last share replaced by pen digits, each moved by a random affine."""
        if len(self.digit_labels) == 0:
            return x, y
        k = min(len(y), max(1, int(round(self.share * len(y)))))
        pick = torch.randint(len(self.digit_labels), (k,), generator=generator)
        pen = random_affine(self.digit_images[pick], generator).to(x.device)
        return torch.cat([x[: len(y) - k], pen]), torch.cat([y[: len(y) - k], self.digit_labels[pick].to(y.device)])


def pen_training_for(config, train_images: int, folder: Path | None = None) -> PenTraining | None:
    """The PenTraining a run (train.TrainConfig) trains on: of `folder`, else of the folder
    find_pen_dir finds; None when the config says no or no folder is found (config.pen_data is
    then set False, so that the model file and the record say what was trained on)."""
    folder = folder if folder is not None or not config.pen_data else find_pen_dir()
    if folder is None:
        config.pen_data = False
        return None
    return PenTraining(load_pen_sets(folder), seed=config.seed, train_images=config.train_subset or train_images)
