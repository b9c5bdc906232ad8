"""One right-click menu for every plot: export as PNG, SVG or CSV, and reset the view.

pyqtgraph's own menus offer much that does not work here or means nothing to a reader (a
"Matplotlib Window" export, Mouse Mode, Plot Options, per-axis ranges), so install_plot_menu()
turns them off on every plot item of a view and puts this short menu in their place.

    install_plot_menu(view, "confusion-matrix", csv=write_counts, reset=None)

csv: a PlotItem whose curves and dots are written by pyqtgraph's CSV exporter, or a function
writing the file at a path; None leaves the CSV entry out, as reset=None does "Reset view".
"""

from __future__ import annotations

from typing import Callable

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401 (pg.exporters is not imported by pyqtgraph itself)
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QMenu

from ..files.safe_io import check_writable
from .dialogs import DIALOGS

CsvTarget = pg.PlotItem | Callable[[str], None] | None


def install_plot_menu(view: pg.GraphicsView, name: str, *, csv: CsvTarget = None,
                      reset: Callable[[], None] | None = None) -> None:  # fmt: skip
    """name: the suggested file name, without suffix."""
    disable_pyqtgraph_menus(view)
    view._plot_menu = _PlotMenu(view, name, csv, reset)  # kept alive with the view
    view.viewport().installEventFilter(view._plot_menu)


def disable_pyqtgraph_menus(view: pg.GraphicsView) -> None:
    """No pyqtgraph menu on the plot, its view box or its axes (they ask the view box)."""
    for item in view.scene().items():
        if isinstance(item, pg.PlotItem):
            item.setMenuEnabled(False, enableViewBoxMenu=False)
        elif isinstance(item, pg.ViewBox):
            item.setMenuEnabled(False)


def plot_menu(view: pg.GraphicsView) -> QMenu:
    """The menu a right-click on the view opens (tests read its entries)."""
    return view._plot_menu.build()


class _PlotMenu(QObject):
    def __init__(self, view: pg.GraphicsView, name: str, csv: CsvTarget, reset):
        super().__init__(view)
        self.view, self.name, self.csv, self.reset = view, name, csv, reset

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.ContextMenu:
            self.build().popup(event.globalPos())
            return True
        return False

    def build(self) -> QMenu:
        menu = QMenu(self.view)
        menu.addAction("Export as PNG image…", lambda: self._export("PNG image (*.png)", ".png", pg.exporters.ImageExporter))
        menu.addAction("Export as SVG drawing…", lambda: self._export("SVG drawing (*.svg)", ".svg", pg.exporters.SVGExporter))
        if self.csv is not None:
            menu.addAction("Export data as CSV…", self._export_csv)
        if self.reset is not None:
            menu.addSeparator()
            menu.addAction("Reset view", self.reset)
        return menu

    def _ask(self, file_filter: str, suffix: str) -> str | None:
        return DIALOGS.ask_save_path(self.view, "Export", self.name + suffix, file_filter)

    def _export(self, file_filter: str, suffix: str, exporter) -> None:
        path = self._ask(file_filter, suffix)
        if path:
            self._run(path, lambda: exporter(self.view.scene()).export(path))

    def _export_csv(self) -> None:
        path = self._ask("CSV table (*.csv)", ".csv")
        if not path:
            return
        csv = self.csv
        self._run(path, lambda: pg.exporters.CSVExporter(csv).export(path) if isinstance(csv, pg.PlotItem) else csv(path))

    def _run(self, path: str, write) -> None:
        try:
            check_writable(path)  # pyqtgraph's exporters open the path as it is: a FIFO would hang the window
            write()
        except OSError as e:
            DIALOGS.show_message(self.view, "warning", "Export failed", f"{e.filename or ''}: {e.strerror or e}")
