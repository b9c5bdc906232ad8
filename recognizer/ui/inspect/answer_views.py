"""The views of the answer as it forms: the 28x28 input with the row being read, the ten bars
of the current row, and the ten probability lines over all rows.

Every item is created once; set_trace() hands over a new trace and set_row() moves to a row by
updating data in place (setData / setImage / setOpts / setRect), never by rebuilding items. Rows
are 0-based in code and shown 1-based ("row read (1–28)").
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGraphicsRectItem

from ...network.dims import ROWS
from ...text import format_percent as percent
from .. import theme
from ..colormaps import CLASS_COLOURS
from ..plots import ROW_X, fixed_axes, frame_digit_plot, frame_probability_rows


class NetworkInputView(pg.PlotWidget):
    """The 28x28 image exactly as the LSTM reads it, big and crisp. The row being read is outlined
    in amber and the rows not read yet are dimmed."""

    def __init__(self, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        fixed_axes(item, "column (1–28)", "row (1–28)")
        frame_digit_plot(item)
        self.image_item = pg.ImageItem(np.zeros((ROWS, ROWS), np.float32), levels=(0, 1))
        self.image_item.setRect(QRectF(0.5, 0.5, ROWS, ROWS))
        item.addItem(self.image_item)
        self._dim = QGraphicsRectItem()
        self._dim.setPen(pg.mkPen(None))
        self._dim.setBrush(QBrush(QColor(0, 0, 0, 150)))
        item.addItem(self._dim)
        self._row_box = QGraphicsRectItem()
        self._row_box.setPen(pg.mkPen(theme.ACCENT, width=2))
        item.addItem(self._row_box)
        self.set_row(None)
        self.setToolTip(
            "What the network sees: your drawing shrunk to 28×28 pixels and centred, exactly as\n"
            "fed to the LSTM. It reads one row of 28 pixels per step, top to bottom; the amber\n"
            "box is the row being read and the dimmed rows are still to come."
        )

    def set_image(self, image28: np.ndarray | None) -> None:
        data = np.zeros((ROWS, ROWS), np.float32) if image28 is None else image28
        # ImageItem indexes [x, y]: the transpose puts columns along x and rows along y.
        self.image_item.setImage(np.ascontiguousarray(data.T), levels=(0, 1), autoLevels=False)

    def set_row(self, row: int | None) -> None:
        if row is None:
            self._row_box.setVisible(False)
            self._dim.setRect(QRectF())
            return
        self._row_box.setVisible(True)
        self._row_box.setRect(QRectF(0.5, row + 0.5, ROWS, 1))
        self._dim.setRect(QRectF(0.5, row + 1.5, ROWS, ROWS - row - 1))


class ProbabilityBars(pg.PlotWidget):
    """Ten bars: the network's answer if it had to stop after the current row."""

    def __init__(self, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        fixed_axes(item, "digit", "probability")
        item.setRange(xRange=(-0.6, 9.6), yRange=(0, 1.16), padding=0)  # room for the label
        item.getAxis("bottom").setTicks([[(d, str(d)) for d in range(10)]])
        item.getAxis("left").setTicks([[(v, f"{v:g}") for v in (0, 0.2, 0.4, 0.6, 0.8, 1.0)]])
        self._muted = [pg.mkBrush(QColor(c).darker(170)) for c in CLASS_COLOURS]
        self._strong = [pg.mkBrush(c) for c in CLASS_COLOURS]
        self._no_pen = pg.mkPen(None)
        self._leader_pen = pg.mkPen(theme.INK, width=2)
        self.bars = pg.BarGraphItem(
            x=np.arange(10), height=np.zeros(10), width=0.72, brushes=self._muted, pens=[self._no_pen] * 10
        )
        item.addItem(self.bars)
        self.label = pg.TextItem("", color=theme.INK, anchor=(0.5, 1.0))
        item.addItem(self.label)
        self.heights = np.zeros(10)
        self.setToolTip(
            "The network's answer if it had to stop after the current row: the probability\n"
            "it gives each digit, calibrated like the answer's \"% sure\". The leading digit\n"
            "is drawn bright with a white outline."
        )

    def set_probabilities(self, p: np.ndarray | None) -> None:
        if p is None:
            self.heights = np.zeros(10)
            self.bars.setOpts(height=self.heights, brushes=self._muted, pens=[self._no_pen] * 10)
            self.label.setText("")
            return
        leader = int(np.argmax(p))
        self.heights = np.asarray(p, dtype=np.float64)
        brushes = list(self._muted)
        brushes[leader] = self._strong[leader]
        pens = [self._no_pen] * 10
        pens[leader] = self._leader_pen
        self.bars.setOpts(height=self.heights, brushes=brushes, pens=pens)
        self.label.setText(percent(float(p[leader])))
        # centred over its bar, but kept inside the plot over the outermost bars
        self.label.setAnchor((0.2 if leader == 0 else 0.8 if leader == 9 else 0.5, 1.0))
        self.label.setPos(leader, float(p[leader]) + 0.01)


class TrajectoryPlot(pg.PlotWidget):
    """How the probability of each digit moves as the rows are read: ten lines, drawn up to the
    current row, with a cursor line at it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        frame_probability_rows(item)
        self.curves = [item.plot([], [], pen=pg.mkPen(colour, width=2)) for colour in CLASS_COLOURS]
        # The legend sits beside the plot, in the PlotItem's own layout, so it never hides a line.
        self.legend = pg.LegendItem(
            offset=None, colCount=2, labelTextColor=theme.TEXT, labelTextSize="8pt", frame=False, verSpacing=-4
        )
        for digit, curve in enumerate(self.curves):
            self.legend.addItem(curve, str(digit))
        item.layout.addItem(self.legend, 2, 3)
        self.cursor = pg.InfiniteLine(pos=ROWS, angle=90, movable=False, pen=pg.mkPen(theme.ACCENT, width=1.5))
        item.addItem(self.cursor)
        self._p: np.ndarray | None = None
        self._leader = None
        self.setToolTip(
            "How sure the network is of each digit after each row it has read.\n"
            "Early rows say little; watch the right digit pull ahead as the strokes appear."
        )

    def set_trace(self, probabilities: np.ndarray | None) -> None:
        self._p = None if probabilities is None else probabilities.astype(np.float64)

    def set_row(self, row: int | None) -> None:
        if self._p is None or row is None:
            for curve in self.curves:
                curve.setData([], [])
            self._set_leader(None)
            self.cursor.setVisible(False)
            return
        n = row + 1
        for digit, curve in enumerate(self.curves):
            curve.setData(ROW_X[:n], self._p[:n, digit], skipFiniteCheck=True)
        self._set_leader(int(self._p[row].argmax()))
        self.cursor.setVisible(True)
        self.cursor.setValue(n)

    @property
    def leader(self) -> int | None:
        """The digit drawn thick and named in bold in the legend: the one leading at this row."""
        return self._leader

    def _set_leader(self, leader: int | None) -> None:
        if leader == self._leader:
            return
        for digit, bold in ((self._leader, False), (leader, True)):
            if digit is None:
                continue
            self.curves[digit].setPen(pg.mkPen(CLASS_COLOURS[digit], width=4 if bold else 2))
            sample, label = self.legend.items[digit]
            # The legend's sample draws the curve's pen only when it repaints, and a pen change
            # does not ask it to: without this the thick line stayed on an earlier leader.
            sample.update()
            # The font of the text item itself: LabelItem.setText would lay the legend and the
            # plot out again, ~10 ms at every change of leader during the animation.
            font = label.item.font()
            font.setBold(bold)
            label.item.setFont(font)
        self._leader = leader
