"""Compare in Draw & Inspect: a second model reads the same drawing. Both answers, each model's
probability of its own answer row by row (A solid, B dashed) with the row where each made up its
mind, and the last layer's h of both, units x rows, side by side. What it says is in
compare_state.py; this module only shows it.

The tab puts `toggle` (the Compare switch) beside its player and the panel in its right column;
while Compare is on the panel, with its model chooser on top, takes the place of the widgets it
was given (the tab's probability lines and heatmap).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...errors import RecognizerError
from ...files.model_catalog import ModelCatalog
from ...network.dims import ROWS
from .. import theme
from ..colormaps import diverging
from ..dialogs import DIALOGS
from ..model_chooser import ModelChooser
from ..plot_menu import install_plot_menu
from ..plots import ROW_AXIS, ROW_X, frame_probability_rows, plot_widget
from ..widgets import TextLine, group_box
from .compare_state import A, B, CompareState
from .state import InspectState

COLOURS = {A: theme.SELECTION, B: theme.ACCENT_SOFT}
STYLES = {A: Qt.SolidLine, B: Qt.DashLine}
ANSWER_AXIS = "P(its answer)"


class _AnswerBlock(QWidget):
    """One model's answer: the big digit beside its name, how sure, and when it made up its mind."""

    def __init__(self, which: str):
        super().__init__()
        self.title = TextLine(muted=True)
        self.digit = QLabel("")
        self.digit.setFont(theme.big_font(30))
        self.digit.setAlignment(Qt.AlignCenter)
        self.digit.setFixedSize(self.digit.fontMetrics().horizontalAdvance("8") + 20, self.digit.fontMetrics().height())
        self.digit.setStyleSheet(f"color: {COLOURS[which]}")
        self.confidence = TextLine(font=theme.big_font(11))
        self.decided = TextLine(muted=True)
        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(self.title)
        text.addWidget(self.confidence)
        text.addWidget(self.decided)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.digit)
        layout.addLayout(text, 1)


class ComparePanel(QWidget):
    """Compare for Draw & Inspect's state (B is read and judged as A is: by a ReadingSession of its
    own); replaces: the widgets the panel stands in for while Compare is on."""

    def __init__(self, main: InspectState, replaces: tuple[QWidget, ...] = (), catalog: ModelCatalog | None = None):
        super().__init__()
        self.state = CompareState(main)
        self.catalog = catalog or ModelCatalog()
        self._replaces = replaces
        self._path_b: Path | None = None
        self._path_a: Path | None = None
        self._row = ROWS - 1

        self.toggle = QCheckBox("Compare")
        self.toggle.setToolTip("Let a second model read the same drawing: both answers, their probability lines and h side by side.")
        self.toggle.setFocusPolicy(Qt.TabFocus)  # Space and the arrows stay with the animation
        self.toggle.toggled.connect(self.set_active)
        self.chooser = ModelChooser("The model to compare with (B). The model in use is A (Models menu).", 12)
        self.chooser.activated.connect(self._on_chosen)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("B is"))
        bar.addWidget(self.chooser, 1)

        self.answers = {A: _AnswerBlock(A), B: _AnswerBlock(B)}
        answers = QVBoxLayout()
        answers.setSpacing(2)
        answers.addWidget(self.answers[A])
        answers.addWidget(self.answers[B])
        self.summary = TextLine(lines=2)
        self.summary.setToolTip("How the two readings compare: the answers, and which settled on its answer first.")

        self.lines = plot_widget(ROW_AXIS, ANSWER_AXIS)
        item = self.lines.getPlotItem()
        frame_probability_rows(item)
        item.getAxis("left").setLabel(ANSWER_AXIS)
        legend = item.addLegend(offset=(8, 8), labelTextColor=theme.TEXT, labelTextSize="8pt")
        self.curves, self.decided_lines = {}, {}
        for which in (A, B):
            pen = pg.mkPen(COLOURS[which], width=2.5, style=STYLES[which])
            self.curves[which] = item.plot([], [], pen=pen, name=which.upper())
            self.decided_lines[which] = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(COLOURS[which], width=1, style=Qt.DotLine))
            item.addItem(self.decided_lines[which])
        self.legend = legend
        self.cursor = pg.InfiniteLine(pos=ROWS, angle=90, movable=False, pen=pg.mkPen(theme.TEXT, width=1))
        item.addItem(self.cursor)
        self.lines.setToolTip("Each model's probability of the answer it ends up giving, after each row (A solid, B dashed).\n"
                              "The dotted lines mark the row from which each answer led to the end.")  # fmt: skip

        self.heatmaps, self.images = {}, {}
        maps = QHBoxLayout()
        for which in (A, B):
            plot = plot_widget("row", "unit")
            image = pg.ImageItem()
            image.setColorMap(diverging())
            image.setLevels((-1.0, 1.0))
            plot.getPlotItem().addItem(image)
            plot.getPlotItem().invertY(True)
            plot.setToolTip(f"h of model {which.upper()}'s last layer: every unit (down) after every row (across), blue −1, red +1.")
            self.heatmaps[which], self.images[which] = plot, image
            maps.addWidget(plot, 1)
        self.row_line = TextLine(muted=True)

        box, layout = group_box("Two models, one drawing", "Model A (the one in use) and model B read the same input.")
        layout.addLayout(bar)
        layout.addLayout(answers)
        layout.addWidget(self.summary)
        layout.addWidget(self.lines, 3)
        layout.addLayout(maps, 4)
        layout.addWidget(self.row_line)
        outer = QGridLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(box)
        for view, name, csv in ((self.lines, "compare-probability", self.lines), (self.heatmaps[A], "compare-h-a", None),
                                (self.heatmaps[B], "compare-h-b", None)):  # fmt: skip
            install_plot_menu(view, name, csv=None if csv is None else csv.getPlotItem())
        self.setVisible(False)
        self.refresh()

    # --- public API -------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.state.active

    def set_model_a(self, session) -> None:
        """The model in use changed (a reading.ReadingSession, or None)."""
        self._path_a = None if session is None else session.path
        self.state.set_model_a(*((session.name, session.describe()) if session is not None else ("", "")))
        self.refresh()

    def set_active(self, on: bool) -> None:
        if self.toggle.isChecked() != bool(on):
            self.toggle.setChecked(bool(on))  # -> toggled -> here again
            return
        if on:
            self._fill_chooser()
            if self._path_b is None and self.chooser.count():
                self._on_chosen(self._first_other_model())
        self.state.set_active(on)
        for widget in self._replaces:
            widget.setVisible(not on)
        self.setVisible(on)
        self.refresh()

    def choose_model(self, path: str | Path) -> bool:
        """Compare with this model file; a dialog says why not, and the previous B stays."""
        from ...reading import ReadingSession  # late: torch

        try:
            session = ReadingSession.load(path)
        except RecognizerError as e:
            DIALOGS.show_message(self, "warning", "Cannot compare with this model", str(e))
            self.chooser.select(self._path_b)
            return False
        self._path_b = Path(path)
        self.state.set_model_b(session)
        self.chooser.select(self._path_b)
        self.refresh()
        return True

    def follow_trace(self, *_) -> None:
        """A's input or model changed: B reads it too (while Compare is off, nothing to do)."""
        if self.state.active:
            self.state.follow()
            self.refresh()

    def set_row(self, row: int) -> None:
        self._row = int(row)
        if self.state.ready:
            self.cursor.setValue(self._row + 1)
            self.row_line.setText(self.state.row_text(self._row))

    # --- showing the state ------------------------------------------------------------------
    def refresh(self) -> None:
        state = self.state
        for which, block in self.answers.items():
            answer = state.answer(which)
            block.title.setText(state.title(which))
            block.digit.setText(answer.digit)
            block.confidence.setText(answer.confidence)
            block.decided.setText(state.decided_text(which) or answer.hint)
            line, hidden = state.answer_line(which), state.hidden(which)
            self.curves[which].setData(ROW_X if line is not None else [], line if line is not None else [])
            row = state.decided_row(which)
            self.decided_lines[which].setVisible(row is not None)
            if row is not None:
                self.decided_lines[which].setValue(row + 1)
            image = self.images[which]
            if hidden is None:
                image.clear()
            else:
                image.setImage(np.asarray(hidden, np.float32), levels=(-1.0, 1.0), autoLevels=False)
                image.setRect(QRectF(0.5, -0.5, ROWS, hidden.shape[1]))
                self.heatmaps[which].getPlotItem().setRange(xRange=(0.5, ROWS + 0.5), yRange=(-0.5, hidden.shape[1] - 0.5), padding=0)
            self.heatmaps[which].getPlotItem().setTitle(state.hidden_title(which), color=theme.MUTED_TEXT, size="8pt")
        self.summary.setText(state.summary())
        self.cursor.setVisible(state.ready and state.trace(A) is not None)
        self.set_row(self._row)

    def _fill_chooser(self) -> None:
        self.chooser.fill(self.catalog, self._path_b)

    def _first_other_model(self) -> int:
        a = None if self._path_a is None else str(self._path_a)
        return next((i for i in range(self.chooser.count()) if self.chooser.itemData(i) != a), 0)

    def _on_chosen(self, index: int) -> None:
        path = self.chooser.itemData(index)
        if path:
            self.choose_model(path)
