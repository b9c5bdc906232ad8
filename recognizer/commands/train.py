"""`recognizer train`: one option per training setting (training/settings.py), a progress bar on a
terminal, and the run from its plan to its record (training/run.py), as the Train tab runs it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import RecognizerError
from .common import check_out, say


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
    from ..training.settings import SETTINGS

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
    from ..datasets.mnist import load_mnist
    from ..datasets.pen_data import pen_training_for
    from ..files.model_file import save_model
    from ..files.paths import user_data_dir
    from ..files.safe_io import shown
    from ..store.records import Records
    from ..training.finetune import fine_tune_words, my_digits_words
    from ..training.run import TrainingRun, autosave_name, hands_words, result_metadata, save_exclusively
    from ..training.trainer import BatchProgress, warmup_warning
    from .digits import training_plan

    with Records(args.db) as records:  # a file that is not ours, or read-only: said now, not after training
        records.check_writable()
    plan = training_plan(args)  # the settings given, a fine-tune's with --init, and --my-digits
    config = plan.config
    if plan.start_from is not None:
        print(f"recognizer: {fine_tune_words(config)} from {shown(args.init)}", file=sys.stderr)
    if plan.my_digits is not None:
        print(f"recognizer: {my_digits_words(plan.my_digits)}", file=sys.stderr)
    pen_folder = _pen_folder(args, config)
    check_out(args.out)  # before the data and the hours of training, not after
    data = load_mnist(args.data_dir)
    pen = pen_training_for(config, len(data.train_images), pen_folder)
    if pen is not None:
        say(f"pen data from {shown(pen_folder)}: {len(pen.digit_labels):,} digit drawings and "
             f"{len(pen.non_digit_images):,} non-digits of the train writers")
    warning = warmup_warning(config, len(data.train_images))
    if warning:
        print(f"recognizer: warning: {warning}", file=sys.stderr)
    log = None
    if args.log_dir is not None:  # opened before training, so that a folder it cannot make is said now
        from ..training.tensorboard_log import open_log

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
        say(
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
    say(f"saved {shown(args.out)} (test accuracy {result.test_accuracy:.2%} on {len(data.test_labels):,} images)")
    if hands_words(result.held_out_hands):
        say(hands_words(result.held_out_hands))
    if outcome.record_error:
        raise RecognizerError(f"The model is saved, but the run was not recorded: {outcome.record_error}")
    return 0


def _pen_folder(args, config):
    """The pen data folder a run trains on (None: --no-pen-data, or none found); asked before
    the training starts, so that a wrong --pen-data is said at once."""
    from ..datasets.pen_data import find_pen_dir

    if not config.pen_data:
        if args.pen_data_dir is not None:
            raise RecognizerError("--pen-data and --no-pen-data contradict each other; give one")
        return None
    folder = find_pen_dir(args.pen_data_dir)
    if folder is None:
        say("no pen data found ($PEN_DATA_DIR or --pen-data): training on MNIST only")
    return folder
