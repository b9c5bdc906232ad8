"""The one training engine, driven alike by the CLI and the window.

A Trainer runs a TrainConfig over MNIST and reports through two callbacks: after every batch
(loss, learning rate, samples/s) and after every epoch (train and test loss and accuracy). pause(),
resume() and stop() may be called from any thread and take effect before the next batch.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .augment import random_affine
from .data import MNIST
from .errors import TrainingError
from .evaluate import Evaluation, as_float_images, evaluate
from .model import ModelConfig, RowLSTM

SCHEDULES = ("cosine", "constant")


@dataclass
class TrainConfig:
    hidden_sizes: tuple[int, ...] = (128,)
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 2e-3
    schedule: str = "cosine"  # cosine: linear warm-up over warmup_steps, then cosine decay to 0
    warmup_steps: int = 200
    weight_decay: float = 0.0
    grad_clip: float = 1.0  # max gradient norm; 0 switches clipping off
    augment: bool = True
    train_subset: int = 0  # use only the first N training images (0: all 60,000)
    seed: int = 0
    device: str = "auto"  # auto: cuda when present, else cpu

    def __post_init__(self):
        self.hidden_sizes = tuple(int(h) for h in self.hidden_sizes)
        checks = [
            (self.epochs >= 1, "epochs must be at least 1"),
            (self.batch_size >= 1, "batch size must be at least 1"),
            (self.warmup_steps >= 0, "warm-up steps must not be negative"),
            (self.learning_rate > 0 and math.isfinite(self.learning_rate), "learning rate must be positive"),
            (self.schedule in SCHEDULES, f"schedule must be one of {', '.join(SCHEDULES)}"),
            (self.weight_decay >= 0, "weight decay must not be negative"),
            (self.grad_clip >= 0, "gradient clip must not be negative"),
            (self.train_subset >= 0, "training subset must not be negative"),
            (self.device in ("auto", "cpu", "cuda"), "device must be auto, cpu or cuda"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)
        ModelConfig(self.hidden_sizes)  # validates the sizes

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden_sizes"] = list(self.hidden_sizes)
        return d


def quick_config(**changes) -> TrainConfig:
    """The Train tab's starting point: three epochs, with a higher peak rate, that reach about
    98.6% on the test set (the defaults above are the shipped model's 30-epoch recipe)."""
    return TrainConfig(**{"epochs": 3, "learning_rate": 3e-3, **changes})


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


@dataclass
class TrainResult:
    model: RowLSTM  # the weights after the last batch run
    config: TrainConfig
    history: list[EpochResult] = field(default_factory=list)
    evaluation: Evaluation | None = None  # of `model` on the full test set
    stopped: bool = False  # stopped before the last epoch finished
    best_epoch: int | None = None
    best_state: dict | None = None  # weights of the epoch with the best test accuracy

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
    ):
        self.config = config
        self.data = data
        self.on_batch = on_batch
        self.on_epoch = on_epoch
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()

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

    # -- the run --------------------------------------------------------------------------------
    def learning_rate_at(self, step: int, total_steps: int) -> float:
        cfg = self.config
        if cfg.schedule == "constant":
            return cfg.learning_rate
        if step < cfg.warmup_steps:
            return cfg.learning_rate * (step + 1) / cfg.warmup_steps
        progress = (step - cfg.warmup_steps) / max(1, total_steps - cfg.warmup_steps)
        return cfg.learning_rate * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    def run(self) -> TrainResult:
        cfg = self.config
        device = resolve_device(cfg.device)
        torch.manual_seed(cfg.seed)
        generator = torch.Generator().manual_seed(cfg.seed)

        n = cfg.train_subset or len(self.data.train_images)
        images = as_float_images(self.data.train_images[:n]).to(device)
        labels = torch.as_tensor(self.data.train_labels[:n], dtype=torch.long).to(device)
        model = RowLSTM(ModelConfig(cfg.hidden_sizes)).to(device)
        optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        batches = math.ceil(len(images) / cfg.batch_size)
        total_steps = batches * cfg.epochs
        result = TrainResult(model=model, config=cfg)
        best_accuracy = -1.0

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
                    self._running.wait()
                    started += time.perf_counter() - paused_at  # rates and times leave pauses out
                if self._stop.is_set():
                    result.stopped = True
                    break
                idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
                x, y = images[idx], labels[idx]
                if cfg.augment:
                    x = random_affine(x, generator)
                lr = self.learning_rate_at(step, total_steps)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                logits = model(x)
                loss = F.cross_entropy(logits, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if cfg.grad_clip:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                optimizer.step()
                step += 1
                seen += len(y)
                loss_value = loss.item()  # one sync per batch: needed for the NaN check anyway
                if not math.isfinite(loss_value):
                    raise TrainingError(
                        f"the loss became {loss_value} at epoch {epoch}, batch {b + 1}; "
                        f"try a lower learning rate than {cfg.learning_rate:g}"
                    )
                loss_sum += loss.detach() * len(y)
                correct += (logits.argmax(1) == y).sum()
                if self.on_batch:
                    elapsed = time.perf_counter() - started
                    self.on_batch(BatchProgress(epoch, b + 1, batches, loss_value, lr, seen / max(elapsed, 1e-9)))
            if result.stopped:
                break
            test = evaluate(model, self.data.test_images, self.data.test_labels)
            epoch_result = EpochResult(
                epoch=epoch,
                train_loss=float(loss_sum) / seen,
                train_accuracy=float(correct) / seen,
                test_loss=test.loss,
                test_accuracy=test.accuracy,
                seconds=time.perf_counter() - started,
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
            result.evaluation = evaluate(model, self.data.test_images, self.data.test_labels)
        # The window and the model files work on the CPU; the result is handed over there.
        result.model = model.cpu().eval()
        # Every trained model gets its rejection and temperature, fitted on held-out training
        # images (recognizer/verdict.py); save_model writes them along with the weights.
        from .verdict import fit_trust_on_mnist

        try:
            result.model.trust = fit_trust_on_mnist(result.model, self.data)
        except (ValueError, np.linalg.LinAlgError):  # too few images, or a degenerate model
            result.model.trust = None
        return result
