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

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QDoubleSpinBox, QHBoxLayout, QProgressBar, QPushButton, QScrollArea, QSizePolicy,
                               QVBoxLayout, QWidget)  # fmt: skip

from ...curves import RunCurves, write_curves_csv
from ...data import MNIST
from ...errors import RecognizerError
from ...modelfile import LoadedModel, save_model
from ...reading import ReadingSession
from ...train import TrainConfig
from ...training_run import result_metadata
from ...paths import user_data_dir
from ..data_dialog import MnistRequest, ensure_mnist
from ..dialogs import DIALOGS
from ..jobs import JobFailure, JobRunner
from ..page_switch import PageSwitch
from ..settings import app_settings
from ..widgets import group_box, muted_label
from . import runs_state, state
from .form import SettingsForm
from .insight_views import InsightPanel
from .job import RunOutcome, TrainingRun, preload_training_modules
from .plots import TrainingPlots
from .result_panel import ResultPanel
from .runs_panel import RunsPanel
from .start_from import StartFromBox

# The runner hands batches over 10 times a second: smooth enough for curves, and it leaves the UI
# thread ~5% of one core on a 2-core machine (benchmarks/bench_gui_training.py).
REFRESH_MS = 100
CLOCK_MS = 500  # the time left counts down between batches too (during a test pass, say)
MODEL_FILTER = "Recognizer models (*.safetensors);;All files (*)"
CSV_FILTER = "CSV table (*.csv);;All files (*)"
JOIN_SECONDS = 60.0  # shutdown() waits this long for the run to wind down (a test pass included)


class TrainTab(QWidget):
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
        self.data = data
        self.data_dir, self.mirrors = data_dir, mirrors
        self.models_dir = Path(models_dir) if models_dir is not None else None
        self.torch_threads = torch_threads
        self.db_path = Path(db_path) if db_path is not None else None
        self.runner = JobRunner("training", parent=self, interval_ms=refresh_ms)
        self.run_state = state.RunState()
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
        self.start_button = QPushButton("Start", clicked=self.start)
        self.start_button.setToolTip("Train a new model with these settings (MNIST is loaded, or offered for download, first).")
        self.pause_button = QPushButton("Pause", clicked=self.toggle_pause)
        self.pause_button.setToolTip("Hold the run after the current batch; Resume goes on where it stopped.")
        self.stop_button = QPushButton("Stop", clicked=self.stop)
        self.stop_button.setToolTip("End the run after the current batch. The result so far is measured and kept.")
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        for b in (self.start_button, self.pause_button, self.stop_button):
            buttons.addWidget(b, 1)
        self.progress_bar = QProgressBar(minimum=0, maximum=100, format="%p%")
        self.progress_bar.setToolTip("Of the whole run: all epochs and their test passes.")
        self.progress_label = muted_label(state.IDLE_TEXT, wrap=True)
        self.progress_label.setMinimumHeight(34)
        self.progress_label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        run_box, run_layout = group_box("Run", "Start, pause or stop a run, and how far it is.")
        run_layout.addLayout(buttons)
        self.lr_multiplier = QDoubleSpinBox(minimum=0.1, maximum=10.0, singleStep=0.1, value=1.0, decimals=2, prefix="×")
        self.lr_multiplier.setToolTip("Multiply the scheduled learning rate by this while the run goes on, from its "
                                      "next batch (the learning-rate plot shows the rate used).")  # fmt: skip
        self.lr_multiplier.valueChanged.connect(self._on_lr_multiplier)
        run_layout.addWidget(self.progress_bar)
        run_layout.addWidget(self.progress_label)

        self.result = ResultPanel()
        self.result.use_button.clicked.connect(self.use_model)
        self.result.save_button.clicked.connect(self.save_model_dialog)
        self.plots = TrainingPlots()
        self.plots.set_corner(self.result.confusion_box)
        self.export_button = QPushButton("Export curves…", clicked=self.export_curves_dialog)
        self.export_button.setToolTip("Write every curve (this run and the previous one) to one CSV file.")
        self.insight = InsightPanel()
        self.pages = PageSwitch([("Curves", "Loss, learning rate and accuracy as the run goes.", self.plots),
                                 ("Inside the training", "Weight and gradient distributions per block, and the "
                                  "gradient flow through the rows, per epoch.", self.insight)])  # fmt: skip
        plot_bar = QHBoxLayout()
        plot_bar.addLayout(self.pages.button_row())
        plot_bar.addWidget(muted_label("Dashed, faint: the previous run. Right-click a plot to export it.",
                                       wrap=True), 1)  # fmt: skip
        plot_bar.addWidget(muted_label("Rate"))  # beside the plots: the form's column has no height to spare
        plot_bar.addWidget(self.lr_multiplier)
        plot_bar.addWidget(self.export_button)
        right = QVBoxLayout()
        right.setSpacing(6)
        right.addLayout(plot_bar)
        right.addWidget(self.pages, 3)
        self.runs = RunsPanel(self.db_path)
        self.runs.overlays_changed.connect(self.plots.set_overlays)
        self.runs.model_ready.connect(self.model_ready.emit)
        self.runs.train_again.connect(self.form.set_config)
        right.addWidget(self.runs, 1)

        form_widget = QWidget()
        form_column = QVBoxLayout(form_widget)
        form_column.setContentsMargins(0, 0, 4, 0)
        form_column.setSpacing(8)
        form_column.addWidget(self.form)
        self.start_from = StartFromBox(self.form, self.db_path)  # a new model or the one in use; My digits or not
        form_column.addWidget(self.start_from)
        form_column.addStretch(1)
        self.left_scroll = scroll = QScrollArea()
        scroll.setWidget(form_widget)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.NoFrame)
        # Only the settings scroll: Start, the progress and the result with its buttons stay in
        # view below them at any window height.
        left_widget = QWidget()
        left = QVBoxLayout(left_widget)
        left.setContentsMargins(0, 0, 0, 0)
        left.setSpacing(8)
        left.addWidget(scroll, 1)
        left.addWidget(run_box)
        left.addWidget(self.result)
        # As wide as its widest row needs (nothing cut off) and a vertical scroll bar, no wider.
        width = max(form_widget.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width(),
                    run_box.minimumSizeHint().width(), self.result.minimumSizeHint().width())  # fmt: skip
        left_widget.setFixedWidth(width)
        left_widget.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Expanding)
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

    def save_model_to(self, path: str | Path) -> Path | None:
        loaded = self.result_model()
        if loaded is None:
            return None
        try:
            written = save_model(path, loaded.model, loaded.metadata, trust=loaded.trust)
        except OSError as e:
            DIALOGS.show_message(self, "critical", "Cannot save the model", f"Cannot write {path}: {e.strerror or e}")
            return None
        self.saved_path = written
        self.result.set_saved(written)
        if self.outcome.record_id is not None:  # Use this model in the Runs panel loads what was saved
            self.runs.set_model_path(self.outcome.record_id, written)
        self.model_saved.emit(self.result_model())
        return written

    def save_model_dialog(self) -> None:
        if self.outcome is None:
            return
        result = self.outcome.result
        sizes = "x".join(str(h) for h in result.config.hidden_sizes)
        suggestion = f"lstm{sizes}-{100 * (result.test_accuracy or 0.0):.1f}.safetensors"
        path = DIALOGS.ask_save_path(self, "Save the model", suggestion, MODEL_FILTER)
        if path:
            self.save_model_to(path if Path(path).suffix else path + ".safetensors")

    def export_curves(self, path: str | Path) -> Path | None:
        try:
            return write_curves_csv(path, self.curves, self.previous)
        except OSError as e:
            DIALOGS.show_message(self, "critical", "Cannot export the curves", f"Cannot write {path}: {e.strerror or e}")
            return None

    def export_curves_dialog(self) -> None:
        path = DIALOGS.ask_save_path(self, "Export the curves", "training-curves.csv", CSV_FILTER)
        if path:
            self.export_curves(path if Path(path).suffix else path + ".csv")

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
        self.runner.submit(self.training.job, on_done=self._on_finished, on_partial=self._on_partial,
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
        if self.state not in ("running", "paused") or self.clock is None:
            return
        now = time.perf_counter()
        self.progress_label.setText(state.progress_text(self.clock, now))
        fraction = self.clock.fraction_done(now)
        if self.state == "running" and fraction is not None:
            percent = int(100 * fraction)
            if percent != self.progress_bar.value():  # setValue repaints at once (~3 ms): only on change
                self.progress_bar.setValue(percent)

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
        self.start_button.setEnabled(idle)
        self.pause_button.setEnabled(run.can_pause)
        self.pause_button.setText("Resume" if run.phase == "paused" else "Pause")
        self.stop_button.setEnabled(run.can_stop)
        self.lr_multiplier.setEnabled(run.can_stop)
        self.result.set_enabled(idle)
        self.runs.set_enabled(idle)
        self.export_button.setEnabled(not self.curves.empty or self.previous is not None)
