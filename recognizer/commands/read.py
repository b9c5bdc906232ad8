"""`recognizer evaluate` and `recognizer predict`: the model in use on MNIST's test set, on a pen
file, or on image files of digits and numbers, as text or strict JSON."""

from __future__ import annotations

import json
import sys

from ..errors import RecognizerError
from .common import EXIT_ERROR, load_session, one_line, say


def cmd_evaluate(args) -> int:
    from ..datasets.mnist import load_test_set
    from ..evaluation.accuracy import evaluate
    from ..files.safe_io import shown

    session = load_session(args.model)
    if args.pen is not None:
        return _evaluate_pen(args, session)
    images, labels = load_test_set(args.data_dir)  # the training files are not needed, nor fetched
    ev = evaluate(session.model, images, labels)
    confusion = ev.confusion
    mine = {}
    if args.my_digits:
        from .digits import my_digits_evaluation

        mine = {"my_digits": my_digits_evaluation(session.model, args.db)}
    if args.json:
        say(json.dumps({
            "model": str(session.path),
            "accuracy": ev.accuracy,
            "correct": int(confusion.trace()),
            "total": int(confusion.sum()),
            "confusion": confusion.tolist(),
            "precision": [round(float(v), 6) for v in ev.precision],
            "recall": [round(float(v), 6) for v in ev.recall],
            **mine,
        }, allow_nan=False))  # strict JSON: a NaN that slipped through is an error, never a bare NaN token
        return 0
    lines = [f"model {shown(session.path)}",
             f"accuracy {ev.accuracy:.2%} ({confusion.trace():,} of {confusion.sum():,} test images)",
             "", "confusion matrix (rows: true digit, columns: predicted)",
             "     " + "".join(f"{c:>6}" for c in range(10))]  # fmt: skip
    lines += [f"{r:>5}" + "".join(f"{v:>6}" for v in row) for r, row in enumerate(confusion)]
    lines += ["", "digit  precision  recall"]
    lines += [f"{c:>5}  {ev.precision[c]:>9.2%}  {ev.recall[c]:>6.2%}" for c in range(10)]
    if mine:
        from .digits import my_digits_lines

        lines += ["", *my_digits_lines(mine["my_digits"])]
    for line in lines:
        say(line)
    return 0


def _evaluate_pen(args, session) -> int:
    from ..datasets.unipen import read_pen_file
    from ..evaluation.pen_reading import evaluate_pen
    from ..files.safe_io import shown

    if args.my_digits:
        raise RecognizerError("--pen measures the model on the pen file alone; leave out --my-digits")
    samples = read_pen_file(args.pen)
    ev = evaluate_pen(session, samples)
    if args.json:
        say(json.dumps({"model": str(session.path), "pen_file": str(args.pen), "samples": len(samples), **ev.to_dict()}))
        return 0
    for line in [f"model {shown(session.path)}", f"pen file {shown(args.pen)} ({len(samples):,} samples)", "", *ev.lines()]:
        say(line)
    return 0


def cmd_predict(args) -> int:
    from ..errors import ImageError
    from ..files.safe_io import shown
    from ..inputs.image_files import read_image
    from ..inputs.segment import predict_number

    session = load_session(args.model)
    results, failed = [], False
    for name in args.images:
        try:
            if not name:
                raise ImageError("Cannot read image '': the file name is empty")
            # the verdict on each digit of the picture: a digit, unsure, or not a digit
            result = predict_number(name, read_image(name), session)
        except (RecognizerError, OSError, ValueError) as e:
            failed = True
            message = one_line(e)
            print(f"recognizer: error: {message}", file=sys.stderr, flush=True)
            results.append({"path": name, "digit": None, "probabilities": None, "number": None, "error": message})
            continue
        results.append(result)
        if not args.json:  # as each file is read: a long batch shows progress, a pipe gets lines
            say(f"{shown(name)}: {result.pop('words')}")
        else:
            del result["words"]
            for digit in result.get("digits", ()):
                del digit["words"]
    if args.json:
        say(json.dumps(results, allow_nan=False))
    return EXIT_ERROR if failed else 0
