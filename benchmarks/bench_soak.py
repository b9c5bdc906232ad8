"""Long use: 10,000 draw-and-answer cycles through the real window, and five training runs in a
row, watching resident memory.

    python benchmarks/bench_soak.py [--cycles 10000] [--runs 5]

Targets (issue 6): memory grows by at most 20 MB over the drawing cycles (measured after a
warm-up, so that one-time caches are not counted), and stays flat across the training runs.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import common
import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def soak_drawing(cycles: int, warmup: int) -> dict:
    from drawing import draw_digit  # the digits 0-9 as the tests draw them, with real mouse events
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLabel

    from recognizer.ui.app import make_application
    from recognizer.ui.inspect.canvas import DrawingCanvas
    from recognizer.ui.main_window import MainWindow

    app = make_application()
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    window.ensure_ready()
    canvas = window.findChild(DrawingCanvas, "canvas")
    answer = window.findChild(QLabel, "prediction")
    samples, cycle_s, wrong = [], [], 0
    baseline = None
    for i in range(cycles):
        digit = i % 10
        start = time.perf_counter()
        QTest.keyClick(canvas, Qt.Key_Escape)
        draw_digit(canvas, digit)
        app.processEvents()
        cycle_s.append(time.perf_counter() - start)
        wrong += answer.text() != str(digit)
        if i + 1 == warmup:
            gc.collect()
            baseline = rss_mb()
        if (i + 1) % 500 == 0:
            samples.append((i + 1, rss_mb()))
            print(f"  cycle {i + 1:>6}: {samples[-1][1]:.1f} MB", flush=True)
    gc.collect()
    end = rss_mb()
    window.close()
    # A leak grows steadily, a cache fills up and stops: the slope over the second half says which.
    half = [(c, mb) for c, mb in samples if c > cycles / 2]
    slope = float(np.polyfit([c for c, _ in half], [mb for _, mb in half], 1)[0] * 1000) if len(half) >= 2 else None
    return {
        "slope_mb_per_1000_second_half": slope,
        "cycles": cycles,
        "warmup_cycles": warmup,
        "rss_after_warmup_mb": baseline,
        "rss_end_mb": end,
        "growth_mb": end - baseline,
        "cycle": common.stats_ms(cycle_s),
        "answers_not_the_drawn_digit": wrong,
        "rss_samples": samples,
    }


def soak_training(runs: int, images: int) -> dict:
    from recognizer.datasets.mnist import MNIST, load_mnist
    from recognizer.training.trainer import TrainConfig, Trainer

    data = load_mnist()
    sub = MNIST(data.train_images[:images], data.train_labels[:images], data.test_images, data.test_labels)
    after = []
    for r in range(runs):
        Trainer(TrainConfig(epochs=1, device="cpu", seed=r), sub).run()
        gc.collect()
        after.append(rss_mb())
        print(f"  training run {r + 1}: {after[-1]:.1f} MB", flush=True)
    return {"runs": runs, "images_per_run": images, "rss_after_each_mb": after, "growth_after_first_mb": after[-1] - after[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--images", type=int, default=10_000, help="training images per run")
    args = parser.parse_args()
    print("drawing cycles:")
    drawing = soak_drawing(args.cycles, args.warmup)
    print("training runs:")
    training = soak_training(args.runs, args.images)
    common.print_table(
        "Long use: resident memory",
        ["what", "start MB", "end MB", "growth MB", "target"],
        [
            [f"{args.cycles:,} draw-and-answer cycles (after {args.warmup} warm-up)", drawing["rss_after_warmup_mb"],
             drawing["rss_end_mb"], drawing["growth_mb"], "≤ 20 MB"],
            ["  slope over the second half, MB per 1,000 cycles", "", "",
             drawing["slope_mb_per_1000_second_half"], "< 0.2"],
            [f"{args.runs} training runs in a row (after the first)", training["rss_after_each_mb"][0],
             training["rss_after_each_mb"][-1], training["growth_after_first_mb"], "≤ 20 MB"],
        ],
    )
    c = drawing["cycle"]
    print(f"\none cycle (Esc, draw a digit with mouse events, answer): median {c['median_ms']:.1f} ms, "
          f"p95 {c['p95_ms']:.1f} ms; answers other than the drawn digit: {drawing['answers_not_the_drawn_digit']}")
    common.write_json("soak", {"drawing": drawing, "training": training})


if __name__ == "__main__":
    main()
