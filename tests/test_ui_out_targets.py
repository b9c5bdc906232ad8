"""The window's Save dialogs never write onto a FIFO or a device: a dialog says why and the node
stays what it was (the core's side, and --out, are in test_out_targets.py)."""

from __future__ import annotations

import os
import stat

import pyqtgraph as pg
import pytest

from recognizer.files.safe_io import NotRegularFile
from recognizer.reading import ReadingSession
from recognizer.training.curves import RunCurves, write_curves_csv
from recognizer.ui.dialogs import DIALOGS
from recognizer.ui.plot_menu import install_plot_menu, plot_menu


@pytest.fixture
def fifo(tmp_path):
    """A FIFO with a reader already open, so that a write which wrongly went ahead would not hang."""
    path = tmp_path / "fifo"
    os.mkfifo(path)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    yield path
    os.close(reader)


def test_the_lab_save_dialog_refuses_a_fifo(qtbot, shipped_model_path, messages, monkeypatch, fifo):
    from recognizer.ui.lab.tab import LabTab

    tab = LabTab(data_loader=lambda parent, on_ready, on_give_up: None)  # no test set: the save alone
    qtbot.addWidget(tab)
    tab.set_model_in_use(ReadingSession.load(shipped_model_path))
    monkeypatch.setattr(DIALOGS, "ask_save_path", lambda *a: str(fifo))
    tab.save_button.click()
    assert [(kind, title) for kind, title, *_ in messages] == [("critical", "Cannot save the model")]
    assert "not a regular file" in messages[0][2] and stat.S_ISFIFO(os.stat(fifo).st_mode)
    tab.shutdown()


def test_a_plot_export_refuses_a_fifo(qtbot, messages, monkeypatch, fifo):
    view = pg.PlotWidget()
    qtbot.addWidget(view)
    view.getPlotItem().plot([0, 1, 2], [3, 1, 2])
    install_plot_menu(view, "curve", csv=view.getPlotItem())
    monkeypatch.setattr(DIALOGS, "ask_save_path", lambda *a: str(fifo))
    next(a for a in plot_menu(view).actions() if a.text() == "Export data as CSV…").trigger()
    assert [(kind, title) for kind, title, *_ in messages] == [("warning", "Export failed")]
    assert "not a regular file" in messages[0][2] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_the_curves_export_refuses_a_fifo(fifo):
    with pytest.raises(NotRegularFile):
        write_curves_csv(fifo, RunCurves(), None)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
