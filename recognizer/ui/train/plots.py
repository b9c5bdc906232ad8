"""The Train tab's live plots: loss per batch (raw and smoothed), learning rate, loss and accuracy
per epoch (train and test), with the previous run as a faint dashed overlay and any recorded
runs checked in the Runs panel in colours of their own.

Every plot item is made once; updates only call setData, and only on the items whose data grew,
so a redraw costs the same whether one batch or fifty arrived since the last. Legends are a line
of text under each plot, outside the data, so that no curve or epoch point hides behind them
(pyqtgraph's legend is drawn over the data, or, put in the plot's layout, widens narrow plots
past their cells).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem, QGridLayout, QLabel, QVBoxLayout, QWidget

from ...training.curves import RunCurves
from .. import theme
from ..plot_menu import install_plot_menu
from ..plots import plain_axes

# Colours: train blue, test amber (as elsewhere in the app), the learning rate violet.
TRAIN_COLOUR = theme.SELECTION
TEST_COLOUR = theme.ACCENT
LR_COLOUR = "#a78bfa"
MY_DIGITS_COLOUR = "#fbbf24"  # the held-out My digits, when a run mixes them in
RAW_ALPHA, PREVIOUS_ALPHA = 80, 70
MUTED = theme.MUTED_TEXT  # the previous run's legend entry: its curves are faint in both colours
UNTRAINED_LOSS = 2.3  # about ln 10, where an untrained network starts: the loss plot's first top



def _pen(colour: str, width: float = 1.5, alpha: int = 255, dashed: bool = False):
    c = QColor(colour)
    c.setAlpha(alpha)
    pen = pg.mkPen(c, width=width)
    if dashed:
        pen.setStyle(Qt.DashLine)
    pen.setCosmetic(True)
    return pen


def nice_ceiling(value: float) -> float:
    """The next round number at or above value (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k)."""
    if not (value > 0 and math.isfinite(value)):
        return 1.0
    exponent = math.floor(math.log10(value))
    mantissa = value / 10**exponent
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if mantissa <= step * (1 + 1e-9):
            return step * 10**exponent
    return 10 ** (exponent + 1)


class DecimalAxis(pg.AxisItem):
    """Tick labels in one plain decimal format, as many places as the tick spacing needs:
    0.00005, 0.00010, 0.00015, never pyqtgraph's mix of 0.0001 and 5e-05. Only the major ticks are
    labelled, so that every label has the same number of places."""

    def __init__(self, orientation: str):
        super().__init__(orientation)
        self.setStyle(maxTextLevel=0)

    def tickStrings(self, values, scale, spacing):
        places = max(0, -math.floor(math.log10(spacing * scale))) if spacing > 0 else 0
        return [f"{v * scale:.{places}f}" for v in values]


def _plot(title: str, left: str, tip: str, left_axis: pg.AxisItem | None = None) -> pg.PlotWidget:
    widget = pg.PlotWidget(axisItems={"left": left_axis} if left_axis is not None else None)
    item = widget.getPlotItem()
    item.setTitle(title, size="10pt")
    item.setLabel("bottom", "epoch")
    if left:
        item.setLabel("left", left)
    item.showGrid(x=True, y=True, alpha=0.15)
    widget.setToolTip(tip + "\nDrag to pan, wheel to zoom, right-click to export or reset the view.")
    widget.setMinimumSize(180, 160)
    for name in ("left", "bottom"):
        # An axis draws its grid lines across the whole plot, so every curve update repaints it:
        # from a cached pixmap, it is a copy instead of redrawing every line and label (~4 ms).
        item.getAxis(name).setCacheMode(QGraphicsItem.DeviceCoordinateCache)
    plain_axes(item)  # a loss of 0.6, not 600 (x0.001)
    return widget


def _legend_text(entries: list[tuple[str, str, bool]]) -> str:
    """(colour, name, dashed) as one line of rich text: a coloured stroke and the name of each."""
    return " &nbsp; ".join(f'<span style="color:{colour}">{"╍╍" if dashed else "━━"}</span>&nbsp;{name.replace(" ", "&nbsp;")}'
                           for colour, name, dashed in entries)  # fmt: skip


def _with_legend(widget: pg.PlotWidget, entries: list[tuple[str, str, bool]]) -> QWidget:
    """The plot with its legend under it; widget.legend is the label, widget.legend_entries its lines."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    widget.legend = QLabel(_legend_text(entries), wordWrap=True, alignment=Qt.AlignHCenter)
    widget.legend.setProperty("role", "muted")
    widget.legend_entries = entries
    layout.addWidget(widget, 1)
    layout.addWidget(widget.legend)
    return box


class TrainingPlots(QWidget):
    """The four plots in a grid, with a free cell bottom right (set_corner) for the tab."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loss_plot = _plot("Training loss per batch", "loss (cross-entropy, nats)",
                               "The loss of every training batch (faint) and its moving average.")  # fmt: skip
        self.lr_plot = _plot("Learning rate", "", "The learning rate the schedule gave each batch.", DecimalAxis("left"))
        self.epoch_loss_plot = _plot("Loss per epoch", "loss (cross-entropy, nats)",
                                     "Mean training loss over each epoch, and the loss on the test images after it.")  # fmt: skip
        self.accuracy_plot = _plot("Accuracy per epoch", "accuracy (%)",
                                   "Share of training images read right during each epoch, and of test images after it.")  # fmt: skip
        self.lr_plot.getPlotItem().getAxis("left").setWidth(56)  # room for "0.00025", which the default width cuts off
        for widget, name in zip(self.widgets, ("loss-per-batch", "learning-rate", "loss-per-epoch", "accuracy-per-epoch")):
            install_plot_menu(widget, name, csv=widget.getPlotItem(), reset=lambda w=widget: self.reset_view(w))
        self._make_curves()
        self.plot_updates = 0  # how many times the curves were redrawn (tests, benchmark)
        self._drawn = (-1, -1)  # batches and epochs on the plots
        self._y_tops: dict[pg.PlotWidget, float] = {}  # the per-batch plots' y range tops
        self._span = self._epochs = 1
        self.previous: RunCurves | None = None
        self._previous_in_legend = False
        self.overlays: list[tuple[pg.PlotWidget, pg.PlotDataItem]] = []  # recorded runs the user checked
        self._overlay_legend: list[tuple[str, str, bool]] = []
        self._overlay_curves: list[RunCurves] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(8)
        train_test = [(TRAIN_COLOUR, "train", False), (TEST_COLOUR, "test", False)]
        legends = {self.loss_plot: [(TRAIN_COLOUR, "each batch", False), (TRAIN_COLOUR, "smoothed", False)],
                   self.lr_plot: [(LR_COLOUR, "this run", False)], self.epoch_loss_plot: train_test,
                   self.accuracy_plot: list(train_test)}  # fmt: skip
        for widget, cell in zip(self.widgets, ((0, 0, 1, 2), (0, 2), (1, 0), (1, 1))):
            self._grid.addWidget(_with_legend(widget, legends[widget]), *cell)
        for column, stretch in enumerate((5, 5, 6)):
            self._grid.setColumnStretch(column, stretch)

    @property
    def widgets(self) -> tuple[pg.PlotWidget, ...]:
        return self.loss_plot, self.lr_plot, self.epoch_loss_plot, self.accuracy_plot

    def set_corner(self, widget: QWidget) -> None:
        self._grid.addWidget(widget, 1, 2)

    def _make_curves(self) -> None:
        lp, lr, el, ac = (w.getPlotItem() for w in self.widgets)
        faint = lambda colour: _pen(colour, 1.5, PREVIOUS_ALPHA, dashed=True)  # noqa: E731
        # Faint previous-run curves first, so that the current ones draw on top.
        self.prev_loss, self.prev_lr = lp.plot(pen=faint(TRAIN_COLOUR)), lr.plot(pen=faint(LR_COLOUR))
        self.prev_epoch_train, self.prev_epoch_test = el.plot(pen=faint(TRAIN_COLOUR)), el.plot(pen=faint(TEST_COLOUR))
        self.prev_acc_train, self.prev_acc_test = ac.plot(pen=faint(TRAIN_COLOUR)), ac.plot(pen=faint(TEST_COLOUR))
        # The densest curve, redrawn most often: no antialiasing (it is faint and thin anyway).
        self.raw_loss = lp.plot(pen=_pen(TRAIN_COLOUR, 1, RAW_ALPHA), antialias=False)
        self.raw_loss.setClipToView(True)
        self.raw_loss.setDownsampling(auto=True, method="peak")
        self.smooth_loss = lp.plot(pen=_pen(TRAIN_COLOUR, 2.2))
        self.lr_curve = lr.plot(pen=_pen(LR_COLOUR, 2))
        marker = lambda colour: dict(pen=_pen(colour, 2), symbol="o", symbolSize=7, symbolBrush=colour, symbolPen=None)  # noqa: E731
        self.epoch_train, self.epoch_test = el.plot(**marker(TRAIN_COLOUR)), el.plot(**marker(TEST_COLOUR))
        self.acc_train, self.acc_test = ac.plot(**marker(TRAIN_COLOUR)), ac.plot(**marker(TEST_COLOUR))
        self.acc_mine = ac.plot(**marker(MY_DIGITS_COLOUR))

    def begin(self, epochs: int, peak_lr: float, previous: RunCurves | None) -> None:
        """A new run of epochs is starting; previous (if any) is shown faint beside it."""
        self.previous = previous
        self._epochs = epochs
        self._span = self._wanted_span()
        self._y_tops = {self.loss_plot: UNTRAINED_LOSS, self.lr_plot: peak_lr}
        for widget in self.widgets:
            self.reset_view(widget)
        self._draw_previous()
        self._drawn = (-1, -1)

    def reset_view(self, widget: pg.PlotWidget) -> None:
        """The run's whole span in x; the per-batch plots from 0 to a round top, the epoch plots
        fitted to their points."""
        item = widget.getPlotItem()
        # Epoch markers sit on whole epochs, the last one on the edge: give them room.
        item.setXRange(0, self._span, padding=0.02 if widget in (self.loss_plot, self.lr_plot) else 0.05)
        if widget in self._y_tops:
            item.setYRange(0, self._y_tops[widget], padding=0.02)
        else:
            item.enableAutoRange(axis="y")

    def draw(self, c: RunCurves) -> None:
        """setData on the items whose data grew: the per-batch curves on every tick with news,
        the per-epoch ones only when an epoch ended (so their plots are not repainted for nothing)."""
        if c.batches.n != self._drawn[0]:
            x = c.batch("x_epochs")
            self.raw_loss.setData(x, c.batch("batch_loss"))
            self.smooth_loss.setData(x, c.batch("smoothed_loss"))
            self.lr_curve.setData(x, c.batch("learning_rate"))
            if c.batches.n:
                self._fit_y(self.loss_plot, float(c.batch("batch_loss").max()))
                self._fit_y(self.lr_plot, float(c.batch("learning_rate").max()))
        if c.epochs.n != self._drawn[1]:
            ex = c.epoch("epoch")
            self.epoch_train.setData(ex, c.epoch("train_loss"))
            self.epoch_test.setData(ex, c.epoch("test_loss"))
            self.acc_train.setData(ex, 100 * c.epoch("train_accuracy"))
            self.acc_test.setData(ex, 100 * c.epoch("test_accuracy"))
            self._draw_my_digits(ex, c.epoch("my_digits_accuracy"))
        self._drawn = (c.batches.n, c.epochs.n)
        self.plot_updates += 1

    def _draw_my_digits(self, ex: np.ndarray, accuracy: np.ndarray) -> None:
        measured = np.isfinite(accuracy)  # NaN: the run did not mix My digits in
        self.acc_mine.setData(ex[measured], 100 * accuracy[measured])
        entry = (MY_DIGITS_COLOUR, "my digits (held out)", False)
        if measured.any() and entry not in self.accuracy_plot.legend_entries:
            self.accuracy_plot.legend_entries.append(entry)
            self._update_legends()

    def _fit_y(self, widget: pg.PlotWidget, top: float) -> None:
        """The per-batch plots run from 0 to a round number above this run's curve, which changes
        rarely: unlike auto-range, this does not re-layout the axis on every update. The previous
        run and the overlays may run off the top: the run under way is what the plot is for."""
        top = nice_ceiling(top * 1.05)  # a little headroom: a peak never sits on the frame
        if self._y_tops.get(widget) != top:
            self._y_tops[widget] = top
            widget.getPlotItem().setYRange(0, top, padding=0.02)

    def _draw_previous(self) -> None:
        p = self.previous or RunCurves()
        if not p.empty and not self._previous_in_legend:
            # Named only once there is one, so that a first run's legends hold only what is drawn.
            for widget in self.widgets:
                widget.legend_entries.append((MUTED, "previous run", True))
            self._previous_in_legend = True
            self._update_legends()
        x = p.batch("x_epochs")
        self.prev_loss.setData(x, p.batch("smoothed_loss"))
        self.prev_lr.setData(x, p.batch("learning_rate"))
        ex = p.epoch("epoch")
        self.prev_epoch_train.setData(ex, p.epoch("train_loss"))
        self.prev_epoch_test.setData(ex, p.epoch("test_loss"))
        self.prev_acc_train.setData(ex, 100 * p.epoch("train_accuracy"))
        self.prev_acc_test.setData(ex, 100 * p.epoch("test_accuracy"))

    def set_overlays(self, runs: list[tuple[str, str, RunCurves]]) -> None:
        """Recorded runs, as (name, colour, curves), drawn over the plots in their colour (the
        smoothed loss, the rate, the test loss and accuracy) and named in every legend; [] clears."""
        for widget, item in self.overlays:
            widget.getPlotItem().removeItem(item)
        self.overlays = []
        for name, colour, c in runs:
            x, ex = c.batch("x_epochs"), c.epoch("epoch")
            line, dots = _pen(colour, 1.6), dict(symbol="o", symbolSize=5, symbolBrush=colour, symbolPen=None)
            for widget, xs, ys, extra in ((self.loss_plot, x, c.batch("smoothed_loss"), {}),
                                          (self.lr_plot, x, c.batch("learning_rate"), {}),
                                          (self.epoch_loss_plot, ex, c.epoch("test_loss"), dots),
                                          (self.accuracy_plot, ex, 100 * c.epoch("test_accuracy"), dots)):  # fmt: skip
                self.overlays.append((widget, widget.getPlotItem().plot(xs, ys, pen=line, **extra)))
        self._overlay_legend = [(colour, name, False) for name, colour, _ in runs]
        self._overlay_curves = [c for _, _, c in runs]
        self._update_legends()
        span = self._wanted_span()
        if span != self._span:
            self._span = span
            for widget in self.widgets:
                self.reset_view(widget)

    def _wanted_span(self) -> int:
        """Epochs the x axes show: this run's, or more when an overlaid or previous run had more."""
        return max([self._epochs, _last_epoch(self.previous)] + [_last_epoch(c) for c in self._overlay_curves])

    def _update_legends(self) -> None:
        for widget in self.widgets:
            widget.legend.setText(_legend_text(widget.legend_entries + self._overlay_legend))


def _last_epoch(curves: RunCurves | None) -> int:
    return int(curves.epoch("epoch").max()) if curves is not None and curves.epochs.n else 0
