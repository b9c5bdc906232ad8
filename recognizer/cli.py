"""Command line: `recognizer` opens the window; `recognizer train | evaluate | predict` script it.

Any problem with the user's input ends with one line on stderr and a non-zero exit, never a
traceback: RecognizerError, OSError and ValueError are the errors we expect and explain.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__
from .errors import RecognizerError
from .cli_digits import add_digits_parser, add_train_arguments, cmd_digits
from .hidden_sizes import parse_hidden_sizes

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool that a closed pipe ended


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _hidden_sizes(text: str) -> tuple[int, ...]:
    try:
        return parse_hidden_sizes(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"--hidden {text!r}: {e}") from None


def build_parser() -> argparse.ArgumentParser:
    from .cells import CELLS
    from .train import SCHEDULES, TrainConfig

    d = TrainConfig()
    parser = _Parser(prog="recognizer", description="Draw a digit and watch an LSTM read it row by row.")
    parser.add_argument("--version", action="version", version=f"recognizer {__version__}")
    parser.add_argument("--model", type=Path, help="model file for the window, predict and evaluate (default: the shipped model); "
                        "also accepted after the command")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="{train,evaluate,predict,calibrate,digits}")

    t = sub.add_parser("train", help="train a model and save it")
    t.add_argument("--out", type=Path, required=True, help="where to write the model (.safetensors)")
    t.add_argument("--hidden", type=_hidden_sizes, default=None, metavar="SIZES", help="layer sizes, one per layer: 128 or 32,64 (default 128)")
    t.add_argument("--epochs", type=int, default=None, help=f"passes over the training set (default {d.epochs})")
    t.add_argument("--batch-size", type=int, default=d.batch_size, help=f"images per step (default {d.batch_size})")
    t.add_argument("--lr", type=float, default=None, help=f"peak learning rate of Adam (default {d.learning_rate:g})")
    t.add_argument("--schedule", choices=SCHEDULES, default=d.schedule, help=f"learning-rate schedule (default {d.schedule})")
    t.add_argument("--warmup-steps", type=int, default=None, help=f"batches of linear warm-up before the cosine decay (default {d.warmup_steps})")
    t.add_argument("--grad-clip", type=float, default=d.grad_clip, help=f"largest gradient norm; 0 switches clipping off (default {d.grad_clip:g})")
    t.add_argument("--weight-decay", type=float, default=d.weight_decay, help=f"AdamW weight decay (default {d.weight_decay:g})")
    t.add_argument("--no-augment", action="store_true", help="train on the images as they are (default: random shifts, rotations, scalings)")
    t.add_argument("--no-other-sources", action="store_true", help="no thick or thin pens, blur, thresholds, few pixels or warps (default: half the images get one)")
    t.add_argument("--no-outliers", action="store_true", help="no non-digits in the batches (default: a quarter more, taught as no digit; see outliers.py)")
    t.add_argument("--pen-data", type=Path, metavar="DIR", help="folder of real people's pen digits and letters (pendigits/, unipen/, "
                   "omniglot/) trained on beside MNIST (default: $PEN_DATA_DIR, else the user data folder's pen/, when there)")
    t.add_argument("--no-pen-data", action="store_true", help="train on MNIST (and the synthetic non-digits) only")
    t.add_argument("--subset", type=int, default=None, help="use only the first N training images (default: all; with --init, a fine-tune's 15,000)")
    t.add_argument("--seed", type=int, default=d.seed, help=f"fixes initialisation, order and augmentation (default {d.seed})")
    t.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="(default auto: cuda when present)")
    t.add_argument("--data-dir", type=Path, help="folder with the MNIST files (default: $MNIST_DIR, else the user data folder)")
    t.add_argument("--cell", choices=CELLS, default=None, help=f"the recurrent cell (default {d.cell})")
    t.add_argument("--db", type=Path, help="records file the run is added to (default: recognizer.db in the user data folder)")
    t.add_argument("--log-dir", type=Path, help="also write TensorBoard event files there (needs the tensorboard extra)")
    add_train_arguments(t)

    e = sub.add_parser("evaluate", help="accuracy and confusion matrix on the 10,000 MNIST test images")
    e.add_argument("--model", type=Path, default=argparse.SUPPRESS, help="model file (default: the shipped model)")
    e.add_argument("--data-dir", type=Path, help="folder with the MNIST files (default: $MNIST_DIR, else the user data folder)")
    e.add_argument("--json", action="store_true", help="print JSON")
    e.add_argument("--my-digits", action="store_true", help="also the accuracy on the held-out My digits")
    e.add_argument("--db", type=Path, help="records file holding My digits (default: recognizer.db in the user data folder)")

    p = sub.add_parser("predict", help="read digits from image files")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--model", type=Path, default=argparse.SUPPRESS, help="model file (default: the shipped model)")
    p.add_argument("--json", action="store_true", help="print a JSON array, one object per image")

    c = sub.add_parser("calibrate", help="fit the rejection and confidence calibration of a model (same weights) and save it")
    c.add_argument("--model", type=Path, help="model file to calibrate (default: the shipped model)")
    c.add_argument("--out", type=Path, required=True, help="where to write the calibrated model (may be the same file)")
    c.add_argument("--data-dir", type=Path, help="folder with the MNIST files (default: $MNIST_DIR, else the user data folder)")
    c.add_argument("--pen-data", type=Path, metavar="DIR", help="pen data folder whose fit writers' digits the rejection is also "
                   "fitted on (default: $PEN_DATA_DIR, else the user data folder's pen/, when there)")
    add_digits_parser(sub)
    return parser


def _load(path: Path | None):
    from .modelfile import load_model
    from .paths import default_model_path

    return load_model(path or default_model_path())


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
    import time

    from .curves import RunCurves
    from .data import load_mnist
    from .fileio import check_writable, shown
    from .history import record_run
    from .modelfile import save_model
    from .paths import user_data_dir
    from .records import Records
    from .cli_digits import training_start
    from .finetune import fine_tune_words
    from .pen_data import pen_training_for
    from .train import Trainer, TrainConfig, autosave_name, result_metadata, save_exclusively, warmup_warning

    Records(args.db).close()  # a records file that is not ours is said now, not after the training
    start_from, my_digits = training_start(args, TrainConfig())  # --init and --my-digits
    config = TrainConfig(
        hidden_sizes=args.hidden,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        schedule=args.schedule,
        warmup_steps=args.warmup_steps,
        grad_clip=args.grad_clip,
        weight_decay=args.weight_decay,
        augment=not args.no_augment,
        other_sources=not args.no_other_sources,
        outliers=not args.no_outliers,
        train_subset=args.subset,
        seed=args.seed,
        device=args.device,
        cell=args.cell,
        init_model="" if args.init is None else str(args.init.resolve()),
        my_digits=my_digits is not None,
        pen_data=not args.no_pen_data,
    )
    if start_from is not None:
        print(f"recognizer: {fine_tune_words(config)} from {shown(args.init)}", file=sys.stderr)
    if my_digits is not None:
        print("recognizer: My digits: {:,} trained on, {:,} held out".format(*my_digits.counts()), file=sys.stderr)
    pen_folder = _pen_folder(args)
    try:
        check_writable(args.out)  # before the data and the hours of training, not after
    except OSError as e:
        raise RecognizerError(f"Cannot write --out {shown(args.out)}: {e.strerror}") from None
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
    curves = RunCurves()  # what the run record keeps, the same columns the Train tab draws

    def on_batch(p):
        curves.add([p])
        bar.update(p)
        if log:
            log.batch(p)

    def on_epoch(r):
        curves.add([r])
        if log:
            log.epoch(r)
        bar.clear()
        mine = "" if r.my_digits_accuracy is None else f" | my digits acc {r.my_digits_accuracy:.2%}"
        _say(
            f"epoch {r.epoch}/{config.epochs}: train loss {r.train_loss:.4f} acc {r.train_accuracy:.2%} | "
            f"test loss {r.test_loss:.4f} acc {r.test_accuracy:.2%}{mine} | {r.seconds:.1f} s"
        )

    started = time.perf_counter()
    try:
        result = Trainer(config, data, on_batch=on_batch, on_epoch=on_epoch, start_from=start_from,
                         my_digits=my_digits, pen=pen).run()  # fmt: skip
    finally:
        bar.clear()
        if log:
            log.close()
    seconds = time.perf_counter() - started
    metadata = result_metadata(result)
    try:
        save_model(args.out, result.model, metadata)
    except OSError as e:
        reason = f"Cannot write {shown(args.out)}: {e.strerror or e}"
        folder = user_data_dir() / "models"
        try:
            kept = save_exclusively(folder, autosave_name(config, len(result.history)), result.model, metadata)
        except OSError as e2:
            raise RecognizerError(f"{reason}; keeping the weights in {shown(folder)} failed too: {e2.strerror or e2}") from None
        raise RecognizerError(f"{reason}; the trained weights are kept in {shown(kept)}") from None
    _say(f"saved {shown(args.out)} (test accuracy {result.test_accuracy:.2%} on {len(data.test_labels):,} images)")
    try:
        record_run(args.db, result, curves, seconds, args.out.resolve())
    except RecognizerError as e:
        raise RecognizerError(f"The model is saved, but the run was not recorded: {e}") from None
    return 0


def _pen_folder(args):
    """The pen data folder a run trains on (None: --no-pen-data, or none found); asked before
    the training starts, so that a wrong --pen-data is said at once."""
    from .pen_data import find_pen_dir

    if args.no_pen_data:
        if args.pen_data is not None:
            raise RecognizerError("--pen-data and --no-pen-data contradict each other; give one")
        return None
    folder = find_pen_dir(args.pen_data)
    if folder is None:
        _say("no pen data found ($PEN_DATA_DIR or --pen-data): training on MNIST only")
    return folder


def cmd_evaluate(args) -> int:
    from .data import load_test_set
    from .evaluate import evaluate
    from .fileio import shown

    loaded = _load(args.model)
    images, labels = load_test_set(args.data_dir)  # the training files are not needed, nor fetched
    ev = evaluate(loaded.model, images, labels)
    confusion = ev.confusion
    mine = {}
    if args.my_digits:
        from .cli_digits import my_digits_evaluation

        mine = {"my_digits": my_digits_evaluation(loaded.model, args.db)}
    if args.json:
        _say(json.dumps({
            "model": str(loaded.path),
            "accuracy": ev.accuracy,
            "correct": int(confusion.trace()),
            "total": int(confusion.sum()),
            "confusion": confusion.tolist(),
            "precision": [round(float(v), 6) for v in ev.precision],
            "recall": [round(float(v), 6) for v in ev.recall],
            **mine,
        }))
        return 0
    lines = [f"model {shown(loaded.path)}",
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


def cmd_predict(args) -> int:
    from .errors import ImageError
    from .fileio import shown
    from .image_files import read_image
    from .preprocess import to_mnist
    from .trace import Tracer
    from .verdict import predict_record

    tracer = Tracer(_load(args.model).model)
    results, failed = [], False
    for name in args.images:
        try:
            if not name:
                raise ImageError("Cannot read image '': the file name is empty")
            image = to_mnist(read_image(name))
        except (RecognizerError, OSError, ValueError) as e:
            failed = True
            message = _one_line(e)
            print(f"recognizer: error: {message}", file=sys.stderr, flush=True)
            results.append({"path": name, "digit": None, "probabilities": None, "error": message})
            continue
        result = predict_record(name, image, tracer)  # the verdict: a digit, unsure, or not a digit
        results.append(result)
        if not args.json:  # as each file is read: a long batch shows progress, a pipe gets lines
            _say(f"{shown(name)}: {result.pop('words')}")
        else:
            del result["words"]
    if args.json:
        _say(json.dumps(results))
    return EXIT_ERROR if failed else 0


def cmd_calibrate(args) -> int:
    from .calibrate import calibrate_file

    _say(calibrate_file(args.model, args.out, args.data_dir, args.pen_data))
    return 0


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


def main(argv: list[str] | None = None, open_window=None) -> int:
    """Run a command. Without one, open_window(model_path) opens the window: the launcher
    (recognizer/__main__.py) passes it in, so that this core module never imports the window."""
    commands = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "calibrate": cmd_calibrate,
                "digits": cmd_digits,
                None: lambda args: open_window(args.model)}  # fmt: skip
    try:
        parser = build_parser()  # inside: it imports torch, and Ctrl+C may come then
        args = parser.parse_args(argv)
        if args.command is None and open_window is None:
            parser.error("give a command: train, evaluate or predict")
        if args.command == "train" and getattr(args, "model", None) is not None:
            raise RecognizerError("--model is for the window, predict and evaluate; train writes to --out")
        return commands[args.command](args)
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


if __name__ == "__main__":  # python -m recognizer.cli: the commands only; the launcher is python -m recognizer
    sys.exit(main())
