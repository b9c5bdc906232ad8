"""Answers you can trust (issue 11): rejection of non-digits, digits wrongly turned away,
calibration, small digits through render_strokes against the pixel path, and speed.

    python benchmarks/bench_trust.py [--model M] [--peer P]   (MNIST from --data-dir, $MNIST_DIR or the user folder)

The verdict's thresholds come from held-out MNIST training images only (recognizer/trust/verdict.py).
The non-digits are only measured, in three sets: tests/shapes.py (drawn; its HELD_OUT families
reported apart), tests/fresh_shapes.py's drawings and its printed characters (pictures through
to_mnist), both made after the design and never trained on. --peer measures a second model on
the same sets (the previous release's, say).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import common  # noqa: F401  (puts the checkout on sys.path)
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fresh_shapes import fresh_drawings, glyph_pictures  # noqa: E402
from shapes import HELD_OUT, non_digits, small_digits  # noqa: E402

from recognizer.commands.calibrate import test_report  # noqa: E402
from recognizer.datasets.mnist import load_mnist  # noqa: E402
from recognizer.files.model_file import load_model  # noqa: E402
from recognizer.files.paths import default_model_path  # noqa: E402
from recognizer.inputs.preprocess import to_mnist  # noqa: E402
from recognizer.inputs.strokes import render_canvas, render_strokes, strokes_extent  # noqa: E402
from recognizer.network.trace import Tracer  # noqa: E402
from recognizer.trust.fit import fit_trust_on_mnist  # noqa: E402
from recognizer.trust.verdict import batch_states, energy, judge, judge_batch  # noqa: E402


def auroc(negative: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a non-digit scores higher than a digit (ties count half)."""
    values = np.concatenate([negative, positive])
    ranks = values.argsort(kind="stable").argsort() + 1.0
    return float((ranks[len(negative):].sum() - len(positive) * (len(positive) + 1) / 2) / (len(positive) * len(negative)))


def non_digit_sets() -> dict[str, tuple[list[str], np.ndarray, list]]:
    """name -> (labels, images (N, 28, 28), extents or None per image)."""
    shapes = non_digits(seed=0, per_family=30)
    fresh = fresh_drawings(seed=1, per_family=20)
    glyphs = [(label, to_mnist(p)) for label, p in glyph_pictures()]
    return {
        "shapes": ([f for f, _ in shapes], np.stack([render_strokes(s) for _, s in shapes]),
                   [strokes_extent(s) for _, s in shapes]),
        "fresh drawings": ([f for f, _ in fresh], np.stack([render_strokes(s) for _, s in fresh]),
                           [strokes_extent(s) for _, s in fresh]),
        # a picture to_mnist finds nothing in is turned away too: it counts as a blank image
        "printed characters": ([label for label, _ in glyphs],
                               np.stack([g if g is not None else np.zeros((28, 28), np.float32) for _, g in glyphs]),
                               [None if g is not None else 0.0 for _, g in glyphs]),
    }


def turned_away(model, trust, sets) -> dict:
    out = {}
    for name, (labels, images, extents) in sets.items():
        verdicts = judge_batch(model, images, trust, extents)
        rejected = np.array([v.rejected for v in verdicts])
        labels = np.array(labels)
        entry = {"count": len(labels), "rejected": float(rejected.mean()),
                 "not_a_digit": float(np.mean([v.kind == "not-a-digit" for v in verdicts])),
                 "read_as": [[str(l), int(v.best) if v.best is not None else None] for l, v, r in zip(labels, verdicts, rejected) if not r]}
        if name == "shapes":
            held = np.isin(labels, HELD_OUT)
            entry["design_families"] = float(rejected[~held].mean())
            entry["held_out_families"] = float(rejected[held].mean())
            entry["per_family"] = {f: float(rejected[labels == f].mean()) for f in dict.fromkeys(labels)}
        if name == "fresh drawings":
            entry["per_family"] = {f: float(rejected[labels == f].mean()) for f in dict.fromkeys(labels)}
        out[name] = entry
    count = sum(e["count"] for e in out.values())
    out["all"] = {"count": count, "rejected": sum(e["rejected"] * e["count"] for e in out.values()) / count}
    return out


def load_with_trust(path, data):
    loaded = load_model(path)
    trust = loaded.trust if loaded.trust is not None else fit_trust_on_mnist(loaded.model, data)
    return loaded.model, trust, loaded.trust is None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--peer", type=Path, help="a second model measured on the same sets")
    args = parser.parse_args()
    data = load_mnist(args.data_dir)
    # A model without parameters gets them fitted here, as `recognizer calibrate` would.
    model, trust, fitted_here = load_with_trust(args.model, data)
    results: dict = {"model": str(args.model), "fitted_here": fitted_here, "temperature": trust.temperature,
                     "score": trust.score, "distance_threshold": trust.distance_threshold,
                     "energy_threshold": trust.energy_threshold, "min_confidence": trust.min_confidence,
                     "outlier_check": trust.info.get("outlier_check")}

    # MNIST test set: digits turned away, calibration.
    rep = test_report(model, trust, data.test_images, data.test_labels)
    results["mnist_test"] = rep

    # Non-digits: three sets, through the verdict.
    sets = non_digit_sets()
    results["non_digits"] = turned_away(model, trust, sets)
    if args.peer:
        peer_model, peer_trust, _ = load_with_trust(args.peer, data)
        results["peer"] = {"model": str(args.peer), "score": peer_trust.score,
                           "mnist_test": test_report(peer_model, peer_trust, data.test_images, data.test_labels),
                           "non_digits": turned_away(peer_model, peer_trust, sets)}

    # Mahalanobis against energy as the out-of-distribution score (the drawn shapes).
    _, images, extents = sets["shapes"]
    lt, ft = batch_states(model, data.test_images, trust.rows)
    ls, fs = batch_states(model, images, trust.rows)
    ok = np.array([e >= 0.04 for e in extents])  # the size rule aside, to compare the scores alone
    maha_t, maha_s = trust.distances(ft), trust.distances(fs)[ok]
    en_t, en_s = energy(lt), energy(ls)[ok]
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
        "judge, given the trace": timed(lambda: judge(trace, trust, 0.5)),
    }

    t = rep
    nd = results["non_digits"]
    sd = results["small_digits"]
    sc = results["scores"]
    common.print_table("Answers you can trust", ["what", "measured", "target"], [
        ["rejection score (chosen when fitted)", f"{trust.score}", ""],
        ["non-digits turned away, all three sets", f"{nd['all']['rejected']:.1%} of {nd['all']['count']}", "≥ 90%"],
        ["  drawn shapes (tests/shapes.py)", f"{nd['shapes']['rejected']:.1%} of {nd['shapes']['count']}", ""],
        ["    design families / held-out families", f"{nd['shapes']['design_families']:.1%} / {nd['shapes']['held_out_families']:.1%}", ""],
        ["  fresh drawings (tests/fresh_shapes.py)", f"{nd['fresh drawings']['rejected']:.1%} of {nd['fresh drawings']['count']}", ""],
        ["  printed characters, through to_mnist", f"{nd['printed characters']['rejected']:.1%} of {nd['printed characters']['count']}", ""],
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
    common.print_table("Non-digits turned away, per family (* held out, + fresh)", ["family", "turned away"],
                       [[("* " if f in HELD_OUT else "") + f, f"{r:.0%}"] for f, r in nd["shapes"]["per_family"].items()]
                       + [["+ " + f, f"{r:.0%}"] for f, r in nd["fresh drawings"]["per_family"].items()])
    if args.peer:
        p = results["peer"]
        common.print_table("Side by side", ["what", "model", "peer"], [
            ["rejection score", trust.score, p["score"]],
            ["MNIST test accuracy", f"{t['accuracy']:.2%}", f"{p['mnist_test']['accuracy']:.2%}"],
            ["MNIST test digits turned away", f"{t['rejected']:.2%}", f"{p['mnist_test']['rejected']:.2%}"],
            *[[f"non-digits turned away: {k}", f"{nd[k]['rejected']:.1%}", f"{p['non_digits'][k]['rejected']:.1%}"]
              for k in ("all", "shapes", "fresh drawings", "printed characters")],
            ["ECE after temperature", f"{t['ece_after']:.2%}", f"{p['mnist_test']['ece_after']:.2%}"],
        ])
    common.print_table("Latency (ms)", ["what", "median", "p95", "max"],
                       [[k, v["median_ms"], v["p95_ms"], v["max_ms"]] for k, v in results["latency"].items()])
    common.write_json("trust", results)


if __name__ == "__main__":
    main()
