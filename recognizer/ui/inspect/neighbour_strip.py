"""The strip under Draw & Inspect's bars: the training digits whose memory after the current row
is nearest to the drawing's (issue 26). Its words and choices live in NeighbourState
(neighbour_state.py); the index is looked up in the cache, or built on request, on a job runner of
its own, so the tab never waits for it. A click on a thumbnail opens that digit in the tab."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHBoxLayout, QMenu, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ...evaluation.neighbours import cached_index, index_for
from .. import theme
from ..digit_grid import digit_image
from ..jobs import JobRunner
from ..widgets import TextLine
from .neighbour_state import BUILDING, Neighbour, NeighbourState

CAPTION_PX = 14  # the label under each thumbnail


def _build(tracer, ctx):
    # imported here: the data dialog is not needed until a build, and its cache is looked up then
    from ...datasets.mnist import load_mnist
    from ..data_dialog import cached_mnist, data_folder

    data = cached_mnist() or load_mnist(data_folder()[0], download=False)
    progress = lambda done, total: ctx.report((done, total))  # noqa: E731
    index, _ = index_for(tracer, data.train_images, data.train_labels, progress=progress, should_stop=ctx.should_stop)
    return index


class NeighbourThumbs(QWidget):
    """k thumbnails in a row with their labels; clicked(Neighbour) on a left click, and from the
    context menu clicked or compare_requested(Neighbour)."""

    clicked = Signal(object)
    compare_requested = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("neighbourThumbs")
        self.setWhatsThis("The training digits whose memory after this row is nearest to your drawing's, "
                          "nearest first, each with its true label. Click one to watch the network read it.")  # fmt: skip
        self.setToolTip("Click a digit to open it in Draw & Inspect; right-click to open it in Compare.")
        self.setCursor(Qt.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.neighbours: list[Neighbour] = []
        self._images = []

    def sizeHint(self) -> QSize:
        return QSize(8 * 34, 28 + CAPTION_PX)

    def minimumSizeHint(self) -> QSize:
        return QSize(8 * 20, 20 + CAPTION_PX)

    def set_neighbours(self, found: list[Neighbour]) -> None:
        self.neighbours = found
        self._images = [digit_image(n.image, 0) for n in found]
        self.update()

    def cell(self, i: int) -> QRect:
        """The i-th thumbnail's square (its label below it)."""
        count = max(len(self.neighbours), 1)
        pitch = self.width() / count
        side = int(max(8, min(pitch - 4, self.height() - CAPTION_PX - 2)))
        left = int(i * pitch + (pitch - side) / 2)
        return QRect(left, 0, side, side)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setPen(QColor(theme.MUTED_TEXT))
        for i, (n, image) in enumerate(zip(self.neighbours, self._images)):
            r = self.cell(i)
            painter.drawImage(r, image)
            painter.drawText(QRect(r.left() - 4, r.bottom() + 1, r.width() + 8, CAPTION_PX), Qt.AlignCenter, str(n.label))

    def at(self, x: float, y: float) -> Neighbour | None:
        for i, n in enumerate(self.neighbours):
            r = self.cell(i)
            if r.left() <= x <= r.right() and y <= r.bottom() + CAPTION_PX:
                return n
        return None

    def mousePressEvent(self, event) -> None:
        found = self.at(event.position().x(), event.position().y()) if event.button() == Qt.LeftButton else None
        if found is not None:
            self.clicked.emit(found)
        else:
            super().mousePressEvent(event)

    def menu_for(self, neighbour: Neighbour) -> QMenu:
        menu = QMenu(self)
        menu.addAction("Open in Draw && Inspect", lambda: self.clicked.emit(neighbour))
        menu.addAction("Open in Compare (two models read it)", lambda: self.compare_requested.emit(neighbour))
        return menu

    def contextMenuEvent(self, event) -> None:
        found = self.at(event.pos().x(), event.pos().y())
        if found is not None:
            self.menu_for(found).exec(event.globalPos())


class NeighbourStrip(QWidget):
    """Follows the tab: its traces (and with them its model) and its row."""

    def __init__(self, tab, parent=None):
        super().__init__(parent)
        self.setObjectName("neighbourStrip")
        self.setWhatsThis("After each row the network's memory is a list of numbers. These are the training "
                          "digits whose memory after the same row is closest to yours: early on they may be "
                          "several different digits, near the end mostly the one it answers.")  # fmt: skip
        self.tab = tab
        self.state = NeighbourState()
        self.runner = JobRunner("neighbours", parent=self)
        self.state.slot.runner = self.runner
        self._tracer = None
        self.status = TextLine("", muted=True)  # one line, elided: the window must fit 1024 x 700
        self.status.setObjectName("neighbourStatus")
        self.status.setWhatsThis("What the strip shows, or how far building its index has come.")
        self.build_button = QPushButton("Find them")
        self.build_button.setObjectName("neighbourBuild")
        self.build_button.setToolTip("Read up to 10,000 training digits once for this model (about 10 s, in the "
                                     "background) and keep the result on disk.")  # fmt: skip
        self.build_button.setWhatsThis(self.build_button.toolTip())
        self.build_button.clicked.connect(self.build)
        self.progress = QProgressBar()
        self.progress.setObjectName("neighbourProgress")
        self.progress.setWhatsThis("How many of the sampled training digits have been read.")
        self.progress.setMaximumHeight(10)
        self.progress.setTextVisible(False)
        self.thumbs = NeighbourThumbs()
        self.thumbs.clicked.connect(self.open_digit)
        self.thumbs.compare_requested.connect(self.compare_digit)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.build_button, 0, Qt.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.thumbs, 1)
        tab.trace_changed.connect(self._on_trace)
        self.refresh()

    def set_row(self, slider_value: int) -> None:
        """The tab's row slider moved (1-based)."""
        self.state.set_row(slider_value - 1)
        self.refresh()

    def build(self) -> None:
        if self._tracer is None or not self.state.start_building():
            return
        tracer = self._tracer
        self.state.slot.start(lambda ctx: _build(tracer, ctx), self._on_built, on_progress=self._on_progress,
                              on_error=lambda failure: self._on_failed(failure.message))  # fmt: skip
        self.refresh()

    def open_digit(self, neighbour: Neighbour) -> None:
        self.tab.inspect_image(neighbour.image.astype(np.float32) / 255.0, neighbour.caption)

    def compare_digit(self, neighbour: Neighbour) -> None:
        self.open_digit(neighbour)
        self.tab.compare.set_active(True)

    def shutdown(self) -> None:
        """On closing the window: a build under way stops at its next batch."""
        self.runner.shutdown()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """For tests: True once the lookup or build under way has come back."""
        return self.runner.wait_idle(timeout)

    # --- following the tab ----------------------------------------------------------------------
    def _on_trace(self, trace) -> None:
        tracer = self.tab.state.tracer
        if tracer is not self._tracer:
            self._set_tracer(tracer)
        self.state.set_trace(None if trace is None else trace.layers[-1].h)
        self.state.set_row(self.tab.row)
        self.refresh()

    def _set_tracer(self, tracer) -> None:
        self._tracer = tracer
        self.state.set_model(tracer is not None)
        if tracer is None:
            self.state.slot.invalidate()  # the old model's look-up or build is of no use now
        else:
            self.state.slot.start(lambda ctx: cached_index(tracer), self._on_cached,
                                  on_error=lambda failure: self._on_cached(None))  # fmt: skip

    def _on_cached(self, index) -> None:
        self.state.set_cached(index)
        self.refresh()

    def _on_progress(self, payload) -> None:
        self.state.progress(*payload)
        self.refresh()

    def _on_built(self, index) -> None:
        self.state.built(index)
        self.refresh()

    def _on_failed(self, message: str) -> None:
        self.state.failed(message)
        self.refresh()

    def refresh(self) -> None:
        state = self.state
        found = state.neighbours()
        self.thumbs.set_neighbours(found)
        text = state.status_text(found)
        self.status.setText(text)
        self.status.setToolTip(text)  # the whole sentence where the line elides it
        self.build_button.setVisible(state.can_build)
        self.progress.setVisible(state.phase == BUILDING)
        self.progress.setValue(state.progress_percent())
