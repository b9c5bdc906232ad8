"""Command line: `recognizer` opens the window; `recognizer train | evaluate | predict` script it.

Any problem with the user's input ends with one line on stderr and a non-zero exit, never a
traceback: RecognizerError, OSError and ValueError are the errors we expect and explain.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import __version__
from .errors import RecognizerError
from .hidden_sizes import parse_hidden_sizes

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _hidden_sizes(text: str) -> tuple[int, ...]:
    try:
        return parse_hidden_sizes(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"--hidden {text!r}: {e}") from None


def build_parser() -> argparse.ArgumentParser:
    from .train import SCHEDULES, TrainConfig

    d = TrainConfig()
    parser = _Parser(prog="recognizer", description="Draw a digit and watch an LSTM read it row by row.")
    parser.add_argument("--version", action="version", version=f"recognizer {__version__}")
    parser.add_argument("--model", type=Path, help="model file to open the window with (default: the shipped model)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="{train,evaluate,predict,calibrate}")

    t = sub.add_parser("train", help="train a model and save it")
    t.add_argument("--out", type=Path, required=True, help="where to write the model (.safetensors)")
    t.add_argument("--hidden", type=_hidden_sizes, default=d.hidden_sizes, metavar="SIZES", help="LSTM sizes, one per layer: 128 or 32,64 (default 128)")
    t.add_argument("--epochs", type=int, default=d.epochs, help=f"passes over the training set (default {d.epochs})")
    t.add_argument("--batch-size", type=int, default=d.batch_size, help=f"images per step (default {d.batch_size})")
    t.add_argument("--lr", type=float, default=d.learning_rate, help=f"peak learning rate of Adam (default {d.learning_rate:g})")
    t.add_argument("--schedule", choices=SCHEDULES, default=d.schedule, help=f"learning-rate schedule (default {d.schedule})")
    t.add_argument("--warmup-steps", type=int, default=d.warmup_steps, help=f"batches of linear warm-up before the cosine decay (default {d.warmup_steps})")
    t.add_argument("--grad-clip", type=float, default=d.grad_clip, help=f"largest gradient norm; 0 switches clipping off (default {d.grad_clip:g})")
    t.add_argument("--weight-decay", type=float, default=d.weight_decay, help=f"AdamW weight decay (default {d.weight_decay:g})")
    t.add_argument("--no-augment", action="store_true", help="train on the images as they are (default: random shifts, rotations, scalings)")
    t.add_argument("--subset", type=int, default=0, help="use only the first N training images (default: all)")
    t.add_argument("--seed", type=int, default=d.seed, help=f"fixes initialisation, order and augmentation (default {d.seed})")
    t.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="(default auto: cuda when present)")
    t.add_argument("--data-dir", type=Path, help="folder with the MNIST files (default: $MNIST_DIR, else the user data folder)")

    e = sub.add_parser("evaluate", help="accuracy and confusion matrix on the 10,000 MNIST test images")
    e.add_argument("--model", type=Path, help="model file (default: the shipped model)")
    e.add_argument("--data-dir", type=Path, help="folder with the MNIST files (default: $MNIST_DIR, else the user data folder)")
    e.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("predict", help="read digits from image files")
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    p.add_argument("--model", type=Path, help="model file (default: the shipped model)")
    p.add_argument("--json", action="store_true", help="print a JSON array, one object per image")

    c = sub.add_parser("calibrate", help="fit the rejection and confidence calibration of a model (same weights) and save it")
    c.add_argument("--model", type=Path, help="model file to calibrate (default: the shipped model)")
    c.add_argument("--out", type=Path, required=True, help="where to write the calibrated model (may be the same file)")
    c.add_argument("--data-dir", type=Path, help="folder with the MNIST files (default: $MNIST_DIR, else the user data folder)")
    return parser


def _load(path: Path | None):
    from .modelfile import load_model
    from .paths import default_model_path

    return load_model(path or default_model_path())


class _ProgressBar:
    """A one-line bar on stderr, redrawn in place; only when stderr is a terminal."""

    def __init__(self, epochs: int, stream=sys.stderr):
        self.epochs = epochs
        self.stream = stream
        self.enabled = stream.isatty()
        self.last_draw = 0.0

    def update(self, p):
        now = time.monotonic()
        if not self.enabled or (now - self.last_draw < 0.1 and p.batch != p.batches_per_epoch):
            return
        self.last_draw = now
        done = p.batch / p.batches_per_epoch
        width = 30
        filled = int(done * width)
        bar = "█" * filled + "·" * (width - filled)
        self.stream.write(
            f"\repoch {p.epoch}/{self.epochs} {bar} {p.batch}/{p.batches_per_epoch} "
            f"loss {p.loss:.4f} lr {p.learning_rate:.2e} {p.samples_per_second:,.0f} img/s"
        )
        self.stream.flush()

    def clear(self):
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


def cmd_train(args) -> int:
    from .data import load_mnist
    from .modelfile import make_metadata, save_model
    from .train import Trainer, TrainConfig

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
        train_subset=args.subset,
        seed=args.seed,
        device=args.device,
    )
    if args.out.is_dir():
        raise RecognizerError(f"--out {args.out} is a folder; name a file such as model.safetensors")
    data = load_mnist(args.data_dir)
    bar = _ProgressBar(config.epochs)

    def on_epoch(r):
        bar.clear()
        print(
            f"epoch {r.epoch}/{config.epochs}: train loss {r.train_loss:.4f} acc {r.train_accuracy:.2%} | "
            f"test loss {r.test_loss:.4f} acc {r.test_accuracy:.2%} | {r.seconds:.1f} s",
            flush=True,
        )

    result = Trainer(config, data, on_batch=bar.update, on_epoch=on_epoch).run()
    bar.clear()
    metadata = make_metadata(result.model, config.to_dict(), result.test_accuracy)
    save_model(args.out, result.model, metadata)  # with the rejection the Trainer fitted (model.trust)
    print(f"saved {args.out} (test accuracy {result.test_accuracy:.2%} on {len(data.test_labels):,} images)")
    return 0


def cmd_evaluate(args) -> int:
    from .data import load_mnist
    from .evaluate import evaluate

    loaded = _load(args.model)
    data = load_mnist(args.data_dir)
    ev = evaluate(loaded.model, data.test_images, data.test_labels)
    confusion = ev.confusion
    if args.json:
        print(json.dumps({
            "model": str(loaded.path),
            "accuracy": ev.accuracy,
            "correct": int(confusion.trace()),
            "total": int(confusion.sum()),
            "confusion": confusion.tolist(),
            "precision": [round(float(v), 6) for v in ev.precision],
            "recall": [round(float(v), 6) for v in ev.recall],
        }))
        return 0
    print(f"model {loaded.path}")
    print(f"accuracy {ev.accuracy:.2%} ({confusion.trace():,} of {confusion.sum():,} test images)")
    print("\nconfusion matrix (rows: true digit, columns: predicted)")
    print("     " + "".join(f"{c:>6}" for c in range(10)))
    for r, row in enumerate(confusion):
        print(f"{r:>5}" + "".join(f"{v:>6}" for v in row))
    print("\ndigit  precision  recall")
    for c in range(10):
        print(f"{c:>5}  {ev.precision[c]:>9.2%}  {ev.recall[c]:>6.2%}")
    return 0


def cmd_predict(args) -> int:
    from .image_files import read_image
    from .preprocess import to_mnist
    from .trace import Tracer
    from .verdict import predict_record

    tracer = Tracer(_load(args.model).model)
    results = [predict_record(path, to_mnist(read_image(path)), tracer) for path in args.images]
    if args.json:
        print(json.dumps(results))
    else:
        for r in results:
            print(f"{r['path']}: {r['words']}")
    return 0


def cmd_calibrate(args) -> int:
    from .calibrate import calibrate_file

    report = calibrate_file(args.model, args.out, args.data_dir)
    print(report)
    return 0


def cmd_gui(args) -> int:
    from .ui.app import run_app

    return run_app(model_path=args.model)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    commands = {"train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "calibrate": cmd_calibrate, None: cmd_gui}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        print("recognizer: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (RecognizerError, OSError, ValueError) as e:
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"recognizer: error: {message}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
