"""The one table of training settings: each one's name (a TrainConfig field), command-line flag,
label, default, limits, parser and help. The CLI's train options (commands/), TrainConfig's defaults
and checks (train.py) and the Train tab's form, its stored settings and its tooltips
(ui/train/form.py, ui/train/state.py) are all read from it, so that a run started in one place
can be repeated in the other exactly, and a new setting is one more row here.

The defaults are one recipe for the CLI and the window: four epochs at a high peak rate, which
reached 99.05% on the test set in 78 s on a 2-core CPU with digits only (benchmarks/
bench_recipe.py: the peak rate mattered most; 4 epochs at 3e-3: 98.51%, 5e-3: 98.89%, 6e-3:
99.02%, 8e-3: 99.03%; batches of 256 learn less per second here). Non-digits stay on, so that a
new model turns them away too; the other sources are off: in four epochs they cost test accuracy
(98.88-99.06% with them against 99.13% without, one run each). SHIPPED_RECIPE is how the shipped
model was trained.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..network.cells import CELLS, DEFAULT_CELL
from ..network.hidden_sizes import format_hidden_sizes, parse_hidden_sizes

SCHEDULES = ("cosine", "constant")
DEVICES = ("auto", "cpu", "cuda")
MAX_SEED = 2**63 - 1  # torch.manual_seed takes a signed 64-bit number

# The one warm-up rule, for a run that names no warm-up: a share of the run's batches, at most a
# fixed number. 4 epochs of 469 batches get 94 (the quick recipe's tuned 100), the shipped model's
# 30 epochs the cap of 200, a 16-batch test run 1, a fine-tune over 15,000 images 6.
WARMUP_SHARE = 0.05
WARMUP_MAX = 200


def warmup_for(total_batches: int) -> int:
    """Batches of warm-up for a run of total_batches that names none."""
    return min(WARMUP_MAX, math.ceil(WARMUP_SHARE * total_batches))


def parse_number(text: str, positive: bool = False) -> float:
    """A typed number ("0.003", "3e-3", "0,003"); ValueError says what is wrong with it."""
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"{str(text).strip()!r} is not a number") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"must be {'greater than zero' if positive else 'zero or more'}")
    return value


def parse_whole(text: str, lo: int, hi: int) -> int:
    """A typed whole number in [lo, hi] ("5000", "5,000", "5 000")."""
    cleaned = str(text).strip().replace(",", "").replace(" ", "").replace("_", "")
    if not cleaned.isascii() or not cleaned.isdigit():  # digits only: no sign, no exponent
        raise ValueError(f"{str(text).strip()!r} is not a whole number")
    # Longer than the limit's digits is out of range, said without converting a huge text.
    if len(cleaned.lstrip("0")) > len(str(hi)) or not lo <= int(cleaned) <= hi:
        raise ValueError(f"must be from {lo:,} to {hi:,}")
    return int(cleaned)


def parse_bool(text: str) -> bool:
    value = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(str(text).strip().lower())
    if value is None:
        raise ValueError(f"{str(text).strip()!r} is not true or false")
    return value


@dataclass(frozen=True)
class Setting:
    name: str  # the TrainConfig field
    flag: str  # the CLI option (a bool gets --flag and --no-flag)
    label: str  # in the form and in error messages
    default: Any
    help: str  # the CLI's help and the form's tooltip
    lo: int | None = None  # whole numbers: the limits
    hi: int | None = None
    choices: tuple[str, ...] = ()
    positive: bool = False  # numbers: > 0, not only >= 0
    optional: bool = False  # None allowed: "the rule decides" (the warm-up)
    folder: bool = False  # a bool whose CLI flag names the folder it needs: --flag DIR, or --no-flag

    @property
    def kind(self) -> str:
        if self.choices:
            return "choice"
        if self.name == "hidden_sizes":
            return "sizes"
        return "bool" if isinstance(self.default, bool) else "int" if self.lo is not None else "float"

    def parse(self, text: str) -> Any:
        """The value of a typed text; ValueError says what is wrong with it."""
        kind = self.kind
        if self.optional and str(text).strip().lower() in ("", "auto"):
            return None
        if kind == "sizes":
            return parse_hidden_sizes(str(text))
        if kind == "int":
            return parse_whole(text, self.lo, self.hi)
        if kind == "float":
            return parse_number(text, self.positive)
        if kind == "bool":
            return parse_bool(text)
        if str(text) not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}")
        return str(text)

    def check(self, value) -> str | None:
        """What is wrong with a value of the right type (None: nothing)."""
        if value is None and self.optional:
            return None
        kind = self.kind
        if kind == "int" and not (isinstance(value, int) and not isinstance(value, bool) and self.lo <= value <= self.hi):
            return f"{self.label} must be a whole number from {self.lo:,} to {self.hi:,}"
        if kind == "float" and not (isinstance(value, (int, float)) and 0 <= value < math.inf
                                    and (value > 0 or not self.positive)):  # fmt: skip
            return f"{self.label} must be a number, {'greater than 0' if self.positive else '0 or more'}"
        if kind == "choice" and value not in self.choices:
            return f"{self.label} must be one of {', '.join(self.choices)}"
        if kind == "bool" and not isinstance(value, bool):
            return f"{self.label} must be true or false"
        return None

    def show(self, value) -> str:
        """The value as the form shows it and the CLI's help says it: read back, it is the same."""
        if value is None:
            return "auto"
        if self.kind == "sizes":
            return format_hidden_sizes(value)
        if self.kind == "float":
            return repr(float(value))  # the shortest text that reads back as the same float
        return str(value)


SETTINGS: tuple[Setting, ...] = (
    Setting("cell", "--cell", "Cell", DEFAULT_CELL, "the recurrent cell: lstm (gates and a cell state, the shipped "
            "model's), gru (fewer weights) or rnn (plain tanh, the hardest to train; a lower rate helps)", choices=CELLS),
    Setting("hidden_sizes", "--hidden", "Hidden sizes", (128,), "hidden units of each layer, bottom first: 128 is one "
            "layer of 128, \"32, 64\" two layers; more units learn more but train slower"),
    Setting("epochs", "--epochs", "Epochs", 4, "passes over the training images", lo=1, hi=10_000),
    Setting("batch_size", "--batch-size", "Batch", 128, "images per gradient step; larger batches run faster per image "
            "but take fewer steps per epoch", lo=1, hi=60_000),
    Setting("learning_rate", "--lr", "Learning rate", 6e-3, "peak step size of AdamW (e.g. 0.003 or 3e-3); too high "
            "and the loss jumps or becomes NaN, too low and learning crawls", positive=True),
    Setting("schedule", "--schedule", "Schedule", "cosine", "cosine: a linear warm-up, then a smooth decay to zero at "
            "the end; constant: the same rate throughout", choices=SCHEDULES),
    Setting("warmup_steps", "--warmup-steps", "Warm-up", None, "batches over which the cosine schedule ramps the rate "
            f"up from zero; auto: {WARMUP_SHARE:.0%} of the run's batches, at most {WARMUP_MAX}", lo=0, hi=1_000_000,
            optional=True),
    Setting("weight_decay", "--weight-decay", "Weight decay", 0.0, "AdamW's weight decay (0: off): pulls weights "
            "towards zero"),
    Setting("grad_clip", "--grad-clip", "Gradient clip", 1.0, "largest gradient norm per step, larger ones are scaled "
            "down (0: off)"),
    Setting("augment", "--augment", "Augmentation", True, "shift, rotate and scale each training image a little, "
            "differently every epoch"),
    Setting("other_sources", "--other-sources", "Other sources", False, "give half the training images what other "
            "sources do to a digit: a thicker or thinner pen, blur, a scanner's threshold, few pixels, warps"),
    Setting("outliers", "--outliers", "Non-digits", True, "a quarter more images per batch that are no digit (shapes, "
            "characters, blobs), taught as any digit equally likely, so that the network holds back on them"),
    Setting("pen_data", "--pen-data", "Pen data", True, "also train on real people's pen digits (pendigits and UNIPEN, "
            "the train writers' only), drawn through the canvas's own stroke path, and teach their letters and symbols "
            "as no digit; held-out writers fit the verdict. Needs the pen data folder (--pen-data DIR, $PEN_DATA_DIR, "
            "or the user data folder's pen/); without it the run trains on MNIST alone", folder=True),
    Setting("train_subset", "--subset", "Training subset", 0, "train on the first N training images only (0: all); "
            "the test accuracy is always measured on all 10,000 test images", lo=0, hi=1_000_000),
    Setting("seed", "--seed", "Seed", 0, "fixes the initial weights, the order and the augmentation: the same "
            "settings and seed give the same model", lo=0, hi=MAX_SEED),
    Setting("device", "--device", "Device", "auto", "where to train (auto: a CUDA GPU when present)", choices=DEVICES),
    Setting("fit_verdict", "--fit-verdict", "Verdict", True, "after training, fit the rejection (not a digit, unsure) "
            "and the confidence calibration on held-out training images; without it the model answers every input"),
)
BY_NAME = {s.name: s for s in SETTINGS}
DEFAULTS = {s.name: s.default for s in SETTINGS}

# How the shipped model (models/default.safetensors) was trained, as its metadata records:
# recognizer train --epochs 30 --lr 3e-3 --warmup-steps 200 --other-sources --subset 55000.
SHIPPED_RECIPE = {"epochs": 30, "learning_rate": 3e-3, "warmup_steps": 200, "other_sources": True, "train_subset": 55_000}
