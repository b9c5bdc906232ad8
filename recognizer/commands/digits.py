"""The command line's My digits: `recognizer digits import | export | list | clear`, and what
`train --init / --my-digits` and `evaluate --my-digits` need from them (commands/main.py, read.py and train.py call these)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import RecognizerError
from ..network.dims import CLASSES
from .common import say


def add_digits_parser(sub) -> None:
    g = sub.add_parser("digits", help="My digits: import, export, list or clear your own labelled digits")
    # One parser per action, so that options may come before the path: digits export --format unipen OUT
    actions = g.add_subparsers(dest="action", required=True, parser_class=type(g), metavar="{import,export,list,clear}")
    helps = {"import": "import DIR: subfolders 0 ... 9 of images; import FILE.unp[.gz]: a pen file's digits, strokes kept",
             "export": "export DIR: subfolders 0 ... 9 of PNG images; --format unipen FILE: the digits' strokes",
             "list": "how many digits of each label", "clear": "delete every digit"}  # fmt: skip
    for action, text in helps.items():
        a = actions.add_parser(action, help=text, description=text)
        a.add_argument("folder", nargs="?", type=Path, metavar="PATH", help="the folder or pen file to import from or export to")
        a.add_argument("--db", type=Path, help="records file holding My digits (default: recognizer.db in the user data folder)")
        if action == "list":
            a.add_argument("--json", action="store_true", help="print JSON")
        if action == "export":
            a.add_argument("--format", choices=("folder", "unipen"), default="folder",
                           help="a folder of PNG images (default), or one UNIPEN pen file of the digits' strokes (.unp, .unp.gz)")  # fmt: skip
            a.add_argument("--writer", default="my-digits", help="--format unipen: the writer each digit is credited "
                           "to (a pupil's name: a class's files put together are measured per writer)")  # fmt: skip


def cmd_digits(args) -> int:
    from ..files.safe_io import shown
    from ..store.my_digits import MyDigits
    from ..store.my_digits_folders import export_folder
    from ..store.my_digits_pen import export_pen_file, import_digits
    from ..store.records import Records, left_out

    if args.action in ("import", "export") and args.folder is None:
        raise RecognizerError(f"digits {args.action} needs a folder: recognizer digits {args.action} DIR")
    if args.action in ("list", "clear") and args.folder is not None:
        raise RecognizerError(f"digits {args.action} takes no folder ({shown(args.folder)})")
    with Records(args.db) as records:
        store = MyDigits(records)
        if args.action == "import":
            report = import_digits(args.folder, store)  # a folder of images, or a pen file
            for problem in report.problems:
                _warn(problem)
            say(f"{report.summary()} from {shown(args.folder)}")
            return 1 if report.problems and not (report.added or report.already) else 0
        if args.action == "export" and args.format == "unipen":
            written, without = export_pen_file(args.folder, store, args.writer)
            left = f"; {without:,} without strokes (imported images) left out" if without else ""
            say(f"Exported the strokes of {written:,} digits to {shown(args.folder)}{left}")
            if store.unreadable:
                _warn(left_out(store.unreadable, "digit"))
            return 0
        if args.action == "export":
            say(f"Exported {export_folder(args.folder, store):,} digits to {shown(args.folder)}")
            if store.unreadable:
                _warn(left_out(store.unreadable, "digit"))
            return 0
        if args.action == "clear":
            say(f"Deleted {store.clear():,} digits from My digits")
            return 0
        counts = store.counts()
        if store.unreadable:
            _warn(left_out(store.unreadable, "digit"))
    if args.json:
        say(json.dumps({"counts": {str(d): counts[d] for d in range(CLASSES)}, "total": sum(counts)}))
    else:
        say("digit  count")
        for d in range(CLASSES):
            say(f"{d:>5}  {counts[d]:>5}")
        say(f"total  {sum(counts):>5}")
    return 0


def add_train_arguments(t) -> None:
    t.add_argument("--init", type=Path, metavar="MODEL", help="continue from this model file (its architecture and "
                   "weights); the defaults become a fine-tune's, printed when the run starts")  # fmt: skip
    t.add_argument("--my-digits", action="store_true", help="mix My digits into every batch (20%% of them held out for measuring)")


def training_plan(args):
    """The run the train options describe (training_run.RunPlan): the settings given, the rest the
    table's defaults, or a fine-tune's (finetune.FINE_TUNE) with --init, whose model must agree
    with any --hidden and --cell given; My digits with --my-digits."""
    from ..files.model_file import load_model
    from ..files.safe_io import shown
    from ..network.hidden_sizes import format_hidden_sizes
    from ..training.finetune import FINE_TUNE
    from ..training.run import plan_run
    from ..training.settings import SETTINGS
    from ..training.trainer import TrainConfig

    given = {s.name: getattr(args, s.name) for s in SETTINGS if getattr(args, s.name) is not None}
    start = None
    if args.init is not None:
        start = load_model(args.init).model
        sizes, cell = start.config.hidden_sizes, start.config.cell
        if "hidden_sizes" in given and tuple(given["hidden_sizes"]) != tuple(sizes):
            raise RecognizerError(f"--hidden {format_hidden_sizes(given['hidden_sizes'])} differs from the --init model's "
                                  f"{format_hidden_sizes(sizes)} ({shown(args.init)})")  # fmt: skip
        if given.get("cell", cell) != cell:
            raise RecognizerError(f"--cell {given['cell']} differs from the --init model's {cell} ({shown(args.init)})")
        given = {**FINE_TUNE, **given}
    return plan_run(TrainConfig(**given), start_from=start, start_path=args.init, my_digits=args.my_digits, db_path=args.db)


def my_digits_evaluation(model, db) -> dict:
    """evaluate --my-digits: the model on the held-out My digits, as JSON-ready numbers."""
    from ..store.my_digits import MyDigits
    from ..store.records import Records
    from ..training.finetune import held_out_evaluation

    with Records(db) as records:
        ev = held_out_evaluation(model, MyDigits(records))
    if ev is None:
        return {"accuracy": None, "correct": 0, "total": 0, "per_digit": [None] * CLASSES}
    confusion = ev.confusion
    rows = confusion.sum(axis=1)
    per_digit = [None if rows[d] == 0 else round(float(confusion[d, d] / rows[d]), 6) for d in range(CLASSES)]
    return {"accuracy": ev.accuracy, "correct": int(confusion.trace()), "total": int(rows.sum()), "per_digit": per_digit}


def my_digits_lines(result: dict) -> list[str]:
    from ..text import format_percent

    if not result["total"]:
        return ["My digits: none held out yet (keep or import at least two of a digit)"]
    per = ", ".join(f"{d}: {format_percent(a)}" for d, a in enumerate(result["per_digit"]) if a is not None)
    return [f"My digits (held out) accuracy {format_percent(result['accuracy'])} "
            f"({result['correct']:,} of {result['total']:,}); {per}"]  # fmt: skip


def _warn(line: str) -> None:
    print(f"recognizer: warning: {line}", file=sys.stderr, flush=True)
