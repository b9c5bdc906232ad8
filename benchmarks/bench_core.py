"""Core speed: trace latency beside a bare nn.LSTM forward, preprocessing, and training
throughput of the Trainer beside a bare PyTorch loop over the same model, measured in one run.

    python benchmarks/bench_core.py          (MNIST from --data-dir, $MNIST_DIR or the user folder)
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401  (puts the checkout on sys.path)
import numpy as np
import torch
import torch.nn.functional as F

from recognizer.datasets.mnist import MNIST, load_mnist
from recognizer.evaluation.accuracy import as_float_images
from recognizer.files.model_file import load_model
from recognizer.files.paths import default_model_path
from recognizer.inputs.preprocess import to_mnist
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.network.trace import Tracer
from recognizer.training.settings import SHIPPED_RECIPE
from recognizer.training.trainer import TrainConfig, Trainer


def bench_latency(data: MNIST) -> dict:
    model = load_model(default_model_path()).model
    tracer = Tracer(model)
    image = data.test_images[0].astype(np.float32) / 255
    x = torch.from_numpy(image)[None]
    canvas = np.zeros((280, 280), np.uint8)
    canvas[40:240, 120:160] = 255  # a thick "1" as the canvas would hand it over

    def forward():
        with torch.no_grad():
            model(x)

    results = {
        "trace (one image, all 28 rows, every gate)": common.stats_ms(common.time_calls(lambda: tracer(image), 2000)),
        "bare nn.LSTM forward (one image, answer only)": common.stats_ms(common.time_calls(forward, 2000)),
        "preprocess a 280×280 canvas": common.stats_ms(common.time_calls(lambda: to_mnist(canvas), 2000)),
    }
    common.print_table(
        "Latency (ms)", ["what", "median", "p95", "max"],
        [[k, v["median_ms"], v["p95_ms"], v["max_ms"]] for k, v in results.items()],
    )
    return results


def bare_loop(images: torch.Tensor, labels: torch.Tensor, batch_size: int, seed: int) -> float:
    """The tutorial's loop: the same model, Adam, shuffled batches; returns samples per second."""
    start = time.perf_counter()
    torch.manual_seed(seed)
    model = RowRNN(ModelConfig((128,)))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(len(images))
    for b in range(0, len(images), batch_size):
        idx = order[b : b + batch_size]
        loss = F.cross_entropy(model(images[idx]), labels[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return len(images) / (time.perf_counter() - start)


def trainer_run(data: MNIST, config: TrainConfig) -> float:
    """Samples per second of Trainer.run over the training images (its test pass is left out by
    giving it a one-image test set)."""
    start = time.perf_counter()
    Trainer(config, data).run()
    return len(data.train_images) / (time.perf_counter() - start)


def bench_training(data: MNIST, n_images: int, rounds: int) -> dict:
    sub = MNIST(data.train_images[:n_images], data.train_labels[:n_images], data.test_images[:1], data.test_labels[:1])
    images = as_float_images(sub.train_images)
    labels = torch.as_tensor(sub.train_labels, dtype=torch.long)
    like = TrainConfig(epochs=1, augment=False, other_sources=False, outliers=False, grad_clip=0, schedule="constant",
                       learning_rate=1e-3, device="cpu")
    shipped_recipe = TrainConfig(**{**SHIPPED_RECIPE, "epochs": 1, "device": "cpu"})
    runs = {"bare": [], "trainer": [], "trainer_recipe": []}
    for r in range(rounds):  # interleaved, so that drifts in machine load hit all three alike
        runs["bare"].append(bare_loop(images, labels, 128, r))
        runs["trainer"].append(trainer_run(sub, TrainConfig(**{**like.to_dict(), "seed": r})))
        runs["trainer_recipe"].append(trainer_run(sub, TrainConfig(**{**shipped_recipe.to_dict(), "seed": r})))
    med = {k: float(np.median(v)) for k, v in runs.items()}
    result = {
        "images_per_round": n_images,
        "rounds": rounds,
        "bare_loop_samples_per_s": med["bare"],
        "trainer_samples_per_s": med["trainer"],
        "trainer_over_bare": med["trainer"] / med["bare"],
        "trainer_with_augmentation_and_clipping_samples_per_s": med["trainer_recipe"],
        "recipe_over_bare": med["trainer_recipe"] / med["bare"],
        "all_rounds": runs,
    }
    common.print_table(
        f"Training throughput, LSTM-128, batch 128, CPU ({n_images:,} images × {rounds} interleaved rounds, median)",
        ["loop", "samples/s", "ratio to bare"],
        [
            ["bare PyTorch loop (Adam, no extras)", med["bare"], 1.0],
            ["Trainer, same work (no augmentation, no clipping)", med["trainer"], result["trainer_over_bare"]],
            ["Trainer, shipped recipe (augmentation, other sources, non-digits, clipping)", med["trainer_recipe"], result["recipe_over_bare"]],
        ],
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir")
    parser.add_argument("--images", type=int, default=12800, help="training images per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = load_mnist(args.data_dir)
    payload = {"latency": bench_latency(data), "training": bench_training(data, args.images, args.rounds)}
    common.write_json("core", payload)


if __name__ == "__main__":
    main()
