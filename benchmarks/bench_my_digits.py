"""My digits end to end: a handwriting of one's own that the shipped model misreads
(tests/handwriting.py: a boxy hand, drawn through the canvas's stroke rendering with random
jitter, sizes and pens), kept in a records file, then a fine-tune of the shipped model with them
mixed in (the defaults of `recognizer train --init MODEL --my-digits`). Reported: accuracy on
the held-out My digits and on the 10,000 MNIST test digits before and after, and the
fine-tune's time on this machine.

    python benchmarks/bench_my_digits.py [--per-digit 40] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import common
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the handwriting

from handwriting import samples  # noqa: E402

from recognizer.datasets.mnist import load_mnist  # noqa: E402
from recognizer.evaluation.accuracy import evaluate  # noqa: E402
from recognizer.files.model_file import load_model  # noqa: E402
from recognizer.files.paths import default_model_path  # noqa: E402
from recognizer.inputs.strokes import render_strokes  # noqa: E402
from recognizer.store.my_digits import MyDigits, held_out_mask  # noqa: E402
from recognizer.store.records import Records  # noqa: E402
from recognizer.training.finetune import FINE_TUNE, MyDigitsMix  # noqa: E402
from recognizer.training.trainer import TrainConfig, Trainer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-digit", type=int, default=40, help="drawings of each digit (default 40)")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = load_mnist(args.data_dir)
    shipped = load_model(default_model_path()).model.eval()
    strokes, labels, pens = samples(args.per_digit, seed=args.seed)
    with tempfile.TemporaryDirectory() as folder, Records(Path(folder) / "recognizer.db") as records:
        store = MyDigits(records)
        started = time.perf_counter()
        for lines, label, pen in zip(strokes, labels, pens):
            store.add(label, render_strokes(lines, pen_width=pen), strokes=lines)
        keep_s = time.perf_counter() - started
        ids, images, stored_labels = store.arrays()
        held = held_out_mask(ids, stored_labels)
        mix = MyDigitsMix.from_store(store)

    def accuracies(model) -> tuple[float, float, np.ndarray]:
        mine = evaluate(model, images[held], stored_labels[held])
        per = mine.confusion.diagonal() / np.maximum(mine.confusion.sum(axis=1), 1)
        return mine.accuracy, evaluate(model, data.test_images, data.test_labels).accuracy, per

    mine_before, mnist_before, per_before = accuracies(shipped)
    config = TrainConfig(hidden_sizes=shipped.config.hidden_sizes, device="cpu", init_model=str(default_model_path()),
                         my_digits=True, seed=args.seed, **FINE_TUNE)  # fmt: skip
    started = time.perf_counter()
    result = Trainer(config, data, start_from=shipped, my_digits=mix).run()
    tune_s = time.perf_counter() - started
    mine_after, mnist_after, per_after = accuracies(result.model)

    trained, held_out = mix.counts()
    common.print_table(
        f"My digits: {len(ids)} boxy digits ({trained} trained on, {held_out} held out), fine-tune "
        f"{FINE_TUNE['epochs']} epoch over {FINE_TUNE['train_subset']:,} MNIST images at peak rate {FINE_TUNE['learning_rate']:g}",
        ["", "before", "after"],
        [["held-out My digits", f"{mine_before:.2%}", f"{mine_after:.2%}"],
         ["MNIST test (10,000)", f"{mnist_before:.2%}", f"{mnist_after:.2%}"],
         *[[f"  my {d}s", f"{per_before[d]:.0%}", f"{per_after[d]:.0%}"] for d in range(10)]],
    )  # fmt: skip
    drop = (mnist_before - mnist_after) * 100
    print(f"MNIST drop {drop:.2f} points (target <= 0.1); fine-tune {tune_s:.1f} s (target < 60 s), "
          f"of which the last epoch {result.history[-1].seconds:.1f} s; keeping {len(ids)} digits {keep_s:.2f} s")  # fmt: skip
    common.write_json("my_digits", {
        "digits": len(ids), "trained_on": trained, "held_out": held_out, "fine_tune": FINE_TUNE,
        "held_out_accuracy_before": mine_before, "held_out_accuracy_after": mine_after,
        "mnist_accuracy_before": mnist_before, "mnist_accuracy_after": mnist_after, "mnist_drop_points": drop,
        "per_digit_before": per_before.tolist(), "per_digit_after": per_after.tolist(),
        "fine_tune_seconds": tune_s, "keep_seconds": keep_s, "machine": common.machine(),
    })  # fmt: skip


if __name__ == "__main__":
    main()
