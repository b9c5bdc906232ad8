"""The main window: the tabs registered in tabs.TABS (each follows ui/tab_protocol.py), the model in use,
the status bar and the preferences. The tabs never import each other; this window builds them from
the list and wires them by signals. Every dialog goes through DIALOGS (ui/dialogs.py), the one
object tests replace.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QPoint, QSize, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QTabWidget, QWidget

from ..errors import RecognizerError
from ..files.paths import default_model_path, models_dir, user_data_dir
from . import theme
from .dialogs import DIALOGS, MODEL_FILTER
from .inspect.file_actions import InspectActions
from .inspect.keeping import Keeper
from .menus import SHORTCUTS, Menus, about_text
from .model_menu import ModelMenu
from .settings import app_settings, read_path
from .tab_protocol import Tab
from .tabs import TABS
from .widgets import guard_wheel

if TYPE_CHECKING:
    from ..files.model_file import LoadedModel
    from ..reading import ReadingSession

DEVICE = "cpu"  # the window traces with numpy on the CPU (about 1 ms an image)
FIRST_SIZE = QSize(1280, 800)  # the window's size at first launch, where the screen has room
FRAME_ALLOWANCE = QSize(16, 40)  # the title bar and borders the window manager adds around it


def model_folder() -> Path:
    """Where Load model… starts: the auto-saved runs once there are any, else the shipped models."""
    runs = user_data_dir() / "models"
    return runs if runs.is_dir() and any(runs.glob("*.safetensors")) else models_dir()


class MainWindow(QMainWindow):
    """The window. It is on screen before torch is imported: the model and the late tabs (which
    need torch) are set up by ensure_ready(), run right after the first paint, or at once by any
    public method or property that needs them (so tests and callers never wait)."""

    def __init__(self, model_path: str | Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        app = QApplication.instance()
        theme.apply(app)
        # The application's display name ("Recognizer") is added by Qt: not repeated here.
        self.setWindowTitle("Watch a recurrent network read your digit")
        self.setWindowIcon(theme.app_icon())
        self._model_path = Path(model_path) if model_path is not None else None
        self._ready = False
        self._session: ReadingSession | None = None
        self._built: dict[str, Tab] = {}  # key -> the tab built from TABS (a placeholder is not one)

        self.tabs = QTabWidget()
        for index, entry in enumerate(TABS):
            self.tabs.addTab(self._placeholder("Loading…"), entry.title)
            self.tabs.setTabToolTip(index, entry.tip)
        self._build_tabs(late=False)
        self.inspect_tab = self._built["inspect"]
        self.inspect_tab.answer_hint.setText("Loading the model…")
        self.keeper = Keeper(self.inspect_tab, read_path(app_settings(), "my_digits/db_path"))
        # Draw & Inspect's own actions (open, paste, drop, save the trace, keep): file_actions.py
        model_name = lambda: None if self._session is None else self._session.name
        self.inspect_actions = InspectActions(self.inspect_tab, self.keeper, self.ensure_ready, model_name, self)
        self.inspect_actions.show_requested.connect(lambda: self.tabs.setCurrentWidget(self.inspect_tab))
        self.inspect_actions.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.keeper.moved.connect(lambda path: app_settings().setValue("my_digits/db_path", str(path or "")))
        for entry, tab in self._registered(late=False):
            if entry.wire is not None:
                entry.wire(self, tab)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.setCentralWidget(self.tabs)

        self._build_status_bar()
        self.menus = Menus(self)
        self.model_menu = ModelMenu(self, self.load_model_file, lambda: self._session.path if self._session else None)
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
        """Import torch, build the late tabs, load the model. Runs once."""
        if self._ready:
            return
        self._ready = True
        self._ready_timer.stop()
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            self._build_tabs(late=True)
            for entry, tab in self._registered(late=True):
                if entry.wire is not None:
                    entry.wire(self, tab)
                tab.restore_settings(app_settings())
            guard_wheel(self)  # every tab is built now: no setting changes under a wheel that scrolls
            self.menus.tabs_built(self)
            from ..reading import ReadingSession

            path = self._model_path or default_model_path()
            try:
                session = ReadingSession.load(path)
            except Exception as e:  # noqa: BLE001: whatever the file does, the window opens
                session = None
                # After the window is up, so that the message has a window to sit on.
                message = str(e)
                QTimer.singleShot(0, self, lambda: DIALOGS.show_message(self, "warning", "No model loaded", message))
            self._use(session)
        finally:
            QApplication.restoreOverrideCursor()

    def _build_tabs(self, late: bool) -> None:
        """Each registered tab of this stage built and in place; or, with a line in its place saying
        why, not: one tab whose data cannot be read never keeps the others, or the model, from loading."""
        for index, entry in enumerate(TABS):
            if entry.late != late:
                continue
            if entry.build is None:
                self._replace_tab(index, self._placeholder(f"The {entry.title} tab is not built in this window."), entry.title)
                continue
            try:
                tab = entry.build(self)
            except Exception as e:  # noqa: BLE001: whatever its data holds, the window opens
                text = str(e) if isinstance(e, RecognizerError) else f"{type(e).__name__}: {e}"
                self._replace_tab(index, self._placeholder(f"The {entry.title} tab could not be opened: {text}"), entry.title)
                continue
            self._replace_tab(index, tab, entry.title)
            self._built[entry.key] = tab

    def _registered(self, late: bool) -> list[tuple]:
        """(entry, tab) of each tab of this stage that was built, in TABS's order."""
        return [(entry, self._built[entry.key]) for entry in TABS if entry.late == late and entry.key in self._built]

    def _replace_tab(self, index: int, widget: QWidget, title: str) -> None:
        tip = self.tabs.tabToolTip(index)
        old = self.tabs.widget(index)
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, widget, title)
        self.tabs.setTabToolTip(index, tip)
        self.tabs.setCurrentIndex(current)  # removing the current tab made its neighbour current
        self.tabs.blockSignals(False)
        old.deleteLater()

    # --- public API -------------------------------------------------------------------------

    @property
    def current_model(self) -> ReadingSession | None:
        """The one model in use (reading.ReadingSession), which every tab was handed."""
        self.ensure_ready()
        return self._session

    def _tab(self, key: str):
        """A registered tab, once built (None where it is a placeholder)."""
        self.ensure_ready()
        return self._built.get(key)

    @property
    def train_tab(self):
        return self._tab("train")

    @property
    def evaluate_tab(self):
        return self._tab("evaluate")

    @property
    def lab_tab(self):
        return self._tab("lab")

    @property
    def digits_tab(self):
        return self._tab("digits")

    def set_model(self, loaded: LoadedModel | None) -> None:
        """Use a model file's contents everywhere (one ReadingSession: one Tracer); the drawing on
        the canvas is read again at once. The network already in use keeps its Tracer."""
        from ..reading import ReadingSession

        self.ensure_ready()
        if loaded is not None and self._session is not None and loaded.model is self._session.model:
            self._use(self._session.renamed(loaded))
        else:
            self._use(None if loaded is None else ReadingSession(loaded))

    def _use(self, session: ReadingSession | None) -> None:
        """One call per tab. Draw & Inspect last: the tabs that follow its reading (Evaluate, the
        Lab) then get its new trace with the new model already in hand."""
        self._session = session
        for _, tab in self._registered(late=True) + self._registered(late=False):
            tab.set_model_in_use(session)
        self._update_status()

    def load_model_file(self, path: str | Path) -> bool:
        """Load a model; if the file is bad, a dialog says why and the current model stays."""
        from ..reading import ReadingSession

        self.ensure_ready()
        try:
            session = ReadingSession.load(path)
        except Exception as e:  # noqa: BLE001: a hostile file must not take the window down
            message = str(e) if isinstance(e, RecognizerError) else f"Cannot load model {path}: {type(e).__name__}"
            DIALOGS.show_message(self, "critical", "Cannot load model", message)
            return False
        self._use(session)
        self.statusBar().showMessage(f"Loaded {session.name}", 5000)
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
        return about_text(self._session)

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
        m = self._session
        if m is None:
            self.model_label.setText("no model loaded")
            self.accuracy_label.setText("")
            return
        self.model_label.setText(f"model: {m.name} ({m.describe()})")
        acc = m.test_accuracy
        self.accuracy_label.setText("test accuracy: unknown" if acc is None else f"test accuracy: {acc:.2%}")

    # --- events -----------------------------------------------------------------------------

    def on_model_saved(self, saved: LoadedModel) -> None:
        """The model in use was saved (Save model as…): it has a name now, wherever it is shown
        (the same network and Tracer: each tab keeps its work)."""
        if self._session is not None and saved.model is self._session.model:
            self._use(self._session.renamed(saved))

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
        for _, tab in self._registered(late=False):
            tab.restore_settings(store)

    def save_settings(self) -> None:
        store = app_settings()
        store.setValue("window/geometry", self.saveGeometry())
        for tab in self._built.values():
            tab.save_settings(store)
        store.sync()

    def closeEvent(self, event) -> None:
        train = self._built.get("train")
        if train is not None and train.running:
            choice = DIALOGS.ask_choice(
                self, "Training is running", "A training run is still going. Stop it and quit, or keep training?",
                ["Stop and quit", "Keep training"], default=1,
            )  # fmt: skip
            if choice != 0:
                event.ignore()
                return
        self.keeper.shutdown()
        self._ready_timer.stop()
        for tab in self._built.values():  # stop their worker threads
            tab.shutdown()
        self.save_settings()
        super().closeEvent(event)

