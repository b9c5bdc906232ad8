"""Gradient flow per cell, as the Evaluate tab's Gradient flow page measures it: each shipped
model's last-layer ‖∂loss/∂h_t‖ through the 28 rows on the first test digits with their true
labels, and the numbers the README quotes from it.

    python benchmarks/bench_gradient_flow.py          (MNIST from --data-dir, $MNIST_DIR or the user folder)
"""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401  (puts the checkout on sys.path)

from recognizer.datasets.mnist import load_test_set
from recognizer.evaluation.flow_curves import (
    FLOW_BATCH,
    compare_flows,
    first_test_digits,
    flow_summary,
    shipped_model_files,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir")
    parser.add_argument("--images", type=int, default=FLOW_BATCH, help="the first N test digits")
    args = parser.parse_args()
    images, labels = first_test_digits(*load_test_set(args.data_dir, download=False), args.images)
    start = time.perf_counter()
    curves = compare_flows(shipped_model_files(), images, labels)
    seconds = time.perf_counter() - start
    rows = [[c.path.name, c.name, c.first_over_last, int(c.flow.argmax()) + 1, float(c.relative.min()), int(c.relative.argmin()) + 1]
            for c in curves]  # fmt: skip
    common.print_table(f"Last layer's mean ‖∂loss/∂h_t‖, first {args.images} test digits ({seconds:.1f} s for all)",
                       ["model file", "model", "h_1 / h_28", "largest at row", "smallest / largest", "at row"], rows)  # fmt: skip
    print("\n" + flow_summary(curves))
    common.write_json("gradient_flow", {"images": args.images, "seconds": seconds,
                                        "models": {c.path.name: {"model": c.name, "flow": c.flow.tolist()} for c in curves}})  # fmt: skip


if __name__ == "__main__":
    main()
