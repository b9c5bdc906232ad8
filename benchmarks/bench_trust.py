"""Answers you can trust (issue 11): rejection of non-digits, digits wrongly turned away,
calibration, small digits through render_strokes against the pixel path, and speed.

    python benchmarks/bench_trust.py          (MNIST from --data-dir, $MNIST_DIR or the user folder)

The verdict's thresholds come from held-out MNIST training images only (recognizer/verdict.py);
the non-digit drawings (tests/shapes.py) are only measured, its HELD_OUT families reported apart.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import common  # noqa: F401  (puts the checkout on sys.path)
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from shapes import HELD_OUT, non_digits, small_digits  # noqa: E402

from recognizer.calibrate import test_report  # noqa: E402
from recognizer.data import load_mnist  # noqa: E402
from recognizer.modelfile import load_model  # noqa: E402
from recognizer.paths import default_model_path  # noqa: E402
from recognizer.preprocess import to_mnist  # noqa: E402
from recognizer.strokes import render_canvas, render_strokes, strokes_extent  # noqa: E402
from recognizer.trace import Tracer  # noqa: E402
from recognizer.verdict import batch_states, fit_trust_on_mnist, judge, judge_batch  # noqa: E402


def auroc(negative: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a non-digit scores higher than a digit (ties count half)."""
    values = np.concatenate([negative, positive])
    ranks = values.argsort(kind="stable").argsort() + 1.0
    return float((ranks[len(negative):].sum() - len(positive) * (len(positive) + 1) / 2) / (len(positive) * len(negative)))


def energy(logits: np.ndarray, temperature: float) -> np.ndarray:
    z = logits / temperature
    m = z.max(axis=1, keepdims=True)
    return -temperature * (m[:, 0] + np.log(np.exp(z - m).sum(axis=1)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--model", type=Path, default=default_model_path())
    args = parser.parse_args()
    data = load_mnist(args.data_dir)
    loaded = load_model(args.model)
    model = loaded.model
    trust = loaded.trust
    fitted_here = trust is None
    if fitted_here:  # a model without parameters: fit them as `recognizer calibrate` would
        trust = fit_trust_on_mnist(model, data)
    results: dict = {"model": str(args.model), "fitted_here": fitted_here, "temperature": trust.temperature,
                     "distance_threshold": trust.distance_threshold, "min_confidence": trust.min_confidence}

    # MNIST test set: digits turned away, calibration.
    rep = test_report(model, trust, data.test_images, data.test_labels)
    results["mnist_test"] = rep

    # Non-digits, drawn as strokes, through render_strokes and the verdict.
    shapes = non_digits(seed=0, per_family=30)
    families = [f for f, _ in shapes]
    images = np.stack([render_strokes(s) for _, s in shapes])
    extents = [strokes_extent(s) for _, s in shapes]
    verdicts = judge_batch(model, images, trust, extents)
    rejected = np.array([v.rejected for v in verdicts])
    held = np.array([f in HELD_OUT for f in families])
    per_family = {f: float(rejected[np.array(families) == f].mean()) for f in dict.fromkeys(families)}
    results["non_digits"] = {
        "drawings": len(shapes),
        "rejected_all": float(rejected.mean()),
        "rejected_design_families": float(rejected[~held].mean()),
        "rejected_held_out_families": float(rejected[held].mean()),
        "not_a_digit": float(np.mean([v.kind == "not-a-digit" for v in verdicts])),
        "unsure": float(np.mean([v.kind == "unsure" for v in verdicts])),
        "per_family": per_family,
    }

    # Mahalanobis against energy as the out-of-distribution score (same images).
    lt, ft = batch_states(model, data.test_images, trust.rows)
    ls, fs = batch_states(model, images, trust.rows)
    ok = np.array([e >= 0.04 for e in extents])  # the size rule aside, to compare the scores alone
    maha_t, maha_s = trust.distances(ft), trust.distances(fs)[ok]
    en_t, en_s = energy(lt, trust.temperature), energy(ls, trust.temperature)[ok]
    results["scores"] = {
        "mahalanobis_auroc": auroc(maha_t, maha_s),
        "energy_auroc": auroc(en_t, en_s),
        # each at the threshold that turns away 0.5% of the test digits (for comparison only)
        "mahalanobis_rejects_at_0.5pct": float((maha_s > np.quantile(maha_t, 0.995)).mean()),
        "energy_rejects_at_0.5pct": float((en_s > np.quantile(en_t, 0.995)).mean()),
    }

    # Small digits: render_strokes against the pixel path (canvas at pen 30 -> to_mnist).
    small = small_digits(seed=0, per_digit=20)
    labels = np.array([d for d, _ in small])
    vector = np.stack([render_strokes(s) for _, s in small])
    pixel = np.stack([to_mnist(render_canvas(s, 30.0)) for _, s in small])
    v_small = judge_batch(model, vector, trust, [strokes_extent(s) for _, s in small])
    results["small_digits"] = {
        "drawings": len(small),
        "render_strokes_accuracy": float((batch_states(model, vector)[0].argmax(1) == labels).mean()),
        "pixel_path_accuracy": float((batch_states(model, pixel)[0].argmax(1) == labels).mean()),
        "render_strokes_read_right_and_accepted": float(np.mean([v.digit == d for v, d in zip(v_small, labels)])),
        "render_strokes_rejected": float(np.mean([v.rejected for v in v_small])),
    }

    # Speed: render_strokes of a typical digit, and judge given the trace.
    from drawing import DIGIT_STROKES

    strokes = DIGIT_STROKES[8]
    tracer = Tracer(model)
    image = render_strokes(strokes)
    trace = tracer(image)

    def timed(fn, n=1000):
        return common.stats_ms(common.time_calls(fn, n))

    results["latency"] = {
        "render_strokes (the tests' 8, 56 points)": timed(lambda: render_strokes(strokes)),
        "judge, given the trace": timed(lambda: judge(tracer, image, 0.5, trace=trace, trust=trust)),
    }

    t = rep
    nd = results["non_digits"]
    sd = results["small_digits"]
    sc = results["scores"]
    common.print_table("Answers you can trust", ["what", "measured", "target"], [
        ["non-digits turned away (all families)", f"{nd['rejected_all']:.1%} of {nd['drawings']}", "≥ 90%"],
        ["  design families / held-out families", f"{nd['rejected_design_families']:.1%} / {nd['rejected_held_out_families']:.1%}", ""],
        ["MNIST test digits: not a digit / unsure", f"{t['not_a_digit']:.2%} / {t['unsure']:.2%}", "≤ 0.5% in all"],
        ["  of which misread anyway", f"{t['errors_among_rejected']}", ""],
        ["accuracy on accepted test digits", f"{t['accuracy_when_accepted']:.2%} (all: {t['accuracy']:.2%})", ""],
        ["ECE (15 bins) before / after temperature", f"{t['ece_before']:.2%} / {t['ece_after']:.2%} (T = {trust.temperature:.3f})", "≤ 1%"],
        ["small digits (12-25%) via render_strokes", f"{sd['render_strokes_accuracy']:.1%} of {sd['drawings']}", "≥ 95%"],
        ["small digits via the pixel path (pen 30)", f"{sd['pixel_path_accuracy']:.1%}", ""],
        ["small digits read right and accepted", f"{sd['render_strokes_read_right_and_accepted']:.1%}", ""],
        ["AUROC Mahalanobis / energy", f"{sc['mahalanobis_auroc']:.4f} / {sc['energy_auroc']:.4f}", ""],
        ["turned away at 0.5% test FPR: Mahalanobis / energy", f"{sc['mahalanobis_rejects_at_0.5pct']:.1%} / {sc['energy_rejects_at_0.5pct']:.1%}", ""],
    ])
    common.print_table("Non-digits turned away, per family (* held out)", ["family", "turned away"],
                       [[("* " if f in HELD_OUT else "") + f, f"{r:.0%}"] for f, r in per_family.items()])
    common.print_table("Latency (ms)", ["what", "median", "p95", "max"],
                       [[k, v["median_ms"], v["p95_ms"], v["max_ms"]] for k, v in results["latency"].items()])
    common.write_json("trust", results)


if __name__ == "__main__":
    main()
