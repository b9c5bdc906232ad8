"""The Evaluate tab's pyqtgraph views, each a plain widget fed with numpy arrays: the hidden-state
map, the saliency view and the robustness plots. (The confusion matrix, shared with the Train tab,
is in ui/confusion_view.py.) Right-clicking any of them offers export and reset (ui/plot_menu.py).
"""

from __future__ import annotations

import csv
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsRectItem

from ...network.dims import CLASSES, ROWS
from ...text import format_percent
from .. import theme
from ..colormaps import CLASS_COLOURS
from ..plot_menu import install_plot_menu
from ..plots import DIGIT_TICKS, fixed_axes, frame_digit_plot, plain_axes, set_empty

ROW_AXIS = "row (1–28)"


# --- hidden-state map -----------------------------------------------------------------------------


class HiddenStateMap(pg.PlotWidget):
    """The test set's final hidden states projected onto their first two principal components, one
    colour per true label, and the current digit's path through that plane, row by row.

    point_clicked(index in the test set) when a dot is clicked.
    """

    point_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        item.hideButtons()
        plain_axes(item)  # never "principal component 1 (x1e-06)"
        item.setLabel("bottom", "principal component 1")
        item.setLabel("left", "principal component 2")
        item.showGrid(x=True, y=True, alpha=0.12)
        self.scatters: list[pg.ScatterPlotItem] = []
        for digit in range(CLASSES):
            colour = QColor(CLASS_COLOURS[digit])
            colour.setAlpha(150)
            scatter = pg.ScatterPlotItem(
                size=4, pen=None, brush=pg.mkBrush(colour), pxMode=True, name=str(digit),
                hoverable=True, hoverSize=9, hoverPen=pg.mkPen(theme.INK, width=1),
                tip=self._tip,
            )  # fmt: skip
            scatter.sigClicked.connect(self._on_clicked)
            item.addItem(scatter)
            self.scatters.append(scatter)
        # The legend as one block of text, each coloured dot a character of its own line: it cannot
        # drift away from its label as pyqtgraph's sample items do at tight line spacing.
        lines = [f'<span style="color:{CLASS_COLOURS[d]}; font-size:13pt">●</span>&nbsp;digit {d}' for d in range(CLASSES)]
        self.legend = pg.LabelItem("<br>".join(lines), color=theme.TEXT, size="9pt", justify="left")
        item.layout.addItem(self.legend, 2, 3)
        # The current digit: its whole path faint, the rows read so far bright, a ring at the row.
        self.path_all = pg.PlotDataItem(pen=pg.mkPen(theme.MUTED_TEXT, width=1, style=Qt.DashLine))
        # Amber on a dark outline: among the orange 1s and yellow 5s a bare amber line was lost.
        self.path_halo = pg.PlotDataItem(pen=pg.mkPen(theme.PAPER, width=7))
        self.path_read = pg.PlotDataItem(
            pen=pg.mkPen(theme.ACCENT, width=3), symbol="o", symbolSize=7,
            symbolBrush=pg.mkBrush(theme.ACCENT), symbolPen=pg.mkPen(theme.PAPER, width=1.5),
        )  # fmt: skip
        self.marker = pg.ScatterPlotItem(size=16, pen=pg.mkPen(theme.INK, width=2), brush=pg.mkBrush(theme.ACCENT))
        self.start_label = pg.TextItem("row 1", color=theme.TEXT, anchor=(0.5, -0.35))
        self.row_label = pg.TextItem("", color=theme.INK, anchor=(-0.15, 1.1))
        self.row_label.setFont(theme.big_font(10))
        for it in (self.path_all, self.path_halo, self.path_read, self.marker, self.start_label, self.row_label):
            item.addItem(it)
            it.setZValue(10)
        self.points: np.ndarray | None = None  # (N, 2)
        self.labels: np.ndarray | None = None
        self.path: np.ndarray | None = None  # (28, 2)
        self.row: int | None = None
        self._tip_text: Callable[[int], str] = lambda i: f"test digit #{i}"
        self.setToolTip(
            "Every dot is one test digit: the network's memory (the last hidden state) after reading\n"
            "all 28 rows, flattened to two dimensions with PCA. Dots are coloured by the true digit.\n"
            "The amber path is the current digit's memory after each row; hover a dot to see which\n"
            "digit it is, click it to follow that digit. Drag to pan, wheel to zoom."
        )
        install_plot_menu(self, "hidden-state-map", csv=item, reset=self.reset_view)
        set_empty(item, "Nothing yet: the map appears once the test set is evaluated.")

    def _tip(self, x, y, data) -> str:
        return self._tip_text(int(data))

    def set_tip(self, fn: Callable[[int], str]) -> None:
        self._tip_text = fn

    def set_axis_labels(self, ratios: np.ndarray | None) -> None:
        item = self.getPlotItem()
        if ratios is None:
            item.setLabel("bottom", "principal component 1")
            item.setLabel("left", "principal component 2")
        else:
            item.setLabel("bottom", f"principal component 1 ({format_percent(float(ratios[0]))} of the variance)")
            item.setLabel("left", f"principal component 2 ({format_percent(float(ratios[1]))})")

    def set_points(self, points: np.ndarray | None, labels: np.ndarray | None) -> None:
        self.points, self.labels = points, labels
        set_empty(self.getPlotItem(), "Nothing yet: the map appears once the test set is evaluated." if points is None else None)
        for digit, scatter in enumerate(self.scatters):
            if points is None:
                scatter.setData([], [])
                continue
            idx = np.flatnonzero(labels == digit)
            scatter.setData(x=points[idx, 0], y=points[idx, 1], data=idx)
        self._fit()

    def set_path(self, path: np.ndarray | None, row: int | None = None) -> None:
        self.path = path
        self._fit()
        self.set_row(ROWS - 1 if row is None else row)

    def set_row(self, row: int | None) -> None:
        path = self.path
        self.row = row
        if path is None or row is None:
            for it in (self.path_all, self.path_halo, self.path_read):
                it.setData([], [])
            self.marker.setData([], [])
            self.start_label.setText("")
            self.row_label.setText("")
            return
        row = int(np.clip(row, 0, ROWS - 1))
        self.path_all.setData(path[:, 0], path[:, 1])
        self.path_halo.setData(path[: row + 1, 0], path[: row + 1, 1])
        self.path_read.setData(path[: row + 1, 0], path[: row + 1, 1])
        self.marker.setData([path[row, 0]], [path[row, 1]])
        self.start_label.setText("row 1")
        self.start_label.setPos(float(path[0, 0]), float(path[0, 1]))
        self.row_label.setText(f"row {row + 1}")
        self.row_label.setPos(float(path[row, 0]), float(path[row, 1]))

    def reset_view(self) -> None:
        self._fit()

    def _fit(self) -> None:
        parts = [a for a in (self.points, self.path) if a is not None and len(a)]
        if not parts:
            return
        allp = np.concatenate(parts).astype(np.float64)
        (x0, y0), (x1, y1) = allp.min(axis=0), allp.max(axis=0)
        px, py = (x1 - x0) * 0.05 + 1e-3, (y1 - y0) * 0.05 + 1e-3
        self.getPlotItem().setRange(xRange=(float(x0 - px), float(x1 + px)), yRange=(float(y0 - py), float(y1 + py)),
                                    padding=0)  # fmt: skip

    def _on_clicked(self, scatter, points, ev=None) -> None:
        if len(points):
            self.point_clicked.emit(int(points[0].data()))


# --- saliency -----------------------------------------------------------------------------------


def saliency_colormap() -> pg.ColorMap:
    """Transparent for nothing, then red, orange and pale yellow with growing opacity: laid over the
    grey digit, it shows where the gradient is large without hiding the strokes."""
    return pg.ColorMap(
        pos=np.array([0.0, 0.2, 0.5, 0.8, 1.0]),
        color=np.array(
            [(220, 38, 38, 0), (220, 38, 38, 60), (239, 68, 68, 160), (249, 115, 22, 225), (254, 240, 138, 255)],
            dtype=np.ubyte,
        ),
    )


class SaliencyView(pg.GraphicsLayoutWidget):
    """Left: the 28x28 input in grey with |d logit / d pixel| laid over it (and its colour bar).
    Right: the same summed per row, as bars beside the rows they belong to."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ci.layout.setHorizontalSpacing(14)
        self.image_plot = self.addPlot(row=0, col=0)
        ip = self.image_plot
        fixed_axes(ip, "column (1–28)", ROW_AXIS)
        frame_digit_plot(ip)
        grey = pg.ColorMap(pos=np.array([0.0, 1.0]), color=np.array([(11, 18, 32, 255), (175, 184, 196, 255)], np.ubyte))
        self.base = pg.ImageItem(np.zeros((ROWS, ROWS), np.float32), levels=(0, 1))
        self.base.setColorMap(grey)
        self.base.setRect(QRectF(0.5, 0.5, ROWS, ROWS))
        ip.addItem(self.base)
        self.heat = pg.ImageItem(np.zeros((ROWS, ROWS), np.float32), levels=(0, 1))
        self.heat.setRect(QRectF(0.5, 0.5, ROWS, ROWS))
        ip.addItem(self.heat)
        self.row_box = QGraphicsRectItem()
        self.row_box.setPen(pg.mkPen(theme.ACCENT, width=2))
        self.row_box.setVisible(False)
        ip.addItem(self.row_box)
        self.colour_bar = pg.ColorBarItem(
            values=(0, 1), colorMap=saliency_colormap(), label="|∂ logit / ∂ pixel| (logit per unit of ink)",
            interactive=False, width=14,
        )  # fmt: skip
        self.colour_bar.setImageItem(self.heat)
        plain_axes(self.colour_bar)  # a colour bar is a plot too
        self.addItem(self.colour_bar, row=0, col=1)

        self.bar_plot = self.addPlot(row=0, col=2)
        bp = self.bar_plot
        fixed_axes(bp, "Σ |∂ logit / ∂ pixel| over the row", ROW_AXIS)
        bp.invertY(True)
        bp.setYLink(ip)
        bp.getAxis("left").setTicks(DIGIT_TICKS)
        self.bars = pg.BarGraphItem(x0=np.zeros(ROWS), y=np.arange(1, ROWS + 1), height=0.78, width=np.zeros(ROWS),
                                    brush=pg.mkBrush("#ef4444"), pen=None)  # fmt: skip
        bp.addItem(self.bars)
        self.unread = pg.LinearRegionItem(values=(ROWS + 0.5, ROWS + 0.5), orientation="horizontal", movable=False,
                                          brush=pg.mkBrush(0, 0, 0, 90), pen=pg.mkPen(None))  # fmt: skip
        bp.addItem(self.unread)
        self.ci.layout.setColumnStretchFactor(0, 1)
        self.ci.layout.setColumnStretchFactor(2, 1)
        self.pixels: np.ndarray | None = None
        self.rows: np.ndarray | None = None
        self.setToolTip(
            "Saliency: how strongly each pixel pulls the chosen digit's score (its logit) — the\n"
            "size of the gradient, back-propagated through every row the network has read.\n"
            "Bright means a small change of ink there would change the answer most.\n"
            "The bars add it up row by row; rows not read yet cannot matter and stay empty."
        )
        install_plot_menu(self, "saliency", csv=self.write_csv)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if getattr(self, "image_plot", None) is None:  # a resize while __init__ builds the layout
            return
        # Keep the image plot about square (the image is), so the colour bar sits beside the
        # image and the bars get the rest of the width.
        side = max(120, self.height() - 50)
        self.image_plot.setMaximumWidth(side + 60)
        self.image_plot.setPreferredWidth(side + 60)

    def set_saliency(self, image28: np.ndarray | None, pixels: np.ndarray | None, rows: np.ndarray | None,
                     row: int | None = None) -> None:  # fmt: skip
        self.pixels, self.rows = pixels, rows
        base = np.zeros((ROWS, ROWS), np.float32) if image28 is None else np.asarray(image28, np.float32)
        self.base.setImage(np.ascontiguousarray(base.T), levels=(0, 1), autoLevels=False)
        if pixels is None:
            self.heat.setImage(np.zeros((ROWS, ROWS), np.float32), levels=(0, 1), autoLevels=False)
            self.colour_bar.setLevels((0, 1))
            self.bars.setOpts(width=np.zeros(ROWS), brushes=None)
            self.row_box.setVisible(False)
            return
        top = float(pixels.max())
        top = top if top > 0 else 1.0
        self.heat.setImage(np.ascontiguousarray(pixels.T), levels=(0, top), autoLevels=False)
        self.colour_bar.setLevels((0, top))
        self.set_row(row)

    def write_csv(self, path: str) -> None:
        """Per row: its summed saliency, then the saliency of each of its 28 pixels."""
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["row", "row total"] + [f"column {c}" for c in range(1, ROWS + 1)])
            if self.pixels is not None:
                for r in range(ROWS):
                    writer.writerow([r + 1, f"{self.rows[r]:.6g}"] + [f"{v:.6g}" for v in self.pixels[r]])

    def set_row(self, row: int | None) -> None:
        rows = self.rows
        if rows is None:
            return
        row = ROWS - 1 if row is None else int(row)
        brushes = [pg.mkBrush(theme.ACCENT if r == row else "#ef4444") for r in range(ROWS)]
        self.bars.setOpts(width=rows, brushes=brushes)
        top = float(rows.max()) if rows.max() > 0 else 1.0
        self.bar_plot.setXRange(0, top * 1.08, padding=0)
        self.unread.setRegion((row + 1.5, ROWS + 0.5))
        self.unread.setVisible(row < ROWS - 1)
        self.row_box.setRect(QRectF(0.5, row + 0.5, ROWS, 1))
        self.row_box.setVisible(True)


# --- robustness ---------------------------------------------------------------------------------

CURVE_COLOURS = (theme.ACCENT, theme.SELECTION)


class RobustnessPlot(pg.PlotWidget):
    """Accuracy (%) against the strength of one kind of perturbation; one curve per variant."""

    def __init__(self, x_label: str, parent=None):
        super().__init__(parent)
        item = self.getPlotItem()
        fixed_axes(item, x_label, "accuracy (%)")
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setYRange(-6, 106, padding=0)
        left = item.getAxis("left")
        left.setTicks([[(v, str(v)) for v in range(0, 101, 25)]])
        # Short plots: keep all five labels (pyqtgraph drops some when they fill much of the axis).
        left.setStyle(hideOverlappingLabels=False, textFillLimits=[(0, 0.95)])
        self.legend = item.addLegend(labelTextColor=theme.TEXT, labelTextSize="8pt", brush=pg.mkBrush(17, 24, 39, 215))
        # Bottom centre: the curves start high and fall at the sides, so the middle stays clear.
        # Only plots with two or more curves show it: one curve is named by the axis already.
        self.legend.anchor(itemPos=(0.5, 1), parentPos=(0.5, 1), offset=(0, -8))
        self.legend.setVisible(False)
        self.baseline = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen(theme.MUTED_TEXT, width=1, style=Qt.DashLine))
        self.baseline.setVisible(False)
        item.addItem(self.baseline)
        self.zero = pg.InfiniteLine(pos=0, angle=90, movable=False, pen=pg.mkPen(theme.BORDER, width=1))
        item.addItem(self.zero)
        self.curves: dict[str, pg.PlotDataItem] = {}
        install_plot_menu(self, "robustness", csv=item)
        self.clear_curves()

    def set_curve(self, key: str, name: str, levels: np.ndarray, accuracy: np.ndarray) -> None:
        curve = self.curves.get(key)
        if curve is None:
            colour = CURVE_COLOURS[len(self.curves) % len(CURVE_COLOURS)]
            curve = self.getPlotItem().plot(
                [], [], name=name, pen=pg.mkPen(colour, width=2.5), symbol="o", symbolSize=7,
                symbolBrush=pg.mkBrush(colour), symbolPen=None, connect="finite",
            )  # fmt: skip
            self.curves[key] = curve
            self.legend.setVisible(len(self.curves) > 1)
        done = np.isfinite(accuracy)
        set_empty(self.getPlotItem(), None)
        self.zero.setVisible(True)
        curve.setData(np.asarray(levels)[done], np.asarray(accuracy)[done] * 100.0)
        lo, hi = float(np.min(levels)), float(np.max(levels))
        pad = (hi - lo) * 0.04
        self.getPlotItem().setXRange(lo - pad, hi + pad, padding=0)

    def set_baseline(self, accuracy: float | None) -> None:
        self.baseline.setVisible(accuracy is not None)
        if accuracy is not None:
            self.baseline.setValue(accuracy * 100.0)

    def clear_curves(self) -> None:
        for curve in self.curves.values():
            curve.setData([], [])
        self.baseline.setVisible(False)
        self.zero.setVisible(False)
        set_empty(self.getPlotItem(), "Nothing yet: press Start.")
