"""Real people's handwriting (issue 22): a model and its predecessor side by side on the pen data
sets' held-out writers (pen_data.py's test group, never trained on nor fitted on), each drawing
replayed through the canvas's stroke path and judged by the verdict (pen_eval.evaluate_pen).

    python benchmarks/bench_handwriting.py [--model A.safetensors] [--peer B.safetensors]
        [--pen-data DIR] [--data-dir MNIST_DIR] [--name handwriting-default]

Per source and per digit: read right (the leading class) and read right and accepted (the
verdict says that digit); real digits turned away; the top confusions; the 1s written with a
flag and the slashed zeros (found by the shape of their strokes, see flagged_one and
slashed_zero); letters and symbols of held-out UNIPEN contributors and Omniglot characters of
held-out drawers turned away; MNIST test accuracy. A table, and JSON in benchmarks/results/.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import common
import numpy as np

from recognizer.datasets.mnist import load_test_set
from recognizer.datasets.pen_data import DIGIT_SETS, NON_DIGIT_SETS, find_pen_dir, load_pen_sets
from recognizer.evaluation.accuracy import evaluate
from recognizer.evaluation.pen_reading import PenEvaluation, evaluate_pen
from recognizer.files.model_file import load_model
from recognizer.files.paths import default_model_path


def flagged_one(strokes) -> bool:
    """A 1 with a flag: its first stroke (y up) rises by at least a sixth of the drawing's height
    from where it starts before it comes down."""
    pts = np.concatenate(strokes)
    height = np.ptp(pts[:, 1]) or 1.0
    first = strokes[0]
    top = int(np.argmax(first[:, 1]))
    return 0 < top < len(first) - 1 and first[top, 1] - first[0, 1] > height / 6 and first[0, 0] < first[top, 0]


def slashed_zero(strokes) -> bool:
    """A 0 with a slash: besides its longest stroke, a straight one (its ends at least nine
    tenths of its length apart) at least half as long as the drawing is high."""
    if len(strokes) < 2:
        return False
    height = np.ptp(np.concatenate(strokes)[:, 1]) or 1.0
    lengths = [np.hypot(*np.diff(s, axis=0).T).sum() if len(s) > 1 else 0.0 for s in strokes]
    longest = int(np.argmax(lengths))
    return any(i != longest and length >= height / 2 and np.hypot(*(s[-1] - s[0])) >= 0.9 * length
               for i, (s, length) in enumerate(zip(strokes, lengths)))  # fmt: skip


def _part(ev: PenEvaluation, keep) -> PenEvaluation:
    idx = [i for i in range(len(ev.labels)) if keep[i]]
    return PenEvaluation(tuple(ev.labels[i] for i in idx), tuple(ev.sources[i] for i in idx),
                         tuple(ev.verdicts[i] for i in idx))  # fmt: skip


def _rates(ev: PenEvaluation) -> dict:
    d = ev.digits
    n = max(d["samples"], 1)
    return {"samples": d["samples"], "read_right": d["read_right"] / n, "right_and_accepted": d["accepted_right"] / n,
            "turned_away": (d["not_a_digit"] + d["unsure"]) / n}  # fmt: skip


def measure(path: Path, samples, sets_of, mnist) -> dict:
    loaded = load_model(path)
    ev = evaluate_pen(loaded, samples)
    out = {"model": str(path), "sources": {}, "non_digits": {}}
    for name in DIGIT_SETS:
        part = _part(ev, [s == name for s in sets_of])
        if part.labels:
            out["sources"][name] = {**_rates(part), "per_digit": [_rates(_part(part, [t == d for t in part.truth]))
                                                                  for d in range(10)],
                                    "top_confusions": part.top_confusions(5)}  # fmt: skip
    digits = _part(ev, [s in DIGIT_SETS for s in sets_of])
    out["all_digits"] = {**_rates(digits), "per_digit": [_rates(_part(digits, [t == d for t in digits.truth]))
                                                         for d in range(10)], "top_confusions": digits.top_confusions(8)}
    shapes = {"flagged_ones": [s.label == "1" and flagged_one(s.strokes) for s in samples],
              "slashed_zeros": [s.label == "0" and slashed_zero(s.strokes) for s in samples]}
    for key, keep in shapes.items():
        out[key] = _rates(_part(ev, keep))
    for name in NON_DIGIT_SETS:
        part = _part(ev, [s == name for s in sets_of])
        if part.labels:
            n = part.non_digits
            out["non_digits"][name] = {"samples": n["samples"], "turned_away": n["turned_away"] / max(n["samples"], 1)}
    out["mnist_accuracy"] = evaluate(loaded.model, *mnist).accuracy
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--peer", type=Path, help="its predecessor, e.g. from git show HEAD~1:models/default.safetensors")
    parser.add_argument("--pen-data", type=Path, help="the pen data folder (default: $PEN_DATA_DIR)")
    parser.add_argument("--data-dir", type=Path, help="the MNIST folder (default: $MNIST_DIR)")
    parser.add_argument("--name", default="handwriting", help="of the JSON file in benchmarks/results/")
    args = parser.parse_args()
    folder = find_pen_dir(args.pen_data)
    if folder is None:
        raise SystemExit("no pen data: give --pen-data or set PEN_DATA_DIR")
    sets = load_pen_sets(folder)
    held = [(name, s) for name in DIGIT_SETS + NON_DIGIT_SETS if name in sets.sets for s in sets.sets[name].part("test")]
    sets_of, samples = [n for n, _ in held], [s for _, s in held]
    mnist = load_test_set(args.data_dir)
    models = {"model": args.model, **({"peer": args.peer} if args.peer else {})}
    results = {key: measure(path, samples, sets_of, mnist) for key, path in models.items()}
    results["test_writers"] = {name: s.writers_in("test") for name, s in sets.sets.items()}

    header = ["held-out writers", *(f"{k}: {p.name}" for k, p in models.items())]
    rows = []
    pct = "{:.2%}".format
    for name in DIGIT_SETS:
        rows.append([f"{name} read right", *(pct(results[k]["sources"][name]["read_right"]) for k in models)])
        rows.append([f"{name} right and accepted", *(pct(results[k]["sources"][name]["right_and_accepted"]) for k in models)])
    rows.append(["all digits right and accepted", *(pct(results[k]["all_digits"]["right_and_accepted"]) for k in models)])
    rows.append(["all digits turned away", *(pct(results[k]["all_digits"]["turned_away"]) for k in models)])
    rows.append(["worst digit, right and accepted", *(
        "{} {:.2%}".format(*min(enumerate(r["right_and_accepted"] for r in results[k]["all_digits"]["per_digit"]),
                                key=lambda t: t[1])) for k in models)])  # fmt: skip
    for key in ("flagged_ones", "slashed_zeros"):
        rows.append([f"{key.replace('_', ' ')} ({results['model'][key]['samples']}) right and accepted",
                     *(pct(results[k][key]["right_and_accepted"]) for k in models)])  # fmt: skip
    for name in NON_DIGIT_SETS:
        rows.append([f"{name} turned away", *(pct(results[k]["non_digits"][name]["turned_away"]) for k in models)])
    rows.append(["MNIST test accuracy", *(pct(results[k]["mnist_accuracy"]) for k in models)])
    common.print_table(f"Real handwriting, held-out writers, through the canvas's stroke path ({folder})", header, rows)
    for k in models:
        print(f"\n{k}: per digit right and accepted: " + ", ".join(
            f"{d} {r['right_and_accepted']:.1%}" for d, r in enumerate(results[k]["all_digits"]["per_digit"])))
        print(f"{k}: top confusions: " + ", ".join(f"{a}->{b} ({c})" for a, b, c in results[k]["all_digits"]["top_confusions"]))
    common.write_json(args.name, results)


if __name__ == "__main__":
    main()
