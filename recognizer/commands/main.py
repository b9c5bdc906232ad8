"""Command line: `recognizer` opens the window; `recognizer train | evaluate | predict` script it.

Any problem with the user's input ends with one line on stderr and a non-zero exit, never a
traceback: RecognizerError, OSError and ValueError are the errors we expect and explain.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from .. import __version__
from ..errors import RecognizerError
from .common import (
    EXIT_BROKEN_PIPE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    EXIT_USAGE,
    check_out,
    one_line,
    say,
)
from .digits import add_digits_parser, add_train_arguments, cmd_digits
from .read import cmd_evaluate, cmd_predict
from .train import add_setting_options, cmd_train


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


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


def cmd_calibrate(args) -> int:
    from .calibrate import calibrate_file

    check_out(args.out)  # before the data and the fit
    say(calibrate_file(args.model, args.out, args.data_dir, args.pen_data))
    return 0


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, so that it unwinds as Ctrl+C does: every temporary
    file removed on the way out (safe_io.atomic_write), one line, no traceback."""


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
        print(f"recognizer: error: {one_line(e)}", file=sys.stderr)
        return EXIT_ERROR


def run_program(argv: list[str] | None = None, open_window=None) -> int:
    """main() as a process runs it (the launcher, python -m recognizer.commands.main): a Ctrl+C after the
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


if __name__ == "__main__":  # python -m recognizer.commands.main: the commands only; the launcher is python -m recognizer
    sys.exit(run_program())
