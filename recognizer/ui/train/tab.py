"""The "Train" tab: train a new model on MNIST, watch it learn, and use it at once.

Left: the settings form, Start / Pause / Stop with a progress bar (epoch, batch, images/s, time
left) and the result of the last run. Right: the live plots, with the last run's confusion matrix
in their free corner, and Export curves….

The run is a job on the tab's JobRunner (job.py); what it reports lands in the state (state.py)
as lists a few times a second, and the views show it. Every dialog goes through DIALOGS.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from ...datasets.mnist import MNIST
from ...errors import RecognizerError
from ...files.model_file import LoadedModel
from ...files.paths import user_data_dir
from ...reading import ReadingSession
from ...training.curves import RunCurves
from ...training.run import result_metadata
from ...training.trainer import TrainConfig
from ..data_dialog import MnistRequest, ensure_mnist
from ..dialogs import DIALOGS
from ..jobs import JobFailure, JobRunner
from ..settings import app_settings
from . import runs_state, state
from .columns import RunControls, left_column, right_column
from .form import SettingsForm
from .insight_views import InsightPanel
from .job import RunOutcome, TrainingRun, preload_training_modules
from .plots import TrainingPlots
from .result_files import ResultFiles
from .result_panel import ResultPanel
from .runs_panel import RunsPanel
from .start_from import StartFromBox

# The runner hands batches over 10 times a second: smooth enough for curves, and it leaves the UI
# thread ~5% of one core on a 2-core machine (benchmarks/bench_gui_training.py).
REFRESH_MS = 100
CLOCK_MS = 500  # the time left counts down between batches too (during a test pass, say)
JOIN_SECONDS = 60.0  # shutdown() waits this long for the run to wind down (a test pass included)


class TrainTab(ResultFiles, QWidget):
    """Signals: model_ready(LoadedModel) when the user picks "Use this model"; model_saved(LoadedModel)
    when "Save model as…" wrote it (the same model, now with its path); run_finished(RunOutcome)
    when a run ends, completed or stopped; run_failed(str) with the message shown."""

    model_ready = Signal(object)
    model_saved = Signal(object)
    run_finished = Signal(object)
    run_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, data: MNIST | None = None, data_dir=None, mirrors=None,
                 models_dir: str | Path | None = None, torch_threads: int | None = None, refresh_ms: int = REFRESH_MS,
                 db_path: str | Path | None = None):  # fmt: skip
        """data: use these arrays instead of asking for MNIST (tests, benchmarks); data_dir and
        mirrors go to ensure_mnist; models_dir: where the best epoch is saved (default
        user_data_dir()/models, looked up at each run); torch_threads: intra-op threads for
        training (None: torch's default, one per core, measured best in bench_gui_training.py);
        db_path: the records file every run is written to (None: the user data folder's)."""
        super().__init__(parent)
        self.data, self.data_dir, self.mirrors = data, data_dir, mirrors
        self.models_dir = Path(models_dir) if models_dir is not None else None
        self.torch_threads = torch_threads
        self.db_path = Path(db_path) if db_path is not None else None
        self.runner = JobRunner("training", parent=self, interval_ms=refresh_ms)
        self.run_state = state.RunState()
        self.run_state.job.runner = self.runner
        self._plan = None  # training_run.RunPlan of the run being started or under way
        self.training: TrainingRun | None = None  # the run under way
        self.clock: state.RunClock | None = None
        self.curves = RunCurves()
        self.previous: RunCurves | None = None
        self.data_request: MnistRequest | None = None
        self.outcome: RunOutcome | None = None  # of the last run that ended
        self.saved_path: Path | None = None  # where "Save model as…" last wrote that run's model
        self._test_images = 0
        self._shut_down = False
        self._clock_timer = QTimer(self, interval=CLOCK_MS)
        self._clock_timer.timeout.connect(self._update_progress)

        self._build()
        if data is not None:
            self.form.train_images = len(data.train_images)
        config = state.read_train_settings(app_settings())
        self.form.set_config(config)
        self.plots.begin(config.epochs, config.learning_rate, None)
        self._show_last_record()
        self._sync_controls()
        QTimer.singleShot(0, self, lambda: self.runner.submit(preload_training_modules))  # once the window is up

    def _build(self) -> None:
        self.form = SettingsForm()
        self.controls = controls = RunControls()
        for name in ("start_button", "pause_button", "stop_button", "progress_bar", "progress_label", "lr_multiplier"):
            setattr(self, name, getattr(controls, name))
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.lr_multiplier.valueChanged.connect(self._on_lr_multiplier)

        self.result = ResultPanel()
        self.result.use_button.clicked.connect(self.use_model)
        self.result.save_button.clicked.connect(self.save_model_dialog)
        self.plots = TrainingPlots()
        self.plots.set_corner(self.result.confusion_box)
        self.export_button = QPushButton("Export curves…", clicked=self.export_curves_dialog)
        self.export_button.setToolTip("Write every curve (this run and the previous one) to one CSV file.")
        self.insight = InsightPanel()
        self.runs = RunsPanel(self.db_path)
        self.runs.overlays_changed.connect(self.plots.set_overlays)
        self.runs.model_ready.connect(self.model_ready.emit)
        self.runs.train_again.connect(self.form.set_config)
        right, self.pages = right_column(self.plots, self.insight, self.lr_multiplier, self.export_button, self.runs)

        self.start_from = StartFromBox(self.form, self.db_path)  # a new model or the one in use; My digits or not
        left_widget, self.left_scroll = left_column([self.form, self.start_from], controls.box, self.result)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(10)
        layout.addWidget(left_widget)
        layout.addLayout(right, 1)

    # --- public API ---------------------------------------------------------------------------
    @property
    def state(self) -> str:
        """idle, loading, running, paused, stopping, finished or failed."""
        return self.run_state.phase

    @property
    def running(self) -> bool:
        """A run is in progress (getting its data included): closing the window would stop it."""
        return self.run_state.busy

    def config(self) -> TrainConfig:
        """The form as a TrainConfig; ValueError names every field that is wrong."""
        return self.form.config()

    def save_settings(self, store=None) -> None:
        """The form's settings into store (default: the app's), read back when the tab is next built."""
        try:
            config = self.form.config()
        except ValueError:
            return  # keep what was stored rather than a form the user is halfway through
        state.write_train_settings(store if store is not None else app_settings(), config)

    def start(self) -> bool:
        """Start a run with the form's settings; False (every wrong field marked) if it cannot."""
        if self.run_state.busy or self._shut_down:
            return False
        config = self.form.check()
        if config is None:
            return False
        state.write_train_settings(app_settings(), config)
        try:  # the model to start from and My digits to mix in, as chosen; records that take the run
            self._plan = self.start_from.plan(config)
            self.runs.check_writable()
        except RecognizerError as e:
            self.progress_label.setText(str(e))
            return False
        if self.data is not None:
            self._begin(self.data)
            return True
        self._go("loading")
        self.progress_label.setText(state.LOADING_TEXT)
        self.data_request = ensure_mnist(self, self._on_data_ready, on_give_up=self._on_data_gave_up,
                                         data_dir=self.data_dir, mirrors=self.mirrors)  # fmt: skip
        return True

    def toggle_pause(self) -> None:
        if self.state == "running":
            self.pause()
        elif self.state == "paused":
            self.resume()

    def pause(self) -> None:
        if self.state == "running":
            self.training.pause()
            self.clock.pause(time.perf_counter())
            self._clock_timer.stop()
            self._go("paused")
            self._update_progress()

    def resume(self) -> None:
        if self.state == "paused":
            self.clock.resume(time.perf_counter())
            self.training.resume()
            self._go("running")
            self._clock_timer.start()

    def stop(self) -> None:
        if self.state in ("running", "paused"):
            self.training.stop()
            self._clock_timer.stop()
            self._go("stopping")
            self.progress_label.setText(state.STOPPING_TEXT)
        elif self.state == "loading" and self.data_request is not None:
            self.data_request.cancel()

    def restore_settings(self, store) -> None:
        """The form's settings were read when the tab was built: nothing more to restore."""

    def shutdown(self, timeout: float = JOIN_SECONDS) -> bool:
        """Stop any run and wait for it to end (the window is closing). True if it has."""
        self._shut_down = True
        self._clock_timer.stop()
        self.save_settings()
        ended = self.data_request.wait(5.0) if self.data_request is not None else True
        if self.training is not None:
            self.training.stop()  # it still saves its best epoch on the way out
        return self.runner.shutdown(timeout) and self.runs.shutdown(timeout) and ended

    def set_db_path(self, path: str | Path | None) -> None:
        """Another records file from now on (the window's one for every tab): its runs listed,
        the next run recorded there, My digits mixed in from there."""
        self.db_path = Path(path) if path is not None else None
        self.runs.db_path = self.start_from.db_path = self.db_path
        self.runs.refresh()

    def set_model_in_use(self, session: ReadingSession | None) -> None:
        """The window tells the tab which model Draw & Inspect uses, so that "In use" stays true."""
        self._show_in_use(None if session is None else session.loaded)

    def _show_in_use(self, loaded: LoadedModel | None) -> None:
        ours = self.outcome is not None and loaded is not None and loaded.model is self.outcome.result.model
        self.start_from.set_model_in_use(loaded)
        self.result.set_in_use(ours)

    def use_model(self) -> LoadedModel | None:
        """Emit model_ready with the last run's model (the weights after its last batch), or,
        before any run in this session, with the model file of the recorded run shown."""
        record = self.result.record
        if self.outcome is None and record is not None and record.model_path:
            self.runs.select(record.id)
            self.runs.use_selected()
            return None
        loaded = self.result_model()
        if loaded is not None:
            self.model_ready.emit(loaded)
            self._show_in_use(loaded)
        return loaded

    def result_model(self) -> LoadedModel | None:
        if self.outcome is None:
            return None
        result = self.outcome.result
        metadata = result_metadata(result, "last")
        return LoadedModel(model=result.model, metadata=metadata, path=self.saved_path, trust=result.trust)

    # --- the run ------------------------------------------------------------------------------
    def _on_data_ready(self, data: MNIST) -> None:
        self.data_request = None
        if not self._shut_down and self.state == "loading":
            self._begin(data)

    def _on_data_gave_up(self, reason: str) -> None:
        self.data_request = None
        if not self._shut_down:
            self._go("idle")
            self.progress_label.setText(state.no_data_text(reason))

    def _begin(self, data: MNIST) -> None:
        config = self._plan.config
        if not self.curves.empty:
            self.previous = self.curves
        self.curves = RunCurves()
        self.form.train_images = len(data.train_images)
        images = min(config.train_subset or len(data.train_images), len(data.train_images))
        self._test_images = len(data.test_images)
        self.clock = state.RunClock(config.epochs, images, config.batch_size, self._test_images, time.perf_counter())
        models_dir = self.models_dir if self.models_dir is not None else user_data_dir() / "models"
        self.training = TrainingRun(self._plan, data, autosave_dir=models_dir, torch_threads=self.torch_threads,
                                    db_path=self.db_path)  # fmt: skip
        self.plots.begin(config.epochs, config.learning_rate, self.previous)
        self.plots.draw(self.curves)
        self.insight.show_record(None)
        self.lr_multiplier.setValue(1.0)
        self.progress_bar.setValue(0)
        self.progress_label.setText(state.starting_text(images, config.epochs))
        self._go("running")
        self.run_state.job.start(self.training.job, self._on_finished, on_partial=self._on_partial,
                                 on_error=self._on_failed)  # fmt: skip
        self._clock_timer.start()

    def _on_partial(self, events: list) -> None:
        """The batches and epochs reported since the last tick, in order."""
        self.curves.add(events)
        self.clock.take(events, time.perf_counter())
        self.plots.draw(self.curves)
        distributions = [e.distributions for e in events if getattr(e, "distributions", None) is not None]
        if distributions:
            self.insight.show_record(distributions[-1])
        self._update_progress()
        self.export_button.setEnabled(True)

    def _update_progress(self) -> None:
        if self.state in ("running", "paused") and self.clock is not None:
            self.controls.show_progress(self.clock, time.perf_counter(), running=self.state == "running")

    def _on_finished(self, outcome: RunOutcome) -> None:
        if self._shut_down:
            return
        self._end("finished")
        self.outcome = outcome
        self.saved_path = None
        if not outcome.result.stopped:
            self.progress_bar.setValue(100)
        self.progress_label.setText(state.ended_text(outcome))
        self.result.show_outcome(outcome, self._test_images)
        self._sync_controls()
        if outcome.save_error:
            DIALOGS.show_message(self, "warning", "Best epoch not saved", f"Could not save the best epoch: {outcome.save_error}")
        self.runs.refresh()
        if outcome.record_error:
            self.runs.say(f"This run was not recorded: {outcome.record_error}")
        self.run_finished.emit(outcome)

    def _on_failed(self, failure: JobFailure) -> None:
        if self._shut_down:
            return
        self._end("failed")
        self.progress_label.setText("The run failed: " + failure.message)
        kind, title, text, details = state.failure_texts(failure.error, failure.message, failure.details)
        DIALOGS.show_message(self, kind, title, text, details)
        self.run_failed.emit(failure.message)

    def _end(self, phase: str) -> None:
        self._clock_timer.stop()
        self.training = None
        self.plots.draw(self.curves)
        self._go(phase)

    def _show_last_record(self) -> None:
        """Open on the newest recorded run: its curves on the plots, its result on the left."""
        record = self.runs.last_run()
        if record is None:
            return
        try:
            self.curves = runs_state.record_curves(record)
        except ValueError:
            self.curves = RunCurves()
        self.plots.begin(int(self.curves.epoch("epoch").max()) if self.curves.epochs.n else 1,
                         float(record.config.get("learning_rate", 1e-3)), None)  # fmt: skip
        self.plots.draw(self.curves)
        try:
            self.insight.show_record(record.distributions)
        except (KeyError, TypeError, ValueError, IndexError):  # damaged distributions: the rest of the run still shows
            self.insight.show_record(None)
        self.result.show_record(record)

    def _on_lr_multiplier(self, factor: float) -> None:
        if self.training is not None:
            self.training.set_lr_multiplier(factor)

    def _go(self, phase: str) -> None:
        self.run_state.go(phase)
        self._sync_controls()

    def _sync_controls(self) -> None:
        run = self.run_state
        idle = not run.busy
        self.form.set_enabled(idle)
        self.controls.show_phase(run)
        self.result.set_enabled(idle)
        self.runs.set_enabled(idle)
        self.export_button.setEnabled(not self.curves.empty or self.previous is not None)
