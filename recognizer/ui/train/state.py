"""What the Train tab knows, without Qt: a run's clock, its phase and every text the tab shows,
and the settings form's model (parsing, checking, remembering). A run's curves are the core's
(recognizer/training/curves.py), shared with the run records.

Kept apart from the widgets so that it can be tested without a display, and so that the widgets
only show what this module computes.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from ...errors import TrainingError
from ...network.hidden_sizes import format_hidden_sizes
from ...text import plural
from ...training.run import hands_words
from ...training.settings import SETTINGS, Setting
from ...training.trainer import BatchProgress, TrainConfig
from ..job_slot import JobSlot

RATE_WINDOW_S = 3.0  # the images/s shown is measured over this many seconds of training
MAX_SUBSET = 60_000  # MNIST's training images
SETTINGS_PREFIX = "train/"


# --- the clock --------------------------------------------------------------------------------
class RunClock:
    """Images/s, time left and the share done of one run, on a clock that stands still while the
    run is paused: every time here is active time, so a pause moves none of them.

    The Trainer's own images/s counts from its epoch's start; this one is measured over the last
    few seconds of training, and leaves out the test pass after each epoch."""

    def __init__(self, epochs: int, images: int, batch_size: int, test_images: int, now: float):
        self.epochs, self.images, self.batch_size, self.test_images = epochs, images, batch_size, test_images
        self.started = now
        self._paused_at: float | None = None
        self._paused_total = 0.0
        self.latest: BatchProgress | None = None
        self._latest_active = 0.0
        self.images_seen = 0  # of the whole run, epochs before this one included
        self.epochs_done = 0
        self._points: deque[tuple[float, int]] = deque()  # (active time, images seen)
        self._rate: float | None = None
        self._eval_seconds: float | None = None  # one test pass, once an epoch has timed it

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def active(self, now: float) -> float:
        """Seconds the run has been running, pauses left out."""
        return (self._paused_at if self._paused_at is not None else now) - self.started - self._paused_total

    def pause(self, now: float) -> None:
        if self._paused_at is None:
            self._paused_at = now

    def resume(self, now: float) -> None:
        if self._paused_at is not None:
            self._paused_total += now - self._paused_at
            self._paused_at = None

    def take(self, events, now: float) -> None:
        """What the run reported since the last call, in order."""
        active = self.active(now)
        for e in events:
            if isinstance(e, BatchProgress):
                self.latest, self._latest_active = e, active
                self.images_seen = (e.epoch - 1) * self.images + min(e.batch * self.batch_size, self.images)
            else:
                self.epochs_done = e.epoch
                self._points.clear()  # the gap before the next batch holds a test pass
                b = self.latest
                if b is not None and b.samples_per_second > 0:
                    # The epoch's seconds are its batches plus the test pass after them.
                    self._eval_seconds = max(0.0, e.seconds - self.images / b.samples_per_second)
        if self.latest is not None and not self.measuring:
            points = self._points
            points.append((active, self.images_seen))
            while len(points) > 2 and active - points[0][0] > RATE_WINDOW_S:
                points.popleft()

    @property
    def measuring(self) -> bool:
        """The last batch of an epoch is done and its test pass is running."""
        b = self.latest
        return b is not None and b.batch == b.batches_per_epoch and self.epochs_done < b.epoch

    def rate(self) -> float | None:
        """Training images per second over the last few seconds of training."""
        points = self._points
        if len(points) >= 2 and points[-1][0] - points[0][0] >= 0.5:
            (t0, n0), (t1, n1) = points[0], points[-1]
            if n1 > n0:
                self._rate = (n1 - n0) / (t1 - t0)
        if self._rate is None and self.latest is not None and self.latest.samples_per_second > 0:
            return self.latest.samples_per_second
        return self._rate

    def seconds_left(self, now: float) -> float | None:
        """Images still to train at the current rate, plus the test passes still to come (timed
        after the first epoch; until then guessed as a forward pass at three times the speed)."""
        rate = self.rate()
        if self.latest is None or not rate:
            return None
        images_left = self.epochs * self.images - self.images_seen
        test_pass = self._eval_seconds if self._eval_seconds is not None else self.test_images / (3 * rate)
        left = images_left / rate + (self.epochs - self.epochs_done) * test_pass
        if self.measuring:
            left -= min(test_pass, self.active(now) - self._latest_active)
        return max(0.0, left)

    def fraction_done(self, now: float) -> float | None:
        """Of the whole run, by time: what has run over what has run plus what is left."""
        left = self.seconds_left(now)
        if left is None:
            return None
        active = self.active(now)
        return active / max(active + left, 1e-9)


# --- the run's phase --------------------------------------------------------------------------
TRANSITIONS = {
    "idle": {"loading", "running"},
    "loading": {"running", "idle"},  # idle again: no data, nothing ran
    "running": {"paused", "stopping", "finished", "failed"},
    "paused": {"running", "stopping", "finished", "failed"},  # paused during the last test pass
    "stopping": {"finished", "failed"},
    "finished": {"loading", "running"},
    "failed": {"loading", "running"},
}
BUSY = {"loading", "running", "paused", "stopping"}


class RunState:
    """idle → (loading →) running ⇄ paused → stopping → finished or failed, and again. job: the
    run's slot (the tab hands it its runner); the phase says more than its busy, so the tab follows
    the phase."""

    def __init__(self):
        self.phase = "idle"
        self.job = JobSlot()

    def go(self, phase: str) -> None:
        if phase not in TRANSITIONS[self.phase]:
            raise ValueError(f"a run cannot go from {self.phase} to {phase}")
        self.phase = phase

    @property
    def busy(self) -> bool:
        return self.phase in BUSY

    @property
    def can_pause(self) -> bool:
        return self.phase in ("running", "paused")

    @property
    def can_stop(self) -> bool:
        return self.phase in ("loading", "running", "paused")


# --- texts ------------------------------------------------------------------------------------
IDLE_TEXT = "Press Start to train a model."
LOADING_TEXT = "Getting MNIST…"
STOPPING_TEXT = "Stopping after this batch, then measuring the model on the test images…"
NO_RESULT_TEXT = "No run yet."


def no_data_text(reason: str) -> str:
    return "No training data: " + reason if reason else "Cancelled: no MNIST, no training."


def starting_text(images: int, epochs: int) -> str:
    return f"Starting: {plural(images, 'training image')}, {plural(epochs, 'epoch')}…"


def progress_text(clock: RunClock, now: float) -> str:
    b = clock.latest
    if b is None:
        return starting_text(clock.images, clock.epochs)
    if clock.paused:
        return (f"Paused in epoch {b.epoch:,} of {clock.epochs:,}, after batch {b.batch:,} of {b.batches_per_epoch:,}. "
                "Resume to go on, Stop to end the run here.")  # fmt: skip
    rate = clock.rate() or b.samples_per_second
    parts = [f"Epoch {b.epoch:,} of {clock.epochs:,}", f"batch {b.batch:,} of {b.batches_per_epoch:,}",
             f"{rate:,.0f} images/s"]  # fmt: skip
    if clock.measuring:
        parts[1] = f"testing on {plural(clock.test_images, 'image')}"
    left = clock.seconds_left(now)
    if left is not None and clock.active(now) > 1.0:
        parts.append(f"about {duration(left)} left")
    return " · ".join(parts)


def ended_text(outcome) -> str:
    return f"{'Stopped' if outcome.result.stopped else 'Finished'} after {duration(outcome.seconds)}."


def failure_texts(error: BaseException | None, message: str, details: str) -> tuple[str, str, str, str]:
    """(kind, title, text, details) of the dialog for a run that failed."""
    if isinstance(error, TrainingError):  # a NaN loss: the message suggests a lower rate
        return "warning", "Training stopped", f"Training stopped: {message}.", details
    if not details:  # ours, or the system's: said as it is
        return "critical", "Cannot train", message, details
    return ("critical", "Training crashed", f"Training stopped on an unexpected error: {message}\n\n"
            "The window keeps working; the details below help a bug report.", details)  # fmt: skip


def result_text(outcome, test_images: int) -> str:
    if outcome is None:
        return NO_RESULT_TEXT
    r, c = outcome.result, outcome.result.config
    done = len(r.history)
    when = f"stopped during epoch {done + 1} of {c.epochs:,}" if r.stopped else f"after {plural(c.epochs, 'epoch')}"
    images = plural(c.train_subset or MAX_SUBSET, "training image")
    hands = hands_words(r.held_out_hands)
    return (f"on the {test_images:,} test images, {when}.\n{c.cell.upper()} {format_hidden_sizes(c.hidden_sizes)}, "
            f"{images}, learning rate {c.learning_rate:g} ({c.schedule})." + (f"\n{hands}" if hands else ""))  # fmt: skip


def model_file_name(result) -> str:
    """What "Save model as…" suggests for a run's result: its sizes and test accuracy."""
    sizes = "x".join(str(h) for h in result.config.hidden_sizes)
    return f"lstm{sizes}-{100 * (result.test_accuracy or 0.0):.1f}.safetensors"


def autosave_text(outcome) -> tuple[str, str]:
    """(text, tooltip) about the best epoch's automatic save."""
    if outcome is None:
        return "", ""
    r = outcome.result
    if outcome.saved is not None and r.stopped:
        return (f"The weights at the stop ({r.test_accuracy:.2%}) saved automatically in {home(outcome.saved.parent)} "
                f"as {outcome.saved.name}", f"Saved as {outcome.saved}\n(File › Load model… reads it back.)")  # fmt: skip
    if outcome.saved is not None:
        acc = r.history[r.best_epoch - 1].test_accuracy
        return (f"Best epoch ({r.best_epoch}, {acc:.2%}) saved automatically in {home(outcome.saved.parent)} "
                f"as {outcome.saved.name}", f"Saved as {outcome.saved}\n(File › Load model… reads it back.)")  # fmt: skip
    if r.best_epoch is None:
        return "No epoch finished, so nothing was saved automatically.", ""
    return "The best epoch was not saved.", ""


def home(path: Path) -> str:
    """path with the home folder written ~, as people read it."""
    try:
        return "~/" + str(Path(path).relative_to(Path.home()))
    except ValueError:
        return str(path)


def duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    hours, m = divmod(minutes, 60)
    return f"{hours:,} h {m:02d} min"


# --- the settings form's model ----------------------------------------------------------------
def available_devices() -> list[tuple[str, str]]:
    """(config value, label) of each device to offer: the CPU, and CUDA first when it works."""
    devices = [("cpu", "CPU")]
    if torch.cuda.is_available():
        devices.insert(0, ("cuda", f"GPU ({torch.cuda.get_device_name(0)})"))
    return devices


def parse_form(fields: Mapping[str, object]) -> tuple[TrainConfig | None, dict[str, str]]:
    """The form's values (one per row of train_settings.SETTINGS: text where the user typed it,
    else the value itself) as a TrainConfig, or None and an error for every field that is wrong,
    all at once (key "form" for one TrainConfig itself refuses)."""
    values, errors = {}, {}
    for setting in SETTINGS:
        raw = fields[setting.name]
        try:
            values[setting.name] = setting.parse(raw) if isinstance(raw, str) and setting.kind != "choice" else raw
        except ValueError as e:
            errors[setting.name] = f"{setting.label}: {e}"
    if errors:
        return None, errors
    try:
        return TrainConfig(**values), {}
    except ValueError as e:
        return None, {"form": str(e)}


def run_batches(values: Mapping[str, object], train_images: int = MAX_SUBSET) -> int:
    """Batches in the whole run the form's values describe."""
    images = min(int(values["train_subset"]) or train_images, train_images)
    return int(values["epochs"]) * math.ceil(images / int(values["batch_size"]))


def warmup_warning(values: Mapping[str, object], train_images: int = MAX_SUBSET) -> str:
    """A warning when a warm-up the user set does not end before the run does, else "" (the
    rule's, train_settings.warmup_for, always ends first)."""
    if values["schedule"] != "cosine" or values["warmup_steps"] is None:
        return ""
    total = run_batches(values, train_images)
    if int(values["warmup_steps"]) < total:
        return ""
    return (f"Not shorter than the whole run ({plural(total, 'batch', 'batches')}): the rate only ever rises "
            "and never decays.")  # fmt: skip


def _stored(store, setting: Setting, devices: Sequence[str]):
    """One setting as stored, or its default when it is missing, corrupt or out of range."""
    default = devices[0] if setting.name == "device" else setting.default
    raw = store.value(SETTINGS_PREFIX + setting.name)
    if isinstance(raw, list):  # an INI file read back "32, 64" typed by hand, unquoted, as a list
        if setting.kind != "sizes":
            return default
        raw = ", ".join(map(str, raw))
    if raw is None:
        return default
    if setting.kind == "int" and isinstance(raw, (str, float)) and re.fullmatch(r"\s*\d+\.0*\s*", str(raw)):
        raw = str(raw).split(".")[0]  # a whole number an INI file or an older version wrote as 7.0
    try:
        value = setting.parse(str(raw))
    except ValueError:
        return default
    if setting.check(value) or (setting.name == "device" and value not in [*devices, "auto"]):
        return default
    return value


def read_train_settings(store, devices: Sequence[str] | None = None) -> TrainConfig:
    """The settings stored by the tab (store: a QSettings, or anything with its value()); each
    missing, corrupt or out-of-range value is the table's default, and a device not present here
    falls back to the best one that is ("auto" picks at each run)."""
    devices = list(devices or [value for value, _ in available_devices()])
    return TrainConfig(**{s.name: _stored(store, s, devices) for s in SETTINGS})


def write_train_settings(store, config: TrainConfig) -> None:
    """Each setting as the table shows it, which its parser reads back exactly."""
    for setting in SETTINGS:
        store.setValue(SETTINGS_PREFIX + setting.name, setting.show(getattr(config, setting.name)))
    store.sync()
