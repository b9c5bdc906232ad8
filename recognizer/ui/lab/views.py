"""The Lab's plots: the probability of each digit row by row (edited solid, original faint and
dashed), and the units × rows heatmap of h where a click or a drag picks units."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QGraphicsRectItem

from ...network.dims import ROWS
from .. import theme
from ..colormaps import CLASS_COLOURS, diverging
from ..plot_menu import install_plot_menu
from ..plots import ROW_AXIS, ROW_X, fixed_axes, frame_probability_rows, set_empty

NOTHING_YET = "Nothing yet: draw a digit in Draw & Inspect."


class EditedProbabilityPlot(pg.PlotWidget):
    """Ten solid lines for the edited reading over ten faint dashed ones for the original."""

    def __init__(self, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        frame_probability_rows(item)
        self.original_curves = [
            item.plot([], [], pen=pg.mkPen(pg.mkColor(c).darker(170), width=1, style=Qt.DashLine)) for c in CLASS_COLOURS
        ]
        self.edited_curves = [item.plot([], [], pen=pg.mkPen(c, width=2), name=str(d)) for d, c in enumerate(CLASS_COLOURS)]
        self.setToolTip("Each digit's probability after each row: solid with your edits, dashed as the network reads it unedited.")
        install_plot_menu(self, "lab-probabilities", csv=item)
        set_empty(item, NOTHING_YET)

    def set_traces(self, original, edited) -> None:
        set_empty(self.getPlotItem(), NOTHING_YET if original is None else None)
        for curves, trace in ((self.original_curves, original), (self.edited_curves, edited)):
            for digit, curve in enumerate(curves):
                if trace is None:
                    curve.setData([], [])
                else:
                    curve.setData(ROW_X, trace.probabilities[:, digit].astype(np.float64))


class _UnitImage(pg.ImageItem):
    """The heatmap's image, x = row, y = unit: a click picks one unit (and asks for that cell's
    step), a drag a run of them."""

    picked = Signal(int, int)  # first and last unit
    cell_clicked = Signal(int, int)  # unit, row (0-based)

    def mouseClickEvent(self, ev):
        if ev.button() == Qt.LeftButton and self.image is not None:
            ev.accept()
            unit = int(np.clip(np.floor(ev.pos().y()), 0, self.height() - 1))
            row = int(np.clip(np.floor(ev.pos().x()), 0, self.width() - 1))
            self.picked.emit(unit, unit)
            self.cell_clicked.emit(unit, row)

    def mouseDragEvent(self, ev):
        if ev.button() != Qt.LeftButton or self.image is None:
            ev.ignore()
            return
        ev.accept()
        a = int(np.clip(np.floor(ev.buttonDownPos().y()), 0, self.height() - 1))
        b = int(np.clip(np.floor(ev.pos().y()), 0, self.height() - 1))
        self.picked.emit(min(a, b), max(a, b))


class UnitHeatmap(pg.PlotWidget):
    """h of the edited reading, units × rows; units_picked(first, last) on a click or drag,
    cell_clicked(unit, row) on a click."""

    units_picked = Signal(int, int)
    cell_clicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        fixed_axes(item, ROW_AXIS, "unit")
        item.invertY(True)
        self.image = _UnitImage()
        self.image.setColorMap(diverging())
        self.image.picked.connect(self.units_picked)
        self.image.cell_clicked.connect(self.cell_clicked)
        item.addItem(self.image)
        self.selection = QGraphicsRectItem()
        self.selection.setPen(pg.mkPen(theme.SELECTION, width=2))
        self.selection.setVisible(False)
        item.addItem(self.selection)
        self.setToolTip("The hidden state h of every unit after every row, with your edits. Click a unit, or drag over several, to pick them; a click also opens that step's arithmetic.")
        install_plot_menu(self, "lab-hidden-state")
        set_empty(item, NOTHING_YET)

    def set_values(self, h: np.ndarray | None) -> None:
        """h: (28, units) or None."""
        set_empty(self.getPlotItem(), NOTHING_YET if h is None else None)
        if h is None:
            self.image.clear()
            return
        units = h.shape[1]
        self.image.setImage(np.ascontiguousarray(h, np.float32), levels=(-1, 1), autoLevels=False)
        self.image.setRect(QRectF(0.5, 0, ROWS, units))
        self.getPlotItem().setRange(xRange=(0.5, ROWS + 0.5), yRange=(0, units), padding=0)

    def show_selection(self, units: tuple[int, ...] | None) -> None:
        if not units:
            self.selection.setVisible(False)
            return
        self.selection.setRect(QRectF(0.5, min(units), ROWS, max(units) - min(units) + 1))
        self.selection.setVisible(True)

