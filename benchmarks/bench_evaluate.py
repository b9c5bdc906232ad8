"""The Evaluate tab's evaluation of the shipped model on the 10,000 MNIST test images (accuracy,
confusion, final hidden states: ui/evaluate/results.evaluate_test_set, what the tab runs in its
job), against its target of 2 s on this two-core CPU. A benchmark and not a test: a bound on wall
time in the test suite fails when other runs share the cores, and says nothing when it passes.

    python benchmarks/bench_evaluate.py          (MNIST from --data-dir, $MNIST_DIR or the user folder)
"""

from __future__ import annotations

import argparse

import common

from recognizer.datasets.mnist import load_test_set
from recognizer.files.model_file import load_model
from recognizer.files.paths import default_model_path
from recognizer.ui.evaluate.results import evaluate_test_set

TARGET_S = 2.0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    images, labels = load_test_set(args.data_dir)
    loaded = load_model(default_model_path())
    model, trust = loaded.model, loaded.trust
    evaluate_test_set(model, trust, images[:500], labels[:500], lambda _: None, lambda: False)  # warm-up, not counted
    seconds = [evaluate_test_set(model, trust, images, labels, lambda _: None, lambda: False).seconds
               for _ in range(args.runs)]
    timing = common.stats_ms(seconds)
    met = timing["p95_ms"] <= 1000 * TARGET_S
    common.print_table("Evaluate: the shipped model on the 10,000 test images (ms)", ["what", "median", "p95", "max"],
                       [["evaluation (accuracy, confusion, hidden states)", timing["median_ms"], timing["p95_ms"],
                         timing["max_ms"]]])  # fmt: skip
    print(f"target p95 <= {TARGET_S:g} s: {'met' if met else 'NOT met'}")
    common.write_json("evaluate", {"evaluation": timing, "target_s": TARGET_S, "met": met})


if __name__ == "__main__":
    main()
