"""Command line: `recognizer` opens the window; `recognizer train | evaluate | predict` script it.

Any problem with the user's input ends with one line on stderr and a non-zero exit, never a
traceback: RecognizerError, OSError and ValueError are the errors we expect and explain.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from . import __version__
from .errors import RecognizerError
from .cli_digits import add_digits_parser, add_train_arguments, cmd_digits

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool that a closed pipe ended


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _setting_type(setting):
    def parse(text: str):
        try:
            return setting.parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(f"{setting.flag} {text!r}: {setting.label} {e}") from None

    return parse


def add_setting_options(parser) -> None:
    """One option per row of the settings table (train_settings.py), defaults the Train tab's too.
    Each is None unless given, so that a fine-tune (--init) can fill in its own."""
    from .train_settings import SETTINGS

    for s in SETTINGS:
        if s.folder:  # --flag DIR (on, from there; default: on where found), or --no-flag
            parser.add_argument(s.flag, type=Path, metavar="DIR", dest=f"{s.name}_dir",
                                help=f"{s.help} (default on where the folder is found)".replace("%", "%%"))
            parser.add_argument("--no-" + s.flag[2:], action="store_false", default=None, dest=s.name,
                                help=f"{s.label}: off")
            continue
        if s.kind == "bool":
            text = f"{s.help} (default {'on' if s.default else 'off'})"
            options = {"action": argparse.BooleanOptionalAction}
        else:
            text = f"{s.help} (default {s.show(s.default)}{'' if s.lo is None else f'; {s.lo:,} to {s.hi:,}'})"
            options = {"type": _setting_type(s), "metavar": "{" + ",".join(s.choices) + "}" if s.choices else None}
        parser.add_argument(s.flag, default=None, dest=s.name, help=text.replace("%", "%%"), **options)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="recognizer", description="Draw a digit and watch an LSTM read it row by row.")
    parser.add_argument("--version", action="version", version=f"recognizer {__version__}")
    parser.add_argument("--model", type=Path, help="model file for the window, predict and evaluate (default: the shipped model); "
                        "also accepted after the command")
    parser.add_argument("--data-dir", type=Path, help="folder with the MNIST files for the window (default: $MNIST_DIR, "
                        "else the folder chosen in it before, else the user data folder); also accepted after the command")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="{train,evaluate,predict,calibrate,digits}")

    t = sub.add_parser("train", help="train a model and save it")
    t.add_argument("--out", type=Path, required=True, help="where to write the model (.safetensors)")
    add_setting_options(t)
    t.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                   help="folder with the MNIST files (default: $MNIST_DIR, else the user data folder)")
    t.add_argument("--db", type=Path, help="records file the run is added to (default: recognizer.db in the user data folder)")
    t.add_argument("--log-dir", type=Path, help="also write TensorBoard event files there (needs the tensorboard extra)")
    add_train_arguments(t)

    e = sub.add_parser("evaluate", help="accuracy and confusion matrix on the 10,000 MNIST test images")
    e.add_argument("--model", type=Path, default=argparse.SUPPRESS, help="model file (default: the shipped model)")
    e.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                   help="folder with the MNIST files (default: $MNIST_DIR, else the user data folder)")
    e.add_argument("--json", action="store_true", help="print JSON")
    e.add_argument("--my-digits", action="store_true", help="also the accuracy on the held-out My digits")
    e.add_argument("--pen", type=Path, metavar="FILE", help="measure on a UNIPEN pen file (.unp, .unp.gz) instead of MNIST: its "
                   "strokes replayed as canvas drawings; per digit, per writer, confusions, non-digits turned away")  # fmt: skip
    e.add_argument("--db", type=Path, help="records file holding My digits (default: recognizer.db in the user data folder)")

    p = sub.add_parser("predict", help="read digits and numbers from image files")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--model", type=Path, default=argparse.SUPPRESS, help="model file (default: the shipped model)")
    p.add_argument("--json", action="store_true", help="print a JSON array, one object per image")

    c = sub.add_parser("calibrate", help="fit the rejection and confidence calibration of a model (same weights) and save it")
    c.add_argument("--model", type=Path, help="model file to calibrate (default: the shipped model)")
    c.add_argument("--out", type=Path, required=True, help="where to write the calibrated model (may be the same file)")
    c.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                   help="folder with the MNIST files (default: $MNIST_DIR, else the user data folder)")
    c.add_argument("--pen-data", type=Path, metavar="DIR", help="pen data folder whose fit writers' digits the rejection is also "
                   "fitted on (default: $PEN_DATA_DIR, else the user data folder's pen/, when there)")
    add_digits_parser(sub)
    return parser


def _load(path: Path | None):
    """The model in use: the file at path (default: the shipped model) with its one Tracer."""
    from .paths import default_model_path
    from .reading import ReadingSession

    return ReadingSession.load(path or default_model_path())


class _ProgressBar:
    """tqdm's bar on stderr for the epoch under way, only when stderr is a terminal."""

    def __init__(self, epochs: int, stream=sys.stderr):
        self.epochs = epochs
        self.stream = stream
        self.enabled = stream.isatty()
        self.bar = None

    def update(self, p):
        if not self.enabled:
            return
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=p.batches_per_epoch, desc=f"epoch {p.epoch}/{self.epochs}", unit="batch",
                            file=self.stream, leave=False, dynamic_ncols=True)  # fmt: skip
        self.bar.set_postfix_str(f"loss {p.loss:.4f} lr {p.learning_rate:.2e} {p.samples_per_second:,.0f} img/s",
                                 refresh=False)  # fmt: skip
        self.bar.update(p.batch - self.bar.n)

    def clear(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def cmd_train(args) -> int:
    from .data import load_mnist
    from .fileio import shown
    from .finetune import fine_tune_words
    from .modelfile import save_model
    from .paths import user_data_dir
    from .records import Records
    from .cli_digits import training_plan
    from .finetune import my_digits_words
    from .pen_data import pen_training_for
    from .train import BatchProgress, warmup_warning
    from .training_run import TrainingRun, autosave_name, result_metadata, save_exclusively

    with Records(args.db) as records:  # a file that is not ours, or read-only: said now, not after training
        records.check_writable()
    plan = training_plan(args)  # the settings given, a fine-tune's with --init, and --my-digits
    config = plan.config
    if plan.start_from is not None:
        print(f"recognizer: {fine_tune_words(config)} from {shown(args.init)}", file=sys.stderr)
    if plan.my_digits is not None:
        print(f"recognizer: {my_digits_words(plan.my_digits)}", file=sys.stderr)
    pen_folder = _pen_folder(args, config)
    _check_out(args.out)  # before the data and the hours of training, not after
    data = load_mnist(args.data_dir)
    pen = pen_training_for(config, len(data.train_images), pen_folder)
    if pen is not None:
        _say(f"pen data from {shown(pen_folder)}: {len(pen.digit_labels):,} digit drawings and "
             f"{len(pen.non_digit_images):,} non-digits of the train writers")
    warning = warmup_warning(config, len(data.train_images))
    if warning:
        print(f"recognizer: warning: {warning}", file=sys.stderr)
    log = None
    if args.log_dir is not None:  # opened before training, so that a folder it cannot make is said now
        from .tensorboard_log import open_log

        log, missing = open_log(args.log_dir)
        if missing:
            print(f"recognizer: warning: {missing}", file=sys.stderr)
    bar = _ProgressBar(config.epochs)

    def on_event(e):
        if isinstance(e, BatchProgress):
            bar.update(e)
            if log:
                log.batch(e)
            return
        if log:
            log.epoch(e)
        bar.clear()
        mine = "" if e.my_digits_accuracy is None else f" | my digits acc {e.my_digits_accuracy:.2%}"
        _say(
            f"epoch {e.epoch}/{config.epochs}: train loss {e.train_loss:.4f} acc {e.train_accuracy:.2%} | "
            f"test loss {e.test_loss:.4f} acc {e.test_accuracy:.2%}{mine} | {e.seconds:.1f} s"
        )

    problems = []

    def save(result):
        """--out, or, when it cannot be written, a new file in the user's models folder (said after the record)."""
        metadata = result_metadata(result)
        try:
            return save_model(args.out, result.model, metadata, trust=result.trust).resolve()
        except OSError as e:
            reason = f"Cannot write {shown(args.out)}: {e.strerror or e}"
        folder = user_data_dir() / "models"
        try:
            kept = save_exclusively(folder, autosave_name(config, len(result.history)), result.model, metadata, result.trust)
        except OSError as e2:
            raise RecognizerError(f"{reason}; keeping the weights in {shown(folder)} failed too: {e2.strerror or e2}") from None
        problems.append(f"{reason}; the trained weights are kept in {shown(kept)}")
        return kept

    run = TrainingRun(plan, data, on_event=on_event, pen=pen)
    try:
        outcome = run.run(save, args.db)
    finally:
        bar.clear()
        if log:
            log.close()
    if outcome.save_error or problems:
        raise RecognizerError(outcome.save_error or problems[0])
    result = outcome.result
    _say(f"saved {shown(args.out)} (test accuracy {result.test_accuracy:.2%} on {len(data.test_labels):,} images)")
    if outcome.record_error:
        raise RecognizerError(f"The model is saved, but the run was not recorded: {outcome.record_error}")
    return 0


def _pen_folder(args, config):
    """The pen data folder a run trains on (None: --no-pen-data, or none found); asked before
    the training starts, so that a wrong --pen-data is said at once."""
    from .pen_data import find_pen_dir

    if not config.pen_data:
        if args.pen_data_dir is not None:
            raise RecognizerError("--pen-data and --no-pen-data contradict each other; give one")
        return None
    folder = find_pen_dir(args.pen_data_dir)
    if folder is None:
        _say("no pen data found ($PEN_DATA_DIR or --pen-data): training on MNIST only")
    return folder


def cmd_evaluate(args) -> int:
    from .data import load_test_set
    from .evaluate import evaluate
    from .fileio import shown

    session = _load(args.model)
    if args.pen is not None:
        return _evaluate_pen(args, session)
    images, labels = load_test_set(args.data_dir)  # the training files are not needed, nor fetched
    ev = evaluate(session.model, images, labels)
    confusion = ev.confusion
    mine = {}
    if args.my_digits:
        from .cli_digits import my_digits_evaluation

        mine = {"my_digits": my_digits_evaluation(session.model, args.db)}
    if args.json:
        _say(json.dumps({
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
        from .cli_digits import my_digits_lines

        lines += ["", *my_digits_lines(mine["my_digits"])]
    for line in lines:
        _say(line)
    return 0


def _evaluate_pen(args, session) -> int:
    from .fileio import shown
    from .pen_eval import evaluate_pen
    from .unipen import read_pen_file

    if args.my_digits:
        raise RecognizerError("--pen measures the model on the pen file alone; leave out --my-digits")
    samples = read_pen_file(args.pen)
    ev = evaluate_pen(session, samples)
    if args.json:
        _say(json.dumps({"model": str(session.path), "pen_file": str(args.pen), "samples": len(samples), **ev.to_dict()}))
        return 0
    for line in [f"model {shown(session.path)}", f"pen file {shown(args.pen)} ({len(samples):,} samples)", "", *ev.lines()]:
        _say(line)
    return 0


def cmd_predict(args) -> int:
    from .errors import ImageError
    from .fileio import shown
    from .image_files import read_image
    from .segment import predict_number

    session = _load(args.model)
    results, failed = [], False
    for name in args.images:
        try:
            if not name:
                raise ImageError("Cannot read image '': the file name is empty")
            # the verdict on each digit of the picture: a digit, unsure, or not a digit
            result = predict_number(name, read_image(name), session)
        except (RecognizerError, OSError, ValueError) as e:
            failed = True
            message = _one_line(e)
            print(f"recognizer: error: {message}", file=sys.stderr, flush=True)
            results.append({"path": name, "digit": None, "probabilities": None, "number": None, "error": message})
            continue
        results.append(result)
        if not args.json:  # as each file is read: a long batch shows progress, a pipe gets lines
            _say(f"{shown(name)}: {result.pop('words')}")
        else:
            del result["words"]
            for digit in result.get("digits", ()):
                del digit["words"]
    if args.json:
        _say(json.dumps(results, allow_nan=False))
    return EXIT_ERROR if failed else 0


def cmd_calibrate(args) -> int:
    from .calibrate import calibrate_file

    _check_out(args.out)  # before the data and the fit
    _say(calibrate_file(args.model, args.out, args.data_dir, args.pen_data))
    return 0


def _check_out(path: Path) -> None:
    """Refuse an --out that could not be written, or that is a device, a FIFO or a folder, now."""
    from .fileio import check_writable, shown

    try:
        check_writable(path)
    except OSError as e:
        raise RecognizerError(f"Cannot write --out {shown(path)}: {e.strerror}") from None


def _say(line: str) -> None:
    """A line on stdout, flushed, so that a closed pipe shows up here (main ends quietly)."""
    print(line, flush=True)


def _one_line(e: BaseException) -> str:
    """An error as one line: OSError with its file named (shown escaped if need be)."""
    from .fileio import shown

    if isinstance(e, OSError) and e.strerror:
        return f"{e.strerror}: {shown(e.filename)}" if e.filename else e.strerror
    text = " ".join(str(e).split())
    return text or type(e).__name__


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, so that it unwinds as Ctrl+C does: every temporary
    file removed on the way out (fileio.atomic_write), one line, no traceback."""


def _terminate(signum, frame):
    raise _Terminated


@contextmanager
def _sigterm_as_interrupt():
    """While a command runs, SIGTERM ends it as Ctrl+C does (143 instead of 130). Python's signal
    handlers live in the main thread only; the one before is put back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def main(argv: list[str] | None = None, open_window=None) -> int:
    """Run a command. Without one, open_window(model_path, data_dir) opens the window: the launcher
    (recognizer/__main__.py) passes it in, so that this core module never imports the window."""
    commands = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "calibrate": cmd_calibrate,
                "digits": cmd_digits,
                None: lambda args: open_window(args.model, args.data_dir)}  # fmt: skip
    try:
        parser = build_parser()  # inside: it imports torch, and Ctrl+C may come then
        args = parser.parse_args(argv)
        if args.command is None and open_window is None:
            parser.error("give a command: train, evaluate or predict")
        if args.command == "train" and getattr(args, "model", None) is not None:
            raise RecognizerError("--model is for the window, predict and evaluate; train writes to --out")
        if args.command is None:
            return commands[None](args)
        with _sigterm_as_interrupt():
            return commands[args.command](args)
    except _Terminated:
        print("recognizer: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("recognizer: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, as a killed-by-SIGPIPE tool would, and keep
        # Python's final flush of stdout from complaining about it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except (RecognizerError, OSError, ValueError) as e:
        print(f"recognizer: error: {_one_line(e)}", file=sys.stderr)
        return EXIT_ERROR


def run_program(argv: list[str] | None = None, open_window=None) -> int:
    """main() as a process runs it (the launcher, python -m recognizer.cli): a Ctrl+C after the
    command is done (a second one while the first is reported, one during the interpreter's
    teardown) still ends the process with 130 and the one line, never a traceback."""
    try:
        return main(argv, open_window)
    except KeyboardInterrupt:  # a second Ctrl+C while the first was being reported
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGINT, _interrupted_at_exit)


def _interrupted_at_exit(signum, frame):
    os.write(sys.stderr.fileno(), b"recognizer: interrupted\n")
    os._exit(EXIT_INTERRUPTED)  # now: the command's lines are flushed already (_say), nothing else is owed


if __name__ == "__main__":  # python -m recognizer.cli: the commands only; the launcher is python -m recognizer
    sys.exit(run_program())
