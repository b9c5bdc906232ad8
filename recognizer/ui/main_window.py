"""The main window: the Draw & Inspect, Train, Evaluate and Lab tabs, the model in use, the status bar
and the preferences. The tabs never import each other; this window wires them by signals. Every
dialog goes through DIALOGS (ui/dialogs.py), the one object tests replace.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QPoint, QSize, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QTabWidget, QWidget

from ..errors import RecognizerError
from ..files.paths import default_model_path, models_dir, user_data_dir
from . import theme
from .dialogs import DIALOGS
from .inspect.file_actions import InspectActions
from .inspect.keeping import Keeper
from .inspect.canvas import DEFAULT_PEN_WIDTH, MAX_PEN_WIDTH, MIN_PEN_WIDTH
from .inspect.state import DEFAULT_SPEED, MAX_SPEED, MIN_SPEED
from .inspect.state_panel import SERIES_NAMES
from .inspect.tab import InspectTab
from .menus import SHORTCUTS, Menus, about_text
from .model_menu import ModelMenu
from .settings import app_settings, read_bool, read_choice, read_int, read_path
from .widgets import guard_wheel

if TYPE_CHECKING:
    from ..files.model_file import LoadedModel

DEVICE = "cpu"  # the window traces with numpy on the CPU (about 1 ms an image)
MODEL_FILTER = "Recognizer models (*.safetensors);;All files (*)"
FIRST_SIZE = QSize(1280, 800)  # the window's size at first launch, where the screen has room
FRAME_ALLOWANCE = QSize(16, 40)  # the title bar and borders the window manager adds around it


def model_folder() -> Path:
    """Where Load model… starts: the auto-saved runs once there are any, else the shipped models."""
    runs = user_data_dir() / "models"
    return runs if runs.is_dir() and any(runs.glob("*.safetensors")) else models_dir()


def _optional_tab(module: str, name: str):
    """The class of the Train or Evaluate tab, imported late because it pulls in torch. Tests
    replace this with one that returns None, for a quicker window with placeholders instead."""
    import importlib

    return getattr(importlib.import_module(f"recognizer.ui.{module}"), name)


class MainWindow(QMainWindow):
    """The window. It is on screen before torch is imported: the model, the Train and Evaluate
    tabs (which need torch) are set up by ensure_ready(), run right after the first paint, or at
    once by any public method or property that needs them (so tests and callers never wait)."""

    def __init__(self, model_path: str | Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        app = QApplication.instance()
        theme.apply(app)
        # The application's display name ("Recognizer") is added by Qt: not repeated here.
        self.setWindowTitle("Watch a recurrent network read your digit")
        self.setWindowIcon(theme.app_icon())
        self._model_path = Path(model_path) if model_path is not None else None
        self._ready = False
        self._loaded: LoadedModel | None = None
        self._train_tab = None
        self._evaluate_tab = None
        self._lab_tab = None
        self._digits_tab = None

        self.tabs = QTabWidget()
        self.inspect_tab = InspectTab()
        self.inspect_tab.answer_hint.setText("Loading the model…")
        self.tabs.addTab(self.inspect_tab, "Draw && Inspect")
        self.tabs.addTab(self._placeholder("Loading…"), "Train")
        self.tabs.addTab(self._placeholder("Loading…"), "Evaluate")
        self.tabs.addTab(self._placeholder("Loading…"), "Lab")
        self.tabs.addTab(self._placeholder("Loading…"), "My digits")
        self.tabs.setTabToolTip(0, "Draw a digit and watch the network read it, row by row.")
        self.tabs.setTabToolTip(1, "Train a new model on MNIST and use it here.")
        self.tabs.setTabToolTip(2, "Measure the model on the 10,000 MNIST test images and inspect its mistakes.")
        self.tabs.setTabToolTip(3, "Silence units, pin gates, hide rows: what does the network answer then?")
        self.tabs.setTabToolTip(4, "The digits you kept (press 0–9 after drawing) or imported, and how the model reads them.")
        self.keeper = Keeper(self.inspect_tab, read_path(app_settings(), "my_digits/db_path"))
        # Draw & Inspect's own actions (open, paste, drop, save the trace, keep): file_actions.py
        model_name = lambda: None if self._loaded is None else self._loaded.name
        self.inspect_actions = InspectActions(self.inspect_tab, self.keeper, self.ensure_ready, model_name, self)
        self.inspect_actions.show_requested.connect(lambda: self.tabs.setCurrentWidget(self.inspect_tab))
        self.inspect_actions.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.keeper.moved.connect(lambda path: app_settings().setValue("my_digits/db_path", str(path or "")))
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.setCentralWidget(self.tabs)

        self._build_status_bar()
        self.menus = Menus(self)
        self.model_menu = ModelMenu(self, self.load_model_file, lambda: self._loaded.path if self._loaded else None)
        self.model_menu.install(self.menuBar())
        self._fit_screen()
        self._restore_settings()
        self._on_tab_changed(self.tabs.currentIndex())
        self.model_label.setText("loading model…")
        # Finish once the window has painted itself (see eventFilter), or after a moment anyway.
        self.inspect_tab.installEventFilter(self)
        self._ready_timer = QTimer(self, singleShot=True, interval=1500)
        self._ready_timer.timeout.connect(self.ensure_ready)
        self._ready_timer.start()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.inspect_tab and event.type() == QEvent.Paint and not self._ready:
            self.inspect_tab.removeEventFilter(self)
            self._ready_timer.start(0)  # after this paint reaches the screen
        return super().eventFilter(watched, event)

    def ensure_ready(self) -> None:
        """Import torch, build the Train and Evaluate tabs, load the model. Runs once."""
        if self._ready:
            return
        self._ready = True
        self._ready_timer.stop()
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            self._build_optional_tabs()
            from ..files.model_file import load_model

            path = self._model_path or default_model_path()
            try:
                loaded = load_model(path)
            except Exception as e:  # noqa: BLE001: whatever the file does, the window opens
                loaded = None
                # After the window is up, so that the message has a window to sit on.
                message = str(e)
                QTimer.singleShot(0, self, lambda: DIALOGS.show_message(self, "warning", "No model loaded", message))
            self._apply_model(loaded)
        finally:
            QApplication.restoreOverrideCursor()

    def _build_optional_tabs(self) -> None:
        current = self.tabs.currentIndex()
        # One records file for every tab: the Keeper's, followed by all when it moves.
        self._train_tab = self._build_tab(1, "Train", "train.tab", "TrainTab", self._wire_train, db_path=self.keeper.db_path)
        self._evaluate_tab = self._build_tab(2, "Evaluate", "evaluate.tab", "EvaluateTab", self._wire_evaluate)
        self._lab_tab = self._build_tab(3, "Lab", "lab.tab", "LabTab", self._wire_lab)
        self._digits_tab = self._build_tab(4, "My digits", "digits.tab", "DigitsTab", self._wire_digits,
                                           self.keeper.db_path)  # fmt: skip
        self.tabs.setCurrentIndex(current)
        guard_wheel(self)  # every tab is built now: no setting changes under a wheel that scrolls
        self.menus.tabs_built(self)

    def _build_tab(self, index: int, title: str, module: str, name: str, wire, *args, **kwargs):
        """The tab built, wired and in place; or None, with a line in its place saying why: one
        tab whose data cannot be read never keeps the others, or the model, from loading."""
        cls = _optional_tab(module, name)
        if cls is None:
            self._replace_tab(index, self._placeholder(f"The {title} tab is not built in this window."), title)
            return None
        try:
            tab = cls(*args, **kwargs)
            wire(tab)
        except Exception as e:  # noqa: BLE001: whatever its data holds, the window opens
            text = str(e) if isinstance(e, RecognizerError) else f"{type(e).__name__}: {e}"
            self._replace_tab(index, self._placeholder(f"The {title} tab could not be opened: {text}"), title)
            return None
        self._replace_tab(index, tab, title)
        return tab

    def _wire_train(self, tab) -> None:
        self.keeper.moved.connect(tab.set_db_path)
        tab.model_ready.connect(self.set_model)
        tab.model_saved.connect(self._on_model_saved)

    def _wire_evaluate(self, tab) -> None:
        tab.inspect_requested.connect(self.inspect_actions.inspect_image)
        tab.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        # The hidden-state map and the saliency view follow the digit being read, row by row.
        follow = lambda *_: tab.show_trace(self.inspect_tab.trace, self.inspect_tab.row)
        self.inspect_tab.trace_changed.connect(follow)
        self.inspect_tab.state.events.row.connect(follow)

    def _wire_lab(self, tab) -> None:
        tab.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.inspect_tab.trace_changed.connect(tab.set_trace)  # the Lab reads the same drawing

    def _wire_digits(self, tab) -> None:
        self.keeper.kept.connect(lambda _: tab.refresh())
        self.keeper.moved.connect(tab.set_db_path)
        tab.default_records_requested.connect(lambda: self.keeper.move(None))
        tab.inspect_requested.connect(self.inspect_actions.inspect_image)
        tab.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))

    def _replace_tab(self, index: int, widget: QWidget, title: str) -> None:
        tip = self.tabs.tabToolTip(index)
        old = self.tabs.widget(index)
        self.tabs.blockSignals(True)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, widget, title)
        self.tabs.setTabToolTip(index, tip)
        self.tabs.blockSignals(False)
        old.deleteLater()

    # --- public API -------------------------------------------------------------------------

    @property
    def current_model(self) -> LoadedModel | None:
        self.ensure_ready()
        return self._loaded

    @property
    def train_tab(self):
        """The Train tab (None while recognizer.ui.train_tab does not exist)."""
        self.ensure_ready()
        return self._train_tab

    @property
    def evaluate_tab(self):
        """The Evaluate tab (None while recognizer.ui.evaluate_tab does not exist)."""
        self.ensure_ready()
        return self._evaluate_tab

    @property
    def lab_tab(self):
        """The Lab tab (None where it is not built)."""
        self.ensure_ready()
        return self._lab_tab

    def set_model(self, loaded: LoadedModel | None) -> None:
        """Use a model everywhere; the drawing on the canvas is traced again at once."""
        self.ensure_ready()
        self._apply_model(loaded)

    def _apply_model(self, loaded: LoadedModel | None) -> None:
        self._loaded = loaded
        if loaded is None:
            self.inspect_tab.set_tracer(None)
            self.inspect_tab.flow_view.set_model(None)
        else:
            from ..network.trace import Tracer

            self.inspect_tab.set_tracer(Tracer(loaded.model), layers=len(loaded.model.config.hidden_sizes))
            self.inspect_tab.flow_view.set_model(loaded.model)
        self.inspect_tab.compare.set_model_a(*((loaded.path, loaded.name, loaded.model.describe()) if loaded else (None, "", "")))
        if self._evaluate_tab is not None:
            self._evaluate_tab.set_model(loaded)
        if self._train_tab is not None:
            self._train_tab.set_model_in_use(loaded)
        if self._lab_tab is not None:
            self._lab_tab.set_model(loaded)
            self._lab_tab.set_trace(self.inspect_tab.trace)
        if self._digits_tab is not None:
            self._digits_tab.set_model(loaded)
        self._update_status()

    @property
    def digits_tab(self):
        """The My digits tab (None where it is not built)."""
        self.ensure_ready()
        return self._digits_tab

    def load_model_file(self, path: str | Path) -> bool:
        """Load a model; if the file is bad, a dialog says why and the current model stays."""
        from ..files.model_file import load_model

        self.ensure_ready()
        try:
            loaded = load_model(path)
        except Exception as e:  # noqa: BLE001: a hostile file must not take the window down
            message = str(e) if isinstance(e, RecognizerError) else f"Cannot load model {path}: {type(e).__name__}"
            DIALOGS.show_message(self, "critical", "Cannot load model", message)
            return False
        self.set_model(loaded)
        self.statusBar().showMessage(f"Loaded {loaded.name}", 5000)
        return True

    # --- menu handlers ----------------------------------------------------------------------

    def load_model_dialog(self) -> None:
        path = DIALOGS.ask_open_path(self, "Load a model", MODEL_FILTER, model_folder())
        if path:
            self.load_model_file(path)

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in SHORTCUTS)
        DIALOGS.show_message(self, "information", "Keyboard shortcuts", f"<table>{rows}</table>")

    def about_text(self) -> str:
        return about_text(self._loaded)

    def show_about(self) -> None:
        DIALOGS.show_message(self, "information", "About Recognizer", self.about_text())

    # --- building ---------------------------------------------------------------------------

    def _placeholder(self, text: str) -> QWidget:
        label = QLabel(text)
        label.setAlignment(Qt.AlignCenter)
        label.setProperty("role", "muted")
        return label

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.model_label = QLabel()
        self.model_label.setToolTip("The model in use (File › Load model… to change it).")
        self.accuracy_label = QLabel()
        self.accuracy_label.setToolTip("Its accuracy on the 10,000 MNIST test images, measured when it was trained.")
        self.device_label = QLabel(f"device: {DEVICE}")
        self.device_label.setToolTip("Where the network runs in this window.")
        for label in (self.model_label, self.accuracy_label, self.device_label):
            bar.addPermanentWidget(label)

    def _update_status(self) -> None:
        m = self._loaded
        if m is None:
            self.model_label.setText("no model loaded")
            self.accuracy_label.setText("")
            return
        self.model_label.setText(f"model: {m.name} ({m.model.describe()})")
        acc = m.test_accuracy
        self.accuracy_label.setText("test accuracy: unknown" if acc is None else f"test accuracy: {acc:.2%}")

    # --- events -----------------------------------------------------------------------------

    def _on_model_saved(self, saved: LoadedModel) -> None:
        """The model in use was saved (Save model as…): it has a name now, wherever it is shown."""
        if self._loaded is not None and saved.model is self._loaded.model:
            self._loaded = saved
            self._update_status()
            if self._evaluate_tab is not None:
                self._evaluate_tab.rename_model(saved)

    def _on_tab_changed(self, index: int) -> None:
        on_inspect = self.tabs.widget(index) is self.inspect_tab
        for action in self.menus.inspect_actions if hasattr(self, "menus") else ():
            action.setEnabled(on_inspect)
        if not on_inspect:
            self.inspect_tab.pause()

    def _fit_screen(self) -> None:
        """The first launch's size where the screen has room for it, else the screen's free area
        (less the window manager's frame), centred: never partly off a 1024x768 screen."""
        free = (self.screen() or QApplication.primaryScreen()).availableGeometry()
        size = FIRST_SIZE.boundedTo(free.size() - FRAME_ALLOWANCE)
        self.resize(size)
        self.move(free.center() - QPoint(size.width() // 2, size.height() // 2))

    def _restore_settings(self) -> None:
        store = app_settings()
        geometry = store.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            if not self.restoreGeometry(geometry):
                self._fit_screen()
        tab = self.inspect_tab
        tab.set_pen_width(read_int(store, "inspect/pen_width", DEFAULT_PEN_WIDTH, MIN_PEN_WIDTH, MAX_PEN_WIDTH))
        tab.set_speed(read_int(store, "inspect/speed", DEFAULT_SPEED, MIN_SPEED, MAX_SPEED))
        tab.set_auto_play(read_bool(store, "inspect/auto_play", True))
        tab.state_panel.set_series(read_choice(store, "inspect/heatmap", "h", SERIES_NAMES))

    def save_settings(self) -> None:
        store = app_settings()
        tab = self.inspect_tab
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("inspect/pen_width", int(round(tab.canvas.pen_width)))
        store.setValue("inspect/speed", tab.speed)
        store.setValue("inspect/auto_play", tab.auto_play)
        store.setValue("inspect/heatmap", tab.state_panel.series)
        store.sync()

    def closeEvent(self, event) -> None:
        train = self._train_tab
        if train is not None and train.running:
            choice = DIALOGS.ask_choice(
                self, "Training is running", "A training run is still going. Stop it and quit, or keep training?",
                ["Stop and quit", "Keep training"], default=1,
            )  # fmt: skip
            if choice != 0:
                event.ignore()
                return
        self.inspect_tab.pause()
        self.inspect_tab.flow_view.shutdown()
        self.inspect_tab.neighbour_strip.shutdown()
        self.keeper.shutdown()
        self._ready_timer.stop()
        for tab in (self._train_tab, self._evaluate_tab, self._lab_tab, self._digits_tab):  # stop their worker threads
            if tab is not None and hasattr(tab, "shutdown"):
                tab.shutdown()
        self.save_settings()
        super().closeEvent(event)
