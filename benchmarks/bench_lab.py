"""The Lab on the shipped model: an edited trace beside the plain one, ranking all units for one
drawing, the edited network on the 10,000 test digits, and two findings: how many top-ranked
units silenced turn a drawn 9 (and the test set's 9s) into something else, and what "never
forget" does to the 7s.

    python benchmarks/bench_lab.py          (MNIST from --data-dir, $MNIST_DIR or the user folder)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import common
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the drawn digits

from drawing import DIGIT_STROKES  # noqa: E402

from recognizer.datasets.mnist import load_mnist  # noqa: E402
from recognizer.evaluation.lab import effect_on_test_set, rank_units  # noqa: E402
from recognizer.files.model_file import load_model  # noqa: E402
from recognizer.files.paths import default_model_path  # noqa: E402
from recognizer.inputs.strokes import render_strokes  # noqa: E402
from recognizer.network.interventions import PINS, Interventions, Pin, Silence  # noqa: E402
from recognizer.network.trace import Tracer  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    data = load_mnist(args.data_dir)
    model = load_model(default_model_path()).model
    tracer = Tracer(model)
    nine = render_strokes(DIGIT_STROKES[9])
    edit = Interventions().add(Silence(0, (3, 17, 40), 5)).add(Pin(0, "forget", 1.0, (1, 2))).add(Pin(0, "output", 1.0))

    timings = {
        "plain trace (Draw & Inspect's path)": common.stats_ms(common.time_calls(lambda: tracer(nine), 1000)),
        "edited trace (silence from row 6, two pins)": common.stats_ms(common.time_calls(lambda: tracer(nine, edit), 1000)),
        "rank all 128 units for one drawing": common.stats_ms(common.time_calls(lambda: rank_units(tracer, nine), 20, warmup=3)),
    }
    never_forget = Interventions().add(Pin(0, *PINS["never forget"]))
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        effect = effect_on_test_set(model, data.test_images, data.test_labels, never_forget)
        runs.append(time.perf_counter() - start)
    before = effect.before
    start = time.perf_counter()
    effect = effect_on_test_set(model, data.test_images, data.test_labels, never_forget, before=before)
    timings["edited network on the 10,000 test digits (before known)"] = common.stats_ms([time.perf_counter() - start])
    timings["before and after on the test set"] = common.stats_ms(runs)
    common.print_table("Lab timings (ms)", ["what", "median", "p95", "max"],
                       [[k, v["median_ms"], v["p95_ms"], v["max_ms"]] for k, v in timings.items()])  # fmt: skip

    ranking = rank_units(tracer, nine)
    sevens = data.test_labels == 7
    after7 = effect.after.predictions[sevens]
    # The test set's 9s: how many top-ranked units silenced (each 9 ranked on its own) change them.
    nines = np.flatnonzero(data.test_labels == 9)[:200]
    flips = [rank_units(tracer, data.test_images[i] / 255.0).deciding for i in nines]
    sizes = np.array([len(f) for f in flips if f is not None])
    findings = {
        "drawn 9": {"answer": ranking.answer, "probability": ranking.probability, "top": ranking.top(),
                    "deciding": ranking.deciding, "deciding_answer": ranking.deciding_answer},
        "test 9s (first 200)": {"flipped": int(len(sizes)), "median_units": float(np.median(sizes)) if len(sizes) else None,
                                 "min_units": int(sizes.min()) if len(sizes) else None,
                                 "max_units": int(sizes.max()) if len(sizes) else None},
        "never forget": {"accuracy_before": before.accuracy, "accuracy_after": effect.after.accuracy,
                         "sevens_right_after": float((after7 == 7).mean()),
                         "sevens_read_as": {int(d): int((after7 == d).sum()) for d in np.unique(after7)}},
    }  # fmt: skip
    common.print_table("Findings on the shipped model", ["what", "measured"], [
        ["drawn 9: answer", f"{ranking.answer} ({ranking.probability:.1%})"],
        ["drawn 9: top units (drop)", ", ".join(f"{u} ({d:.1%})" for u, d in ranking.top(5))],
        ["drawn 9: fewest top units silenced to change it", f"{len(ranking.deciding) if ranking.deciding else 'none'} -> {ranking.deciding_answer}"],
        ["test 9s changed by silencing top units", f"{len(sizes)} of {len(nines)}, median {findings['test 9s (first 200)']['median_units']} units"],
        ["never forget: test accuracy", f"{before.accuracy:.2%} -> {effect.after.accuracy:.2%}"],
        ["never forget: 7s still read as 7", f"{findings['never forget']['sevens_right_after']:.1%}, read as {findings['never forget']['sevens_read_as']}"],
    ])  # fmt: skip
    common.write_json("lab", {"timings": timings, "findings": findings})


if __name__ == "__main__":
    main()
