"""One run, from its plan to its record, the same for the CLI and the Train tab:

plan_run (the settings, a model to continue from or none, My digits or not) -> TrainingRun.run:
the Trainer, then fitting the verdict as a step of its own (on unless the config says
fit_verdict=False, as tiny test runs do), then the caller's save (the CLI: --out; the tab: the
best epoch in the user's models folder), then the record (records.py): the settings, the curves
(the same columns the Train tab plots), the result, how long it took, the model file, and the
distributions insight.py measured along the way.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import numpy as np

from ..datasets.mnist import MNIST
from ..errors import RecognizerError
from ..evaluation.pen_reading import evaluate_pen
from ..files.model_file import make_metadata, save_model
from ..network.hidden_sizes import format_hidden_sizes
from ..network.model import RowRNN
from ..store.my_digits import MyDigits
from ..store.records import Records
from ..text import format_percent
from ..trust.fit import fit_trust_on_mnist
from .curves import MAX_STORED_POINTS, RunCurves, _spread
from .finetune import MyDigitsMix
from .insight import thinned
from .trainer import TrainConfig, Trainer, TrainResult


# --- the plan -----------------------------------------------------------------------------------
@dataclass
class RunPlan:
    config: TrainConfig  # as the run uses it: a start model's architecture, init_model, my_digits
    start_from: RowRNN | None = None  # the model whose weights the run continues from
    my_digits: MyDigitsMix | None = None


def plan_run(config: TrainConfig, *, start_from: RowRNN | None = None, start_path: str | Path | None = None,
             my_digits: bool = False, db_path: str | Path | None = None, wait: bool = True) -> RunPlan:  # fmt: skip
    """The run of config, continuing from start_from (read from start_path, if a file) whose cell
    and hidden sizes it takes, with My digits from the records at db_path mixed in when asked
    (RecognizerError when there is nothing to train on; wait=False: RecordsBusyError at once when
    another writer holds the records, for the UI thread)."""
    if start_from is not None:
        config = replace(config, hidden_sizes=start_from.config.hidden_sizes, cell=start_from.config.cell,
                         init_model="" if start_path is None else str(Path(start_path).resolve()))  # fmt: skip
    mix = None
    if my_digits:
        with Records(db_path, wait=wait) as records:
            mix = MyDigitsMix.from_store(MyDigits(records))
        config = replace(config, my_digits=True)
    return RunPlan(config, start_from, mix)


# --- the run ------------------------------------------------------------------------------------
@dataclass
class RunOutcome:
    result: TrainResult
    seconds: float  # wall time of the training and the verdict's fit, pauses included
    saved: Path | None = None  # the model file the save wrote, if any
    save_error: str | None = None
    record_id: int | None = None  # the run in the records (records.py), once written
    record_error: str | None = None


def measure_hands(result: TrainResult, samples) -> None:
    """The run's model on real people's digits by writers it was never trained on (the pen data's
    test writers), replayed through the canvas's stroke path and judged by its verdict, as
    bench_handwriting.py measures a shipped model: result.held_out_hands, a tally of samples,
    read_right, accepted_right, not_a_digit and unsure. For the 5,414 of the shared sets: 8.4 s on this
    2-core machine at a load of 4.6 (2026-12-06); the shipped LSTM 128 gives 5,310 (98.08 %)."""
    result.held_out_hands = evaluate_pen(SimpleNamespace(model=result.model, trust=result.trust), samples).digits


def hands_words(tally: dict | None) -> str:
    """One line on the held-out writers' digits, for the CLI and the Train tab ("" when not measured)."""
    if not tally or not tally.get("samples"):
        return ""
    share = tally["accepted_right"] / tally["samples"]
    return (f"Real handwriting, writers never trained on: {format_percent(share)} read right and accepted "
            f"({tally['samples']:,} pen digits).")


def fit_verdict(result: TrainResult, data: MNIST, hands=None) -> None:
    """The step after training: the rejection and temperature of the run's model, fitted on
    held-out training images (trust_fit.py), and on real hands' digits (images, labels) of the pen
    data's fit writers when given, kept in result.trust, which the saves write along with the
    weights. A model it cannot be fitted for (too few images, a degenerate network) keeps none and
    answers without a verdict."""
    try:
        result.trust = fit_trust_on_mnist(result.model, data, hands)
    except (ValueError, np.linalg.LinAlgError):
        result.trust = None


class TrainingRun:
    """One planned run. trainer.pause(), resume() and stop() may come from any thread; run() is
    what the CLI calls, or the Train tab's job thread; on_event gets every batch and epoch."""

    def __init__(self, plan: RunPlan, data: MNIST, on_event: Callable | None = None, pen=None):
        """pen: a pen_data.PenTraining to mix in (None: MNIST alone; the Train tab's job reads it
        on its own thread and sets trainer.pen before run())."""
        self.plan = plan
        self.config = plan.config
        self.data = data
        self.on_event = on_event
        self.curves = RunCurves()  # what the record keeps
        self.trainer = Trainer(plan.config, data, on_batch=self._report, on_epoch=self._report,
                               start_from=plan.start_from, my_digits=plan.my_digits, pen=pen)  # fmt: skip

    def _report(self, event) -> None:
        self.curves.add([event])
        if self.on_event is not None:
            self.on_event(event)

    def run(self, save: Callable[[TrainResult], Path | None], db_path: str | Path | None = None) -> RunOutcome:
        """Train, fit the verdict (when the config asks), save (save(result): the path written, or
        None; an OSError or RecognizerError it raises is kept in save_error), then record the run
        in the records at db_path (None: the user data folder's), the saved file with it."""
        started = time.perf_counter()
        result = self.trainer.run()
        if self.config.fit_verdict:
            pen = self.trainer.pen
            fit_verdict(result, self.data, None if pen is None else (pen.fit_images, pen.fit_labels))
        if self.trainer.pen is not None and self.trainer.pen.test_digits:
            measure_hands(result, self.trainer.pen.test_digits)
        outcome = RunOutcome(result=result, seconds=time.perf_counter() - started)
        try:
            outcome.saved = save(result)
        except (OSError, RecognizerError) as e:
            outcome.save_error = str(getattr(e, "strerror", None) or e)
        try:
            outcome.record_id = record_run(db_path, result, self.curves, outcome.seconds, outcome.saved)
        except RecognizerError as e:
            outcome.record_error = str(e)
        return outcome


# --- what a run leaves on disk: the same metadata from the CLI and the window -------------------
def training_dict(config: TrainConfig, result: TrainResult | None = None, weights: str = "last") -> dict:
    """The "training" part of a model file's metadata: the config, plus how the run went.
    weights: "last" (after the last batch run), "best_epoch" (that epoch's) or "stopped" (the last,
    of a run stopped during an epoch)."""
    d = config.to_dict()
    if result is not None:
        d["epochs_completed"] = len(result.history)
        d["stopped"] = result.stopped
        d["best_epoch"] = result.best_epoch
        d["pen_sets"] = result.pen_sets  # which sets, how many samples, which writers held out
        d["held_out_hands"] = result.held_out_hands  # how it reads those writers' digits
    d["weights"] = weights
    return d


def result_metadata(result: TrainResult, weights: str = "last") -> dict:
    """The whole metadata of a model file holding a run's last weights (weights="last")."""
    return make_metadata(result.model, training_dict(result.config, result, weights), result.test_accuracy)


def best_epoch_model(result: TrainResult) -> RowRNN | None:
    """A copy of the run's model holding the weights of its best epoch (None if no epoch ended)."""
    if result.best_state is None:
        return None
    model = copy.deepcopy(result.model)
    model.load_state_dict(result.best_state)
    return model.eval()


def autosave_name(config: TrainConfig, epoch: int, when: datetime | None = None, stopped: bool = False) -> str:
    """stopped: the weights of a run stopped during epoch (not at its end)."""
    when = when or datetime.now()
    sizes = "x".join(str(h) for h in config.hidden_sizes)
    return f"run-{when:%Y%m%d-%H%M%S}-{config.cell}{sizes}-epoch{epoch}{'-stopped' if stopped else ''}.safetensors"


def save_exclusively(folder: str | Path, name: str, model: RowRNN, metadata: dict, trust=None) -> Path:
    """Save under name in folder, or name-2, name-3, ... : never over an existing file, and never
    racing another run that picks the same name at the same moment (save_model(exclusive=True))."""
    stem = name.removesuffix(".safetensors")
    for n in range(1, 1000):
        path = Path(folder) / (name if n == 1 else f"{stem}-{n}.safetensors")
        try:
            return save_model(path, model, metadata, exclusive=True, trust=trust)
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder}: {stem}-2 to -999 are all taken")


def save_best_epoch(result: TrainResult, folder: str | Path) -> Path | None:
    """Save the best epoch of a run under a timestamped name in folder (atomic, exclusive); None
    when no epoch finished. A stopped run saves its weights at the stop instead: those are what it
    was measured with at the stop, what its record lists and what the Train tab hands over, so that
    the file loads with the accuracy the run is listed at (issue 24)."""
    if result.stopped and result.evaluation is not None:
        name = autosave_name(result.config, len(result.history) + 1, stopped=True)
        return save_exclusively(folder, name, result.model, result_metadata(result, "stopped"), result.trust)
    model = best_epoch_model(result)
    if model is None:
        return None
    accuracy = result.history[result.best_epoch - 1].test_accuracy
    metadata = make_metadata(model, training_dict(result.config, result, "best_epoch"), accuracy)
    # The parameters fitted on the last weights, as before they moved off the network (which a
    # copy used to carry along).
    return save_exclusively(folder, autosave_name(result.config, result.best_epoch), model, metadata, result.trust)


# --- what a run leaves in the records ----------------------------------------------------------
def run_name(config: TrainConfig) -> str:
    """The name a run gets until the user renames it."""
    return f"{config.cell.upper()} {format_hidden_sizes(config.hidden_sizes)}, {config.epochs} ep, lr {config.learning_rate:g}"


def result_dict(result: TrainResult) -> dict:
    ev = result.evaluation
    return {"test_accuracy": result.test_accuracy, "epochs_completed": len(result.history), "stopped": result.stopped,
            "best_epoch": result.best_epoch, "pen_sets": result.pen_sets, "held_out_hands": result.held_out_hands,
            "confusion": ev.confusion.tolist() if ev is not None else None}  # fmt: skip


def record_run(db_path: str | Path | None, result: TrainResult, curves: RunCurves, seconds: float,
               model_path: str | Path | None, distributions: dict | None = None) -> int:  # fmt: skip
    """Write the run into the records at db_path (None: the user data folder's); its id.
    distributions: None records the run's own (its per-batch gradient norms thinned as the curves are)."""
    if distributions is None and result.distributions is not None:
        steps = len(result.distributions["grad_norms"]["step"])
        distributions = thinned(result.distributions, _spread(steps, MAX_STORED_POINTS))
    with Records(db_path) as records:
        return records.add_run(name=run_name(result.config), config=result.config.to_dict(),
                               result=result_dict(result), curves=curves.to_dict(), duration=seconds,
                               model_path=model_path, distributions=distributions)  # fmt: skip
