"""The one training engine, driven alike by the CLI and the window.

A Trainer runs a TrainConfig over MNIST and reports through two callbacks: after every batch
(loss, learning rate, samples/s) and after every epoch (train and test loss and accuracy). pause(),
resume() and stop() may be called from any thread and take effect before the next batch. The
settings' defaults and limits are training/settings.py's table; what happens after the last batch
(the verdict's fit, the save, the record) is training/run.py's.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F

from ..datasets.augment import other_sources, random_affine
from ..datasets.mnist import MNIST
from ..datasets.outliers import WEIGHT as OUTLIER_WEIGHT
from ..datasets.outliers import Outliers, outlier_loss, pool_size_for
from ..errors import TrainingError
from ..evaluation.accuracy import Evaluation, evaluate
from ..network.hidden_sizes import check_hidden_sizes
from ..network.model import ModelConfig, RowRNN
from ..trust.params import TrustParams
from .insight import Recorder
from .settings import DEFAULTS, SETTINGS, warmup_for


@dataclass
class TrainConfig:
    """One run's settings. Their defaults, limits and meaning: train_settings.SETTINGS."""

    hidden_sizes: tuple[int, ...] = DEFAULTS["hidden_sizes"]
    epochs: int = DEFAULTS["epochs"]
    batch_size: int = DEFAULTS["batch_size"]
    learning_rate: float = DEFAULTS["learning_rate"]
    schedule: str = DEFAULTS["schedule"]  # cosine: linear warm-up, then cosine decay to 0
    warmup_steps: int | None = DEFAULTS["warmup_steps"]  # None: train_settings.warmup_for the run
    weight_decay: float = DEFAULTS["weight_decay"]
    grad_clip: float = DEFAULTS["grad_clip"]  # max gradient norm; 0 switches clipping off
    augment: bool = DEFAULTS["augment"]
    other_sources: bool = DEFAULTS["other_sources"]  # thick and thin pens, blur, thresholds, ... (augment.py)
    outliers: bool = DEFAULTS["outliers"]  # a quarter more images per batch that are no digit (outliers.py)
    train_subset: int = DEFAULTS["train_subset"]  # use only the first N training images (0: all)
    seed: int = DEFAULTS["seed"]
    device: str = DEFAULTS["device"]  # auto: cuda when present, else cpu
    cell: str = DEFAULTS["cell"]  # lstm, gru or rnn (model.py)
    fit_verdict: bool = DEFAULTS["fit_verdict"]  # fit the rejection after training (training/run.py)
    init_model: str = ""  # the model file the run continued from ("": a new model)
    my_digits: bool = False  # whether each batch carried a share of My digits (finetune.py)
    pen_data: bool = DEFAULTS["pen_data"]  # real people's pen digits and letters beside MNIST, where found (pen_data.py)

    def __post_init__(self):
        # The same rule as the model loader's (hidden_sizes.py), so every run can be loaded again.
        self.hidden_sizes = check_hidden_sizes(self.hidden_sizes)
        for setting in SETTINGS:
            problem = setting.check(getattr(self, setting.name))
            if problem:
                raise ValueError(problem)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden_sizes"] = list(self.hidden_sizes)
        return d


def batches_per_epoch(config: TrainConfig, train_images: int) -> int:
    n = min(config.train_subset or train_images, train_images)
    return math.ceil(n / config.batch_size)


def warmup_warning(config: TrainConfig, train_images: int = 60_000) -> str | None:
    """A sentence for the user when the warm-up outlasts the run (the rate never reaches its
    peak), else None. train_images: the size of the training set before any subset."""
    total = batches_per_epoch(config, train_images) * config.epochs
    if config.schedule != "cosine" or config.warmup_steps is None or config.warmup_steps < total:
        return None  # the rule's warm-up (None) always ends before the run does
    return (
        f"The warm-up ({config.warmup_steps:,} batches) is longer than the whole run ({total:,} batches): "
        f"the learning rate never reaches its peak of {config.learning_rate:g}."
    )


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device cuda was asked for, but no CUDA GPU is available")
    return torch.device(name)


@dataclass(frozen=True)
class BatchProgress:
    epoch: int  # 1-based
    batch: int  # 1-based within the epoch
    batches_per_epoch: int
    loss: float
    learning_rate: float
    samples_per_second: float

    @property
    def fraction_done(self) -> float:
        """Of the whole run, given the total number of epochs it is told."""
        return self.batch / self.batches_per_epoch


@dataclass(frozen=True)
class EpochResult:
    epoch: int
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    seconds: float
    distributions: dict | None = None  # insight.Recorder's record so far, when the run keeps one
    my_digits_accuracy: float | None = None  # on the held-out My digits, when they were mixed in


@dataclass
class TrainResult:
    model: RowRNN  # the weights after the last batch run
    config: TrainConfig
    history: list[EpochResult] = field(default_factory=list)
    evaluation: Evaluation | None = None  # of `model` on the full test set
    stopped: bool = False  # stopped before the last epoch finished
    best_epoch: int | None = None
    best_state: dict | None = None  # weights of the epoch with the best test accuracy
    distributions: dict | None = None  # insight.Recorder's record of the whole run, or None
    pen_sets: dict | None = None  # pen_data.PenSets.describe() of the pen data trained on, or None
    trust: TrustParams | None = None  # the verdict's parameters, once fitted (training_run.fit_verdict)
    held_out_hands: dict | None = None  # pen_reading's tally of the test writers' digits (run.measure_hands), or None

    @property
    def test_accuracy(self) -> float | None:
        return self.evaluation.accuracy if self.evaluation else None


class Trainer:
    def __init__(
        self,
        config: TrainConfig,
        data: MNIST,
        on_batch: Callable[[BatchProgress], None] | None = None,
        on_epoch: Callable[[EpochResult], None] | None = None,
        record_distributions: bool = True,
        start_from: RowRNN | None = None,
        my_digits=None,
        pen=None,
    ):
        """record_distributions: keep insight.py's distributions and gradient flow (a benchmark
        switches it off to measure what it costs); start_from: a model whose architecture and
        weights the run continues from (its cell and hidden sizes must be the config's);
        my_digits: a finetune.MyDigitsMix to mix in; pen: a pen_data.PenTraining whose digits are
        mixed in, whose letters join the non-digits and whose fit writers' digits fit the verdict
        beside MNIST's (used only when config.pen_data)."""
        self.config = config
        self.record_distributions = record_distributions
        self.lr_multiplier = 1.0  # set_lr_multiplier
        self.data = data
        self.on_batch = on_batch
        self.on_epoch = on_epoch
        self.start_from = start_from
        self.my_digits = my_digits
        self.pen = pen if config.pen_data else None
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        # Set while the loop holds between batches after pause(): from then on no batch runs until
        # resume() or stop(), which a caller can wait for instead of sleeping.
        self.held = threading.Event()

    # -- control, from any thread ---------------------------------------------------------------
    def pause(self):
        self._running.clear()

    def resume(self):
        self._running.set()

    def stop(self):
        self._stop.set()
        self._running.set()  # wake a paused loop so that it can see the stop

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def set_lr_multiplier(self, factor: float) -> None:
        """Scale the schedule's rate by factor from the next batch on. One float assignment,
        which the training thread reads once per batch: atomic under the GIL, no lock needed."""
        if not (factor > 0 and math.isfinite(factor)):
            raise ValueError("The learning-rate multiplier must be a positive number")
        self.lr_multiplier = float(factor)

    # -- the run --------------------------------------------------------------------------------
    def learning_rate_at(self, step: int, total_steps: int) -> float:
        cfg = self.config
        if cfg.schedule == "constant":
            return cfg.learning_rate
        warmup = cfg.warmup_steps if cfg.warmup_steps is not None else warmup_for(total_steps)
        if step < warmup:
            return cfg.learning_rate * (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return cfg.learning_rate * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    def run(self) -> TrainResult:
        cfg = self.config
        device = resolve_device(cfg.device)
        torch.manual_seed(cfg.seed)
        generator = torch.Generator().manual_seed(cfg.seed)

        n = cfg.train_subset or len(self.data.train_images)
        # uint8, as loaded (on the CPU a view of the MNIST array, no copy): each batch becomes
        # float on its own, so a run never holds a float copy of the whole training set.
        images = torch.as_tensor(self.data.train_images[:n]).to(device)
        labels = torch.as_tensor(self.data.train_labels[:n], dtype=torch.long).to(device)
        model = RowRNN(ModelConfig(cfg.hidden_sizes, cfg.cell)).to(device)
        if self.start_from is not None:
            model.load_state_dict(self.start_from.state_dict())
        optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        try:
            result = self._epochs(model, optimizer, images, labels, generator, device)
        except BaseException as e:
            traceback.clear_frames(e.__traceback__)  # a kept exception must not keep the tensors
            raise
        finally:
            # Nothing of the run outlives it but the result: no optimizer state, no gradients,
            # no training tensors (also when an exception's traceback keeps this frame alive).
            del images, labels, optimizer
            model.zero_grad(set_to_none=True)
        # The window and the model files work on the CPU; the result is handed over there.
        result.model = model.cpu().eval()
        return result

    def _epochs(self, model, optimizer, images, labels, generator, device) -> TrainResult:
        cfg = self.config
        batches = math.ceil(len(images) / cfg.batch_size)
        total_steps = batches * cfg.epochs
        result = TrainResult(model=model, config=cfg, pen_sets=self.pen.description if self.pen else None)
        best_accuracy = -1.0
        insight = Recorder(model, images, labels) if self.record_distributions else None
        real = self.pen.non_digit_images if self.pen is not None else None
        outliers = Outliers(cfg.seed, pool_size_for(len(images)), device, real) if cfg.outliers else None

        step = 0
        for epoch in range(1, cfg.epochs + 1):
            model.train()
            started = time.perf_counter()
            order = torch.randperm(len(images), generator=generator).to(device)
            loss_sum = torch.zeros((), device=device)
            correct = torch.zeros((), device=device, dtype=torch.long)
            seen = 0
            for b in range(batches):
                if not self._running.is_set():
                    paused_at = time.perf_counter()
                    self.held.set()
                    self._running.wait()
                    self.held.clear()
                    started += time.perf_counter() - paused_at  # rates and times leave pauses out
                if self._stop.is_set():
                    result.stopped = True
                    break
                idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
                x, y = images[idx].float(), labels[idx]
                if images.dtype == torch.uint8:  # ink 0..255, as loaded; floats are in [0, 1] already
                    x.div_(255.0)
                if cfg.augment:
                    x = random_affine(x, generator)
                if cfg.other_sources:
                    x = other_sources(x, generator)
                if self.my_digits is not None:
                    x, y = self.my_digits.mix(x, y, generator)
                if self.pen is not None:
                    x, y = self.pen.mix(x, y, generator)
                lr = self.learning_rate_at(step, total_steps) * self.lr_multiplier
                for group in optimizer.param_groups:
                    group["lr"] = lr
                logits = model(x)
                loss = digits_loss = F.cross_entropy(logits, y)
                if outliers is not None:  # a pass of their own: one batch of 160 is slower than 128 + 32 here
                    odd = outliers.batch(outliers.count_for(len(y)), x, generator)
                    loss = digits_loss + OUTLIER_WEIGHT * outlier_loss(model(odd))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if insight:
                    insight.after_backward(last_in_epoch=b == batches - 1)
                if cfg.grad_clip:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                try:
                    optimizer.step()
                except RuntimeError as e:  # a step past float32's range (a learning rate of 1e308, say)
                    if "overflow" not in str(e):
                        raise
                    raise TrainingError(_diverged(float("inf"), epoch, b, cfg)) from None
                step += 1
                seen += len(y)
                # The digits' cross-entropy is what the curves show (the outliers' part never falls
                # below log 10); the NaN check watches the whole loss. One sync per batch.
                loss_value, total_value = (v.item() for v in (digits_loss, loss))
                if not math.isfinite(total_value):
                    raise TrainingError(_diverged(total_value, epoch, b, cfg))
                loss_sum += digits_loss.detach() * len(y)
                correct += (logits.argmax(1) == y).sum()
                if self.on_batch:
                    elapsed = time.perf_counter() - started
                    self.on_batch(BatchProgress(epoch, b + 1, batches, loss_value, lr, seen / max(elapsed, 1e-9)))
            if result.stopped:
                break
            _check_finite(model, f"after epoch {epoch}")
            result.distributions = insight.end_epoch(epoch) if insight else None
            test = evaluate(model, self.data.test_images, self.data.test_labels)
            epoch_result = EpochResult(
                epoch=epoch,
                train_loss=float(loss_sum) / seen,
                train_accuracy=float(correct) / seen,
                test_loss=test.loss,
                test_accuracy=test.accuracy,
                seconds=time.perf_counter() - started,
                distributions=result.distributions,
                my_digits_accuracy=None if self.my_digits is None else self.my_digits.held_out_accuracy(model),
            )
            result.history.append(epoch_result)
            result.evaluation = test
            if test.accuracy > best_accuracy:
                best_accuracy = test.accuracy
                result.best_epoch = epoch
                result.best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
            if self.on_epoch:
                self.on_epoch(epoch_result)
        if result.stopped:
            _check_finite(model, "when stopped")
            result.evaluation = evaluate(model, self.data.test_images, self.data.test_labels)
        return result


def _diverged(loss: float, epoch: int, batch: int, cfg: TrainConfig) -> str:
    return f"The loss became {loss} at epoch {epoch}, batch {batch + 1}; try a lower learning rate than {cfg.learning_rate:g}"


def _check_finite(model: RowRNN, when: str) -> None:
    """TrainingError unless every weight is finite: no NaN model is evaluated, saved or handed over."""
    bad = [name for name, p in model.named_parameters() if not torch.isfinite(p).all()]
    if bad:
        raise TrainingError(
            f"The weights became NaN or infinite {when} ({bad[0]}{' and more' if len(bad) > 1 else ''}); "
            f"try a lower learning rate or weight decay"
        )
