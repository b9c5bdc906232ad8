"""The three cells side by side: trace time of each shipped model (one Tracer call, one image,
all 28 rows, every state and gate), and training throughput of each cell kind with the
project's Trainer beside a bare PyTorch loop of the same module and batch size.

    python benchmarks/bench_cells.py          (MNIST from --data-dir, $MNIST_DIR or the user folder)

The Trainer's rate is the one it reports itself (images of the epoch over the epoch's time, its
test pass and the fitting of the rejection parameters left out); the bare loop is timed over the
same batches. Rounds are interleaved so that drifts in machine load hit both alike. On a
machine that others share, run it with OMP_NUM_THREADS=1: two threads each on busy cores made
the training rounds crawl.
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
from recognizer.network.cells import CELLS
from recognizer.network.model import ModelConfig, RowRNN, count_parameters
from recognizer.network.trace import Tracer
from recognizer.training.trainer import TrainConfig, Trainer

MODELS = ["default.safetensors", "lstm-32x64.safetensors", "gru-128.safetensors", "rnn-128.safetensors"]
TARGET_RATIO = 0.9


def bench_trace(data: MNIST, calls: int) -> dict:
    folder = default_model_path().parent
    image = data.test_images[0].astype(np.float32) / 255
    results, rows = {}, []
    for name in MODELS:
        loaded = load_model(folder / name)
        tracer = Tracer(loaded.model)
        stats = common.stats_ms(common.time_calls(lambda: tracer(image), calls))
        results[name] = {"model": loaded.model.describe(), "parameters": count_parameters(loaded.model), **stats}
        rows.append([name, loaded.model.describe(), count_parameters(loaded.model), stats["median_ms"], stats["p95_ms"]])
    common.print_table(f"Trace time, one image ({calls} calls)", ["model file", "model", "parameters", "median ms", "p95 ms"], rows)
    return results


def bare_loop(cell: str, images: torch.Tensor, labels: torch.Tensor, batch_size: int, seed: int) -> float:
    """The same module (RowRNN of the cell, 128 units), AdamW, shuffled batches: samples per second
    over the batches alone, as the Trainer counts its own."""
    torch.manual_seed(seed)
    model = RowRNN(ModelConfig((128,), cell))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    order = torch.randperm(len(images))
    start = time.perf_counter()
    for b in range(0, len(images), batch_size):
        idx = order[b : b + batch_size]
        loss = F.cross_entropy(model(images[idx]), labels[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return len(images) / (time.perf_counter() - start)


def trainer_rate(cell: str, data: MNIST, batch_size: int, seed: int) -> float:
    """Samples per second the Trainer reports after the last batch of its one epoch."""
    config = TrainConfig(hidden_sizes=(128,), cell=cell, epochs=1, batch_size=batch_size, augment=False,
                         other_sources=False, outliers=False, grad_clip=0,
                         schedule="constant", learning_rate=1e-3, seed=seed, device="cpu")  # fmt: skip
    last = []
    Trainer(config, data, on_batch=last.append).run()
    return last[-1].samples_per_second


def bench_training(data: MNIST, n_images: int, rounds: int, batch_size: int) -> dict:
    # Enough held-out images for the Trainer's rejection fit at the end of its run (not timed).
    sub = MNIST(data.train_images[:n_images], data.train_labels[:n_images], data.test_images[:1], data.test_labels[:1])
    images = as_float_images(sub.train_images)
    labels = torch.as_tensor(sub.train_labels, dtype=torch.long)
    results, rows = {}, []
    for cell in CELLS:
        runs = {"bare": [], "trainer": []}
        for r in range(rounds):
            runs["bare"].append(bare_loop(cell, images, labels, batch_size, r))
            runs["trainer"].append(trainer_rate(cell, sub, batch_size, r))
        bare, trainer = float(np.median(runs["bare"])), float(np.median(runs["trainer"]))
        results[cell] = {"bare_samples_per_s": bare, "trainer_samples_per_s": trainer, "trainer_over_bare": trainer / bare,
                         "target": TARGET_RATIO, "met": trainer / bare >= TARGET_RATIO, "all_rounds": runs}  # fmt: skip
        rows.append([f"{cell.upper()} 128", bare, trainer, trainer / bare, "yes" if trainer / bare >= TARGET_RATIO else "NO"])
    common.print_table(
        f"Training throughput, batch {batch_size}, CPU ({n_images:,} images × {rounds} interleaved rounds, median)",
        ["cell", "bare loop img/s", "Trainer img/s", "ratio", f"≥ {TARGET_RATIO}"], rows,
    )
    return {"images_per_round": n_images, "rounds": rounds, "batch_size": batch_size, "cells": results}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir")
    parser.add_argument("--images", type=int, default=6400, help="training images per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=500, help="Tracer calls per model")
    args = parser.parse_args()
    data = load_mnist(args.data_dir)
    payload = {"trace": bench_trace(data, args.calls), "training": bench_training(data, args.images, args.rounds, 128)}
    common.write_json("cells", payload)


if __name__ == "__main__":
    main()
