"""Continue training a model, and teach it the user's handwriting (My digits).

A fine-tune starts from a model's architecture and weights (Trainer(start_from=...)) and by
default runs as FINE_TUNE says: a lower peak rate and a short warm-up, so that what the model
knew is moved, not overwritten, and one epoch. MyDigitsMix puts a share of My digits into every
batch (drawn with replacement, so a few hundred digits are seen many times, each time moved by
its own random shift, rotation and scaling) and measures the fixed held-out part
(my_digits.held_out_mask) after every epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..datasets.augment import random_affine
from ..errors import RecognizerError
from ..evaluation.accuracy import evaluate
from ..store.my_digits import MyDigits, held_out_mask

# The settings a fine-tune gets unless told otherwise (the CLI prints them when the run starts).
# One epoch over a quarter of MNIST at 1e-4 (benchmarks/bench_my_digits.py): a whole epoch at
# 5e-4 cost 0.18 points of MNIST test accuracy and four times the time; a quarter at 3e-4, 0.22
# points (with 98.75% of the held-out digits read, against 93.75% at 1e-4).
# The warm-up is the one rule's (train_settings.warmup_for, None): 6 batches of the 118 in a quarter.
FINE_TUNE = {"epochs": 1, "learning_rate": 1e-4, "warmup_steps": None, "train_subset": 15_000}
MY_DIGITS_SHARE = 0.25  # of every batch


def fine_tune_words(config) -> str:
    warmup = "auto" if config.warmup_steps is None else f"{config.warmup_steps} batches"
    return (f"fine-tune: {config.epochs} epoch(s) over {config.train_subset or 60_000:,} MNIST images, "
            f"peak rate {config.learning_rate:g}, warm-up {warmup}")  # fmt: skip


def my_digits_words(mix: MyDigitsMix) -> str:
    """How many of My digits a run trains on and holds out, in the words of the CLI and the Train tab."""
    trained, held = mix.counts()
    if not held:
        return f"My digits: {trained:,} trained on, none held out yet (keep or import at least two of a digit)"
    return f"My digits: {trained:,} trained on, {held:,} held out"


@dataclass
class MyDigitsMix:
    """My digits split into the part trained on and the held-out part measured after each epoch."""

    train_images: torch.Tensor  # (N, 28, 28) float32 in [0, 1]
    train_labels: torch.Tensor  # (N,) long
    held_images: np.ndarray
    held_labels: np.ndarray
    share: float = MY_DIGITS_SHARE

    @classmethod
    def from_arrays(cls, ids, images, labels, share: float = MY_DIGITS_SHARE) -> MyDigitsMix:
        images, labels = np.asarray(images, np.float32), np.asarray(labels, np.int64)
        held = held_out_mask(ids, labels)
        if (~held).sum() == 0:
            raise RecognizerError("My digits has nothing to train on yet: keep or import a few digits first")
        return cls(torch.as_tensor(images[~held]), torch.as_tensor(labels[~held]), images[held], labels[held], share)

    @classmethod
    def from_store(cls, store: MyDigits, share: float = MY_DIGITS_SHARE) -> MyDigitsMix:
        return cls.from_arrays(*store.arrays(), share=share)

    def counts(self) -> tuple[int, int]:
        """(trained on, held out)."""
        return len(self.train_labels), len(self.held_labels)

    def mix(self, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch with its last share replaced by augmented My digits."""
        k = min(len(y), max(1, int(round(self.share * len(y)))))
        pick = torch.randint(len(self.train_labels), (k,), generator=generator)
        mine = random_affine(self.train_images[pick], generator).to(x.device)
        return torch.cat([x[: len(y) - k], mine]), torch.cat([y[: len(y) - k], self.train_labels[pick].to(y.device)])

    def held_out_accuracy(self, model) -> float | None:
        """The model's accuracy on the held-out part; None when it is empty."""
        if len(self.held_labels) == 0:
            return None
        return evaluate(model, self.held_images, self.held_labels).accuracy


def held_out_evaluation(model, store: MyDigits):
    """evaluate.Evaluation of model on the held-out My digits, or None when there are none."""
    ids, images, labels = store.arrays()
    held = held_out_mask(ids, labels)
    return evaluate(model, images[held], labels[held]) if held.any() else None
