"""The window's tabs, registered in one list: title, tooltip, how to build each (a factory) and how
to wire it (the signals it and the others follow). main_window.py builds them from TABS and hands
each the model in use through the tab protocol (tab_protocol.py); no tab knows another.

Each late tab's module is imported in its factory, after the window's first paint: the four pull
in torch and the training and analysis code, 2.7 to 4.7 s more than the window's own imports
(1.1 to 1.6 s) on this 2-core machine at a load of 4.2 to 4.5 (2026-12-06), time the window is
already on screen. One records file for every tab: the Keeper's, followed by all when it moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .inspect.tab import InspectTab


@dataclass(frozen=True)
class TabEntry:
    """One registered tab. build(window) -> the tab (None: a placeholder says it is not built, as
    tests ask for a quicker window); wire(window, tab) connects it to the window and the tabs built
    before it (None: nothing to connect; Draw & Inspect's own actions are file_actions.py's, built
    by the window); late: built after the first paint."""

    key: str
    title: str
    tip: str
    build: Callable | None
    wire: Callable | None
    late: bool = True


def _status(window, ms: int):
    return lambda text: window.statusBar().showMessage(text, ms)


def _train(window):
    from .train.tab import TrainTab

    return TrainTab(db_path=window.keeper.db_path)


def _wire_train(window, tab) -> None:
    window.keeper.moved.connect(tab.set_db_path)
    tab.model_ready.connect(window.set_model)
    tab.model_saved.connect(window.on_model_saved)


def _evaluate(window):
    from .evaluate.tab import EvaluateTab

    return EvaluateTab()


def _wire_evaluate(window, tab) -> None:
    tab.inspect_requested.connect(window.inspect_actions.inspect_image)
    tab.status_message.connect(_status(window, 5000))
    # The hidden-state map and the saliency view follow the digit being read, row by row.
    inspect = window.inspect_tab
    follow = lambda *_: tab.show_trace(inspect.trace, inspect.row)
    inspect.trace_changed.connect(follow)
    inspect.state.events.row.connect(follow)


def _lab(window):
    from .lab.tab import LabTab

    return LabTab()


def _wire_lab(window, tab) -> None:
    tab.status_message.connect(_status(window, 8000))
    window.inspect_tab.trace_changed.connect(tab.set_trace)  # the Lab reads the same drawing


def _digits(window):
    from .digits.tab import DigitsTab

    return DigitsTab(window.keeper.db_path)


def _wire_digits(window, tab) -> None:
    keeper = window.keeper
    keeper.kept.connect(lambda _: tab.refresh())
    keeper.moved.connect(tab.set_db_path)
    tab.default_records_requested.connect(lambda: keeper.move(None))
    tab.inspect_requested.connect(window.inspect_actions.inspect_image)
    tab.status_message.connect(_status(window, 5000))


TABS: tuple[TabEntry, ...] = (
    TabEntry("inspect", "Draw && Inspect", "Draw a digit and watch the network read it, row by row.",
             lambda window: InspectTab(), None, late=False),
    TabEntry("train", "Train", "Train a new model on MNIST and use it here.", _train, _wire_train),
    TabEntry("evaluate", "Evaluate", "Measure the model on the 10,000 MNIST test images and inspect its mistakes.",
             _evaluate, _wire_evaluate),
    TabEntry("lab", "Lab", "Silence units, pin gates, hide rows: what does the network answer then?", _lab, _wire_lab),
    TabEntry("digits", "My digits",
             "The digits you kept (press 0–9 after drawing) or imported, and how the model reads them.", _digits,
             _wire_digits),
)  # fmt: skip
