"""The menu bar and its keyboard shortcuts: File, Edit, View, Help. The actions call the window,
Draw & Inspect's methods and its own actions (inspect/file_actions.py), never its widgets; the
window enables the inspect-only ones while that tab is shown."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow

from .. import __version__
from .inspect.state import LAST
from .inspect.state_panel import SERIES
from .tour import TourCallout
from .whats_this import explain, question_button, whats_this_action

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
    ("0 … 9", "keep the drawing in My digits with that label"),
)


def action(window: QMainWindow, text, slot, shortcut=None, tip="", checkable=False) -> QAction:
    act = QAction(text, window)
    if shortcut is not None:
        if isinstance(shortcut, (list, tuple)):
            act.setShortcuts([QKeySequence(s) for s in shortcut])
        else:
            act.setShortcut(QKeySequence(shortcut))
    act.setStatusTip(tip)
    act.setToolTip(tip)
    act.setCheckable(checkable)
    (act.toggled if checkable else act.triggered).connect(slot)
    window.addAction(act)  # shortcuts work while the menus are closed
    return act


class Menus:
    """Builds the window's menus; its attributes are the actions (tests trigger them)."""

    def __init__(self, window: QMainWindow):
        """window: the MainWindow, whose handlers the actions call."""
        tab, files = window.inspect_tab, window.inspect_actions
        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = action(window, "&Open image…", files.open_image_dialog, QKeySequence.Open, "Read a digit from an image file")
        self.load_model_action = action(window, "&Load model…", window.load_model_dialog, "Ctrl+L", "Use another model file")
        self.save_trace_action = action(
            window, "&Save trace as CSV/NPZ…", files.save_trace_dialog, QKeySequence.Save,
            "Write everything the network computed for this digit",
        )  # fmt: skip
        tab.trace_changed.connect(lambda trace: self.save_trace_action.setEnabled(trace is not None))
        self.save_trace_action.setEnabled(tab.trace is not None)
        self.quit_action = action(window, "&Quit", window.close, QKeySequence.Quit, "Close the window")
        file_menu.addActions([self.open_action, self.load_model_action, self.save_trace_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        self.undo_action = action(window, "&Undo stroke", tab.undo, QKeySequence.Undo, "Take back the last stroke")
        self.clear_action = action(window, "&Clear", tab.clear, ["Esc", "Delete"], "Wipe the canvas")
        self.paste_action = action(window, "&Paste image", files.paste, QKeySequence.Paste, "Read a digit from the clipboard")
        edit_menu.addActions([self.undo_action, self.clear_action, self.paste_action])

        view_menu = bar.addMenu("&View")
        heat_menu = view_menu.addMenu("&Heatmap shows")
        self.heatmap_group = QActionGroup(window)
        self.heatmap_actions = {}
        for name, text, _ in SERIES:
            act = QAction(text, window, checkable=True)
            act.setData(name)
            act.triggered.connect(lambda _=False, n=name: tab.set_series(n))
            self.heatmap_group.addAction(act)
            heat_menu.addAction(act)
            self.heatmap_actions[name] = act
        tab.series_changed.connect(lambda n: self.heatmap_actions[n].setChecked(True))
        self.heatmap_actions[tab.series].setChecked(True)
        tab.series_offered.connect(self._offer_heatmap_series)  # what the model's cell has
        self._offer_heatmap_series(tab.offered_series)
        self.autoplay_action = action(window, "&Auto-play after each stroke", tab.set_auto_play, None, "", checkable=True)
        self.autoplay_action.setChecked(tab.auto_play)
        tab.state.events.auto_play.connect(self.autoplay_action.setChecked)
        view_menu.addAction(self.autoplay_action)
        view_menu.addSeparator()
        self.play_action = action(window, "&Play / pause", tab.toggle_play, "Space", "Play or pause the animation")
        self.back_action = action(window, "Row &back", lambda: tab.step(-1), "Left", "One row back")
        self.forward_action = action(window, "Row &on", lambda: tab.step(1), "Right", "One row on")
        self.first_action = action(window, "&First row", lambda: tab.go_to_row(0), "Home", "Go to row 1")
        self.last_action = action(window, "&Last row", lambda: tab.go_to_row(LAST), "End", "Go to row 28")
        view_menu.addActions([self.play_action, self.back_action, self.forward_action, self.first_action, self.last_action])

        self.help_menu = help_menu = bar.addMenu("&Help")
        self.whats_this_action = whats_this_action(window)
        help_menu.addAction(self.whats_this_action)
        self.whats_this_button = question_button(self.whats_this_action, window.tabs)
        self.tour = TourCallout(window)
        self.tour_action = action(window, "Show the &tour", self.tour.start, None, "Six steps through Draw & Inspect")
        help_menu.addAction(self.tour_action)
        help_menu.addAction(action(window, "&Keyboard shortcuts", window.show_shortcuts, QKeySequence.HelpContents))
        help_menu.addAction(action(window, "&About Recognizer", window.show_about))
        # Keys that only mean something while drawing and inspecting.
        self.inspect_actions = [
            self.undo_action, self.clear_action, self.paste_action, self.play_action,
            self.back_action, self.forward_action, self.first_action, self.last_action,
        ]  # fmt: skip
        # A bare digit key keeps the drawing in My digits with that label (no other shortcut is a digit).
        keep_menu = edit_menu.addMenu("&Keep drawing as")
        self.keep_actions = [action(window, f"It's a &{d}", lambda _=False, n=d: files.keep_drawing(n), str(d),
                                    f"Keep the drawing in My digits as a {d}") for d in range(10)]  # fmt: skip
        keep_menu.addActions(self.keep_actions)
        self.inspect_actions += self.keep_actions

    def tabs_built(self, window: QMainWindow) -> None:
        """Once every tab is built: every plot, number and control can say what it is; on the
        first launch, the tour starts."""
        explain(window)
        self.tour.show_if_first_launch()

    def _offer_heatmap_series(self, names) -> None:
        """The heatmap's choices in the View menu: only what the model's cell has."""
        for name, act in self.heatmap_actions.items():
            act.setVisible(name in names)


def about_text(loaded) -> str:
    """Help › About: the app, the model in use (a reading.ReadingSession, or None) and the libraries' versions."""
    import pyqtgraph
    import torch

    if loaded is None:
        model = "No model loaded."
    else:
        acc = loaded.test_accuracy
        sizes = loaded.model.config.hidden_sizes
        layers = "1 layer" if len(sizes) == 1 else f"{len(sizes)} layers"
        model = (
            f"Model: {loaded.name} ({loaded.model.describe()})<br>Hidden sizes: {' × '.join(map(str, sizes))} ({layers})<br>"
            f"Test accuracy: {'unknown' if acc is None else f'{acc:.2%}'}"
        )
    return (
        f"<h3>Recognizer {__version__}</h3>"
        "<p>Draw a digit and watch a recurrent network (an LSTM, a GRU or a plain RNN) read it, one row of 28 pixels per step.</p>"
        f"<p>{model}</p>"
        f"<p>recognizer {__version__} · torch {torch.__version__} · Qt {qVersion()} · "
        f"PySide6 {pyside_version} · pyqtgraph {pyqtgraph.__version__} · Python {platform.python_version()}</p>"
    )
