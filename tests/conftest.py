"""Shared fixtures: offscreen Qt, the real MNIST (loaded once), isolated settings, models, and
drawing on the canvas (the strokes themselves are in drawing.py).
"""

from __future__ import annotations

import os

from recognizer.reading import ReadingSession

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import shared_data  # noqa: E402, F401  (keeps $PEN_DATA_DIR for the tests about real handwriting)

os.environ.pop("PEN_DATA_DIR", None)  # every other test runs as without the shared pen sets (shared_data.py)

from pathlib import Path

import pytest
from drawing import DIGIT_STROKES, draw_stroke  # noqa: E402  (after the Qt platform is set)
from window_tabs import placeholder_tabs  # noqa: E402


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """$MNIST_DIR, the folder with the real MNIST files. Tests that need it fail without it rather
    than skip: a skipped check would hide that nothing ran."""
    value = os.environ.get("MNIST_DIR")
    if not value:
        pytest.fail("set MNIST_DIR to the folder holding the four MNIST .gz files")
    return Path(value)


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """The real MNIST, read and checksum-verified once for the whole run."""
    from recognizer.datasets.mnist import load_mnist

    return load_mnist(mnist_dir, download=False)


@pytest.fixture
def draw():
    """draw(canvas, digit_or_strokes): draw a digit 0-9, or a list of strokes, with the mouse."""

    def _draw(canvas, what, **kwargs):
        strokes = DIGIT_STROKES[what] if isinstance(what, int) else what
        for stroke in strokes:
            draw_stroke(canvas, stroke, **kwargs)

    return _draw


# --- settings, models, the window -------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """A modal dialog would wait for a click that never comes: the questions are answered with
    their first choice (and recorded in DIALOGS.asked), the file pickers fail the test unless
    the test replaced them."""
    try:
        from recognizer.ui.dialogs import DIALOGS
    except ImportError:
        yield None
        return
    asked = []

    def choose_first(parent, title, text, choices, default=0):
        asked.append((title, text, tuple(choices)))
        return 0

    def no_picker(*args, **kwargs):
        raise AssertionError(f"a file dialog would have opened: {args[1:2]}")

    monkeypatch.setattr(DIALOGS, "ask_choice", choose_first)
    monkeypatch.setattr(DIALOGS, "asked", asked, raising=False)
    for name in ("ask_open_path", "ask_save_path", "ask_folder"):
        monkeypatch.setattr(DIALOGS, name, no_picker)
    yield asked


@pytest.fixture(autouse=True)
def isolated_user_data(tmp_path, monkeypatch):
    """Every test gets its own user data folder: the run records (recognizer.db) and auto-saved
    models of a test never land in, or come from, the real one."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory):
    """Every test gets its own empty QSettings, as INI files in a folder of its own (beside, not in,
    tmp_path: tests list what they wrote there)."""
    try:
        from PySide6.QtCore import QSettings
    except ImportError:
        yield None
        return
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(folder))
    from recognizer.ui.settings import app_settings
    from recognizer.ui.tour_state import SEEN_KEY

    app_settings().setValue(SEEN_KEY, True)  # the first-run tour only where a test asks for it (test_ui_tour.py)
    yield folder


def _random_model(path: Path, hidden_sizes=(128,), seed=0) -> Path:
    import torch

    from recognizer.files.model_file import make_metadata, save_model
    from recognizer.network.model import ModelConfig, RowRNN

    torch.manual_seed(seed)
    model = RowRNN(ModelConfig(hidden_sizes))
    return save_model(path, model, make_metadata(model, {"note": "random weights, for tests"}, None))


@pytest.fixture(scope="session")
def shipped_model_path() -> Path:
    """The shipped model, models/default.safetensors."""
    from recognizer.files.paths import default_model_path

    return default_model_path()


@pytest.fixture(scope="session")
def model_path(shipped_model_path) -> Path:
    """The model the window opens with in tests."""
    return shipped_model_path


@pytest.fixture(scope="session")
def stacked_model_path(tmp_path_factory) -> Path:
    """A small two-layer model (random weights) for model switching and the layer chooser."""
    return _random_model(tmp_path_factory.mktemp("models") / "stacked.safetensors", (16, 8), seed=1)


@pytest.fixture
def main_window(qtbot, model_path, monkeypatch):
    """A shown 1280x800 MainWindow with the model loaded. Dialogs never open: show_message is
    replaced by a recorder (window.messages), so no test can hang on a modal box. The Train and
    Evaluate tabs are placeholders here (they have their own tests; test_ui_inspect.py checks
    the real ones plug in), which keeps these tests fast and about Draw & Inspect."""
    placeholder_tabs(monkeypatch)
    yield from open_window(qtbot, model_path, monkeypatch)


@pytest.fixture
def full_main_window(qtbot, model_path, monkeypatch):
    """As main_window, with the real Train and Evaluate tabs."""
    yield from open_window(qtbot, model_path, monkeypatch)


@pytest.fixture
def evaluate_tab_on(qtbot, mnist, model_path):
    """evaluate_tab_on(page_name, data=None): a shown 1024x640 EvaluateTab with MNIST (or data) and
    the model, on the page of that attribute ("flow_page", "compare_page"), not evaluated; shut
    down afterwards."""
    from recognizer.ui.evaluate.tab import EvaluateTab

    tabs = []

    def make(page_name: str, data=None):
        tab = EvaluateTab(auto_evaluate=False)
        qtbot.addWidget(tab)
        tab.resize(1024, 640)
        tab.set_data(data if data is not None else mnist)
        tab.set_model_in_use(ReadingSession.load(model_path))
        tab.show()
        tab.pages.setCurrentWidget(getattr(tab, page_name))
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:
        tab.shutdown()


@pytest.fixture
def messages(monkeypatch):
    """Every message box the app would open, as (kind, title, text, details), instead of opening it."""
    from recognizer.ui.dialogs import DIALOGS

    shown = []
    monkeypatch.setattr(
        DIALOGS, "show_message", lambda parent, kind, title, text, details="": shown.append((kind, title, text, details))
    )
    return shown


@pytest.fixture
def make_tab(qtbot, tmp_path, messages):
    """make_tab(**options) -> a shown Train tab whose messages are recorded in tab.messages, shut
    down (its runner's thread joined) at the end of the test."""
    from recognizer.ui.train.tab import TrainTab

    tabs = []

    def make(**options):
        options.setdefault("models_dir", tmp_path / "models")
        tab = TrainTab(**options)
        qtbot.addWidget(tab)
        tab.messages = messages
        tab.resize(1200, 760)
        tab.show()
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:
        assert tab.shutdown(30)


def open_window(qtbot, model_path, monkeypatch):
    from recognizer.ui.app import make_application
    from recognizer.ui.dialogs import DIALOGS
    from recognizer.ui.main_window import MainWindow

    make_application()
    window = MainWindow(model_path=model_path)
    qtbot.addWidget(window)
    window.messages = []
    monkeypatch.setattr(
        DIALOGS, "show_message",
        lambda parent, kind, title, text, details="": window.messages.append((kind, title, text)),
    )  # fmt: skip
    window.ensure_ready()
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.inspect_tab.pause()
    window.close()


@pytest.fixture
def lab(qtbot, shipped_model_path, mnist, messages):
    """A shown 1000x600 Lab tab reading MNIST's first test digit (a 7) with the shipped model; its
    data comes from the mnist fixture, its dialogs are recorded. (test_ui_cells.py has its own.)"""
    from recognizer.ui.lab.tab import LabTab

    tab = LabTab(data_loader=lambda parent, on_ready, on_give_up: on_ready(mnist))
    qtbot.addWidget(tab)
    tab.set_model_in_use(ReadingSession.load(shipped_model_path))
    tab.set_image(mnist.test_images[0] / 255.0)  # a 7
    tab.resize(1000, 600)
    tab.show()
    qtbot.waitExposed(tab)
    yield tab
    tab.step_panel.hide()
    tab.shutdown()
