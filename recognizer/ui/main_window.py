"""The main window: the Draw & Inspect, Train and Evaluate tabs, menus, status bar, preferences.

Every dialog goes through three methods, show_message, ask_open_path and ask_save_path, so that
tests can replace them; show_message never blocks (the box is opened window-modal, not exec'd).
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, QTimer, qVersion
from PySide6.QtGui import QAction, QActionGroup, QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from .. import __version__
from ..errors import RecognizerError
from ..paths import default_model_path
from . import theme
from .app import app_icon
from .canvas import DEFAULT_PEN_WIDTH, MAX_PEN_WIDTH, MIN_PEN_WIDTH, qimage_to_array
from .inspector import DEFAULT_SPEED, MAX_SPEED, MIN_SPEED, InspectTab
from .trace_export import save_trace
from .trace_views import SERIES, SERIES_NAMES

if TYPE_CHECKING:
    from ..modelfile import LoadedModel

DEVICE = "cpu"  # the window traces with numpy on the CPU (about 1 ms an image)
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.pgm *.ppm *.webp *.tif *.tiff);;All files (*)"
MODEL_FILTER = "Recognizer models (*.safetensors);;All files (*)"
TRACE_FILTER = "CSV table (*.csv);;NumPy archive (*.npz)"

# Preferences, with their defaults and what counts as valid.
PREFS = {
    "inspect/pen_width": (DEFAULT_PEN_WIDTH, (MIN_PEN_WIDTH, MAX_PEN_WIDTH)),
    "inspect/speed": (DEFAULT_SPEED, (MIN_SPEED, MAX_SPEED)),
    "inspect/auto_play": (True, None),
    "inspect/heatmap": ("h", SERIES_NAMES),
}

SHORTCUTS = (
    ("Draw", "left mouse button or a pen on the canvas"),
    ("Ctrl+Z", "undo the last stroke"),
    ("Esc, Delete", "clear the canvas"),
    ("Ctrl+V", "paste an image of a digit"),
    ("Ctrl+O", "open an image file (or drop one on the canvas)"),
    ("Space", "play or pause the animation"),
    ("← / →", "one row back / on"),
    ("Home / End", "first / last row"),
    ("Ctrl+L", "load a model file"),
    ("Ctrl+S", "save the trace as CSV or NPZ"),
    ("Ctrl+Q", "quit"),
)


def settings() -> QSettings:
    """The app's preferences, in the default format (tests point it at a temporary folder)."""
    return QSettings(QSettings.defaultFormat(), QSettings.UserScope, "recognizer", "recognizer")


def read_pref(store: QSettings, key: str):
    """A stored preference, or its default when missing, corrupt or out of range."""
    default, valid = PREFS[key]
    raw = store.value(key)
    if raw is None:
        return default
    try:
        if isinstance(default, bool):
            text = str(raw).strip().lower()
            if isinstance(raw, bool):
                return raw
            if text in ("true", "1"):
                return True
            if text in ("false", "0"):
                return False
            return default
        if isinstance(default, int):
            value = float(raw)
            if not np.isfinite(value) or value != int(value):
                return default
            value = int(value)
            lo, hi = valid
            return value if lo <= value <= hi else default
        if isinstance(default, str):
            return raw if isinstance(raw, str) and raw in valid else default
    except (TypeError, ValueError, OverflowError):
        return default
    return default


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
        self.setWindowTitle("Recognizer — watch an LSTM read your digit")
        self.setWindowIcon(app_icon())
        self._model_path = Path(model_path) if model_path is not None else None
        self._ready = False
        self._loaded: LoadedModel | None = None
        self._train_tab = None
        self._evaluate_tab = None
        self.last_message: tuple[str, str, str] | None = None  # (kind, title, text) of the last dialog

        self.tabs = QTabWidget()
        self.inspect_tab = InspectTab()
        self.inspect_tab.open_requested.connect(self.open_image_dialog)
        self.inspect_tab.canvas.dropped.connect(self._on_dropped)
        self.inspect_tab.trace_changed.connect(self._on_trace_changed)
        self.inspect_tab.answer_hint.setText("Loading the model…")
        self.tabs.addTab(self.inspect_tab, "Draw && Inspect")
        self.tabs.addTab(self._placeholder("Loading…"), "Train")
        self.tabs.addTab(self._placeholder("Loading…"), "Evaluate")
        self.tabs.setTabToolTip(0, "Draw a digit and watch the network read it, row by row.")
        self.tabs.setTabToolTip(1, "Train a new model on MNIST and use it here.")
        self.tabs.setTabToolTip(2, "Measure the model on the 10,000 MNIST test images and inspect its mistakes.")
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.setCentralWidget(self.tabs)

        self._build_status_bar()
        self._build_menus()
        self.resize(1280, 800)
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
            from ..modelfile import load_model

            path = self._model_path or default_model_path()
            try:
                loaded = load_model(path)
            except RecognizerError as e:
                loaded = None
                # After the window is up, so that the message has a window to sit on.
                message = str(e)
                QTimer.singleShot(0, self, lambda: self.show_message("warning", "No model loaded", message))
            self._apply_model(loaded)
        finally:
            QApplication.restoreOverrideCursor()

    def _build_optional_tabs(self) -> None:
        current = self.tabs.currentIndex()
        train_cls = _optional_tab("train_tab", "TrainTab")
        if train_cls is not None:
            self._train_tab = train_cls()
            self._train_tab.model_ready.connect(self.set_model)
            self._replace_tab(1, self._train_tab, "Train")
        else:
            self._replace_tab(1, self._placeholder("The Train tab is not built in this window."), "Train")
        evaluate_cls = _optional_tab("evaluate_tab", "EvaluateTab")
        if evaluate_cls is not None:
            self._evaluate_tab = evaluate_cls()
            self._evaluate_tab.inspect_requested.connect(self.inspect_image)
            self._evaluate_tab.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
            # The hidden-state map and the saliency view follow the digit being read, row by row.
            follow = lambda *_: self._evaluate_tab.show_trace(self.inspect_tab.trace, self.inspect_tab.row)
            self.inspect_tab.trace_changed.connect(follow)
            self.inspect_tab.row_slider.valueChanged.connect(follow)
            self._replace_tab(2, self._evaluate_tab, "Evaluate")
        else:
            self._replace_tab(
                2, self._placeholder("The Evaluate tab is not built in this window."), "Evaluate"
            )
        self.tabs.setCurrentIndex(current)

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

    def set_model(self, loaded: LoadedModel | None) -> None:
        """Use a model everywhere; the drawing on the canvas is traced again at once."""
        self.ensure_ready()
        self._apply_model(loaded)

    def _apply_model(self, loaded: LoadedModel | None) -> None:
        self._loaded = loaded
        if loaded is None:
            self.inspect_tab.set_tracer(None)
        else:
            from ..trace import Tracer

            self.inspect_tab.set_tracer(Tracer(loaded.model), layers=len(loaded.model.config.hidden_sizes))
        if self._evaluate_tab is not None:
            self._evaluate_tab.set_model(loaded)
        self._update_status()

    def inspect_image(self, image28, caption: str) -> None:
        """Show a 28x28 image (ink high, values in [0, 1]) on Draw & Inspect and play its trace."""
        self.ensure_ready()
        image = np.asarray(image28, dtype=np.float32)
        if image.max(initial=0) > 1.0:  # uint8-style values
            image = image / 255.0
        self.tabs.setCurrentWidget(self.inspect_tab)
        self.inspect_tab.inspect_image(image, caption, play=True)

    def open_image(self, path: str | Path) -> bool:
        """Read a digit from an image file onto the canvas; a dialog says why when it cannot."""
        from ..image_files import read_image

        self.ensure_ready()
        path = Path(path)
        try:
            array = read_image(path)
        except (RecognizerError, OSError, ValueError) as e:
            self.show_message("warning", "Cannot open image", str(e))
            return False
        return self._place_image(array, f"Opened {path.name}")

    def load_model_file(self, path: str | Path) -> bool:
        """Load a model; if the file is bad, a dialog says why and the current model stays."""
        from ..modelfile import load_model

        self.ensure_ready()
        try:
            loaded = load_model(path)
        except RecognizerError as e:
            self.show_message("critical", "Cannot load model", str(e))
            return False
        self.set_model(loaded)
        self.statusBar().showMessage(f"Loaded {loaded.name}", 5000)
        return True

    def save_trace_file(self, path: str | Path) -> Path | None:
        trace = self.inspect_tab.trace
        if trace is None:
            self.show_message("information", "Nothing to save", "Draw a digit first: there is no trace to save yet.")
            return None
        try:
            written = save_trace(path, trace)
        except OSError as e:
            self.show_message("critical", "Cannot save trace", f"Cannot write {path}: {e.strerror or e}")
            return None
        self.statusBar().showMessage(f"Saved the trace to {written}", 5000)
        return written

    def paste(self) -> bool:
        mime = QApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            return self._place_image(qimage_to_array(QImage(mime.imageData())), "Pasted image")
        files = [u.toLocalFile() for u in (mime.urls() if mime is not None else []) if u.isLocalFile()]
        if files:
            return self.open_image(files[0])
        self.show_message("information", "Nothing to paste", "The clipboard holds no image.")
        return False

    # --- dialogs (tests replace these) ------------------------------------------------------

    def show_message(self, kind: str, title: str, text: str) -> None:
        """kind: 'information', 'warning' or 'critical'. Opens the box without blocking."""
        self.last_message = (kind, title, text)
        icon = {"information": QMessageBox.Information, "warning": QMessageBox.Warning}.get(kind, QMessageBox.Critical)
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.setTextFormat(Qt.RichText if text.lstrip().startswith("<") else Qt.PlainText)
        box.open()

    def ask_open_path(self, title: str, file_filter: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, title, "", file_filter)
        return path or None

    def ask_save_path(self, title: str, suggestion: str, file_filter: str) -> str | None:
        path, chosen = QFileDialog.getSaveFileName(self, title, suggestion, file_filter)
        if path and not Path(path).suffix:
            path += ".csv" if "csv" in chosen.lower() else ".npz"
        return path or None

    # --- menu handlers ----------------------------------------------------------------------

    def open_image_dialog(self) -> None:
        path = self.ask_open_path("Open an image of a digit", IMAGE_FILTER)
        if path:
            self.open_image(path)

    def load_model_dialog(self) -> None:
        path = self.ask_open_path("Load a model", MODEL_FILTER)
        if path:
            self.load_model_file(path)

    def save_trace_dialog(self) -> None:
        if self.inspect_tab.trace is None:
            self.show_message("information", "Nothing to save", "Draw a digit first: there is no trace to save yet.")
            return
        path = self.ask_save_path("Save the trace", "trace.csv", TRACE_FILTER)
        if path:
            self.save_trace_file(path)

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in SHORTCUTS)
        self.show_message("information", "Keyboard shortcuts", f"<table>{rows}</table>")

    def about_text(self) -> str:
        import pyqtgraph
        import torch

        m = self._loaded
        if m is None:
            model = "No model loaded."
        else:
            acc = m.test_accuracy
            sizes = " × ".join(str(h) for h in m.model.config.hidden_sizes)
            model = (
                f"Model: {m.name}<br>Hidden sizes: {sizes} ({len(m.model.config.hidden_sizes)} layer(s))<br>"
                f"Test accuracy: {'unknown' if acc is None else f'{acc:.2%}'}"
            )
        return (
            f"<h3>Recognizer {__version__}</h3>"
            "<p>Draw a digit and watch an LSTM read it, one row of 28 pixels per step.</p>"
            f"<p>{model}</p>"
            f"<p>recognizer {__version__} · torch {torch.__version__} · Qt {qVersion()} · "
            f"PySide6 {pyside_version} · pyqtgraph {pyqtgraph.__version__} · Python {platform.python_version()}</p>"
        )

    def show_about(self) -> None:
        self.show_message("information", "About Recognizer", self.about_text())

    # --- building ---------------------------------------------------------------------------

    def _placeholder(self, text: str) -> QWidget:
        label = QLabel(text)
        label.setAlignment(Qt.AlignCenter)
        label.setProperty("role", "muted")
        return label

    def _action(self, text, slot, shortcut=None, tip="", checkable=False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                action.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.setCheckable(checkable)
        (action.toggled if checkable else action.triggered).connect(slot)
        self.addAction(action)  # shortcuts work while the menus are closed
        return action

    def _build_menus(self) -> None:
        tab = self.inspect_tab
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = self._action("&Open image…", self.open_image_dialog, QKeySequence.Open, "Read a digit from an image file")
        self.load_model_action = self._action("&Load model…", self.load_model_dialog, "Ctrl+L", "Use another model file")
        self.save_trace_action = self._action(
            "&Save trace as CSV/NPZ…", self.save_trace_dialog, QKeySequence.Save, "Write everything the network computed for this digit"
        )
        self.quit_action = self._action("&Quit", self.close, QKeySequence.Quit, "Close the window")
        file_menu.addActions([self.open_action, self.load_model_action, self.save_trace_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self._action("&Undo stroke", tab.canvas.undo, QKeySequence.Undo, "Take back the last stroke")
        self.clear_action = self._action("&Clear", tab.canvas.clear, ["Esc", "Delete"], "Wipe the canvas")
        self.paste_action = self._action("&Paste image", self.paste, QKeySequence.Paste, "Read a digit from the clipboard")
        edit_menu.addActions([self.undo_action, self.clear_action, self.paste_action])

        view_menu = bar.addMenu("&View")
        heat_menu = view_menu.addMenu("&Heatmap shows")
        self.heatmap_group = QActionGroup(self)
        self.heatmap_actions = {}
        for name, text, _ in SERIES:
            action = QAction(text, self, checkable=True)
            action.setData(name)
            action.triggered.connect(lambda _=False, n=name: tab.state_panel.set_series(n))
            self.heatmap_group.addAction(action)
            heat_menu.addAction(action)
            self.heatmap_actions[name] = action
        tab.state_panel.series_changed.connect(lambda n: self.heatmap_actions[n].setChecked(True))
        self.heatmap_actions[tab.state_panel.series].setChecked(True)
        self.autoplay_action = self._action("&Auto-play after each stroke", tab.set_auto_play, None, "", checkable=True)
        self.autoplay_action.setChecked(tab.auto_play)
        tab.autoplay_check.toggled.connect(self.autoplay_action.setChecked)
        view_menu.addAction(self.autoplay_action)
        view_menu.addSeparator()
        self.play_action = self._action("&Play / pause", tab.toggle_play, "Space", "Play or pause the animation")
        self.back_action = self._action("Row &back", lambda: tab.step(-1), "Left", "One row back")
        self.forward_action = self._action("Row &on", lambda: tab.step(1), "Right", "One row on")
        self.first_action = self._action("&First row", lambda: tab.go_to_row(0), "Home", "Go to row 1")
        self.last_action = self._action("&Last row", lambda: tab.go_to_row(27), "End", "Go to row 28")
        view_menu.addActions([self.play_action, self.back_action, self.forward_action, self.first_action, self.last_action])

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard shortcuts", self.show_shortcuts, QKeySequence.HelpContents))
        help_menu.addAction(self._action("&About Recognizer", self.show_about))
        # Keys that only mean something while drawing and inspecting.
        self._inspect_actions = [
            self.undo_action, self.clear_action, self.paste_action, self.play_action,
            self.back_action, self.forward_action, self.first_action, self.last_action,
        ]  # fmt: skip

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

    def _on_tab_changed(self, index: int) -> None:
        on_inspect = self.tabs.widget(index) is self.inspect_tab
        for action in getattr(self, "_inspect_actions", []):
            action.setEnabled(on_inspect)
        if not on_inspect:
            self.inspect_tab.pause()

    def _on_trace_changed(self, trace) -> None:
        self.save_trace_action.setEnabled(trace is not None)

    def _on_dropped(self, item) -> None:
        if isinstance(item, Path):
            self.open_image(item)
        elif isinstance(item, QImage) and not item.isNull():
            self._place_image(qimage_to_array(item), "Dropped image")

    def _place_image(self, array: np.ndarray, caption: str) -> bool:
        from ..preprocess import to_mnist

        self.ensure_ready()
        try:
            image28 = to_mnist(array)
        except ValueError as e:
            self.show_message("warning", "Cannot read the image", str(e))
            return False
        if image28 is None:
            self.show_message("warning", "No digit found", f"{caption}: there is nothing to read in it (blank, or too faint).")
            return False
        self.tabs.setCurrentWidget(self.inspect_tab)
        self.inspect_tab.inspect_image(image28, caption, play=self.inspect_tab.auto_play)
        return True

    def _restore_settings(self) -> None:
        store = settings()
        geometry = store.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            if not self.restoreGeometry(geometry):
                self.resize(1280, 800)
        tab = self.inspect_tab
        tab.set_pen_width(read_pref(store, "inspect/pen_width"))
        tab.set_speed(read_pref(store, "inspect/speed"))
        tab.set_auto_play(read_pref(store, "inspect/auto_play"))
        tab.state_panel.set_series(read_pref(store, "inspect/heatmap"))

    def save_settings(self) -> None:
        store = settings()
        tab = self.inspect_tab
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("inspect/pen_width", int(round(tab.canvas.pen_width)))
        store.setValue("inspect/speed", tab.speed)
        store.setValue("inspect/auto_play", tab.auto_play)
        store.setValue("inspect/heatmap", tab.state_panel.series)
        store.sync()

    def closeEvent(self, event) -> None:
        self.inspect_tab.pause()
        self._ready_timer.stop()
        for tab in (self._train_tab, self._evaluate_tab):  # stop their worker threads
            if tab is not None and hasattr(tab, "shutdown"):
                tab.shutdown()
        self.save_settings()
        super().closeEvent(event)
