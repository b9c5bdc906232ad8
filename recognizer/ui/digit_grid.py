"""Grids of digit thumbnails with captions, and the digit images they are made of.

A DigitGrid is a QListView in icon mode over a model that renders a digit's QPixmap only when the
view paints it (and keeps the last few thousand in a cache), so a grid of all 60,000 training
digits opens at once and scrolls smoothly.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QApplication, QListView, QSizePolicy

from ..network.dims import ROWS
from . import theme

THUMB = 56  # thumbnail side in pixels: 2x the 28x28 digit, nearest-neighbour
PIXMAP_CACHE = 4000
DigitRole = Qt.UserRole + 1  # the digit's index in its dataset


def _ink_colour_table() -> list[int]:
    """256 colours from the app's paper (no ink) to its ink (full ink), as the canvas shows digits."""
    paper, ink = QColor(theme.PAPER), QColor(theme.INK)
    table = []
    for v in range(256):
        t = v / 255.0
        r = round(paper.red() + (ink.red() - paper.red()) * t)
        g = round(paper.green() + (ink.green() - paper.green()) * t)
        b = round(paper.blue() + (ink.blue() - paper.blue()) * t)
        table.append(QColor(r, g, b).rgb())
    return table


_TABLE: list[int] | None = None


def digit_image(image28: np.ndarray, size: int = THUMB) -> QImage:
    """A digit (uint8 ink 0..255, or floats in [0, 1]) as a QImage, ink light on paper, scaled to
    size x size with crisp pixels (size 0: as it is)."""
    global _TABLE
    if _TABLE is None:
        _TABLE = _ink_colour_table()
    a = np.asarray(image28)
    if a.dtype != np.uint8:
        a = np.clip(np.rint(a.astype(np.float32) * 255.0), 0, 255).astype(np.uint8)
    a = np.ascontiguousarray(a)
    h, w = a.shape
    image = QImage(a.data, w, h, w, QImage.Format_Indexed8)
    image.setColorTable(_TABLE)
    image = image.copy()  # own the pixels: the numpy buffer may go away
    if size and size != w:
        image = image.scaled(size, size, Qt.IgnoreAspectRatio, Qt.FastTransformation)
    return image


def mosaic(images: np.ndarray, columns: int, scale: int = 1, gap: int = 2) -> QImage:
    """Many (28, 28) digits as tiles of one QImage (rows of `columns`), each on the app's paper and
    separated by `gap` pixels of the panel colour, so every tile's frame shows."""
    global _TABLE
    if _TABLE is None:
        _TABLE = _ink_colour_table()
    n = len(images)
    rows = max(1, -(-n // columns))
    side = ROWS * scale
    cell = side + gap
    height, width = rows * cell - gap, columns * cell - gap
    lut = np.array([[(c >> 16) & 255, (c >> 8) & 255, c & 255] for c in _TABLE], np.uint8)
    panel = QColor(theme.PANEL)
    canvas = np.empty((height, width, 3), np.uint8)
    canvas[:] = (panel.red(), panel.green(), panel.blue())
    for k, img in enumerate(images):
        a = np.asarray(img)
        if a.dtype != np.uint8:
            a = np.clip(np.rint(a * 255.0), 0, 255).astype(np.uint8)
        if scale > 1:
            a = np.kron(a, np.ones((scale, scale), np.uint8))
        r, c = divmod(k, columns)
        canvas[r * cell : r * cell + side, c * cell : c * cell + side] = lut[a]
    canvas = np.ascontiguousarray(canvas)
    return QImage(canvas.data, width, height, 3 * width, QImage.Format_RGB888).copy()


# --- thumbnail grids ----------------------------------------------------------------------------


class DigitListModel(QAbstractListModel):
    """Some digits of one dataset, by index, for a DigitGrid.

    images: the whole dataset (N, 28, 28) uint8; indices: which of them to list, in order;
    text(i) and tooltip(i) give an item's caption and tooltip from its dataset index; mistake(i)
    says whether to draw its caption in the error colour.
    """

    def __init__(self, parent=None, thumb: int = THUMB):
        super().__init__(parent)
        self.thumb = thumb
        self.images: np.ndarray | None = None
        self.indices = np.zeros(0, np.int64)
        self._text: Callable[[int], str] = lambda i: ""
        self._tooltip: Callable[[int], str] = lambda i: ""
        self._mistake: Callable[[int], bool] = lambda i: False
        self._pixmaps: OrderedDict[int, QIcon] = OrderedDict()
        self._error_brush = QBrush(QColor("#f87171"))
        self._text_brush = QBrush(QColor(theme.MUTED_TEXT))
        self.pixmaps_made = 0  # for tests and benchmarks: thumbnails rendered so far

    def set_digits(self, images, indices, text=None, tooltip=None, mistake=None) -> None:
        self.beginResetModel()
        if images is not self.images:
            self._pixmaps.clear()
        self.images = images
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        self._text = text or (lambda i: "")
        self._tooltip = tooltip or (lambda i: "")
        self._mistake = mistake or (lambda i: False)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.indices)

    def digit_at(self, row: int) -> int:
        return int(self.indices[row])

    def icon(self, i: int) -> QIcon:
        """Digit i's thumbnail, rendered on first use and cached (the last PIXMAP_CACHE used)."""
        icon = self._pixmaps.get(i)
        if icon is None:
            pix = QPixmap.fromImage(digit_image(self.images[i], self.thumb))
            icon = QIcon()
            # The same pixmap when selected: Qt would otherwise tint the digit with the highlight.
            for mode in (QIcon.Normal, QIcon.Selected, QIcon.Active):
                icon.addPixmap(pix, mode)
            self.pixmaps_made += 1
            self._pixmaps[i] = icon
            if len(self._pixmaps) > PIXMAP_CACHE:
                self._pixmaps.popitem(last=False)
        else:
            self._pixmaps.move_to_end(i)
        return icon

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.indices):
            return None
        i = int(self.indices[index.row()])
        if role == Qt.DecorationRole:
            return self.icon(i)
        if role == Qt.DisplayRole:
            return self._text(i)
        if role == Qt.ToolTipRole:
            return self._tooltip(i)
        if role == Qt.ForegroundRole:
            return self._error_brush if self._mistake(i) else self._text_brush
        if role == DigitRole:
            return i
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignHCenter | Qt.AlignTop)
        return None


class DigitGrid(QListView):
    """A scrolling grid of digit thumbnails with captions.

    Signals: digit_selected(index in dataset) when the current item changes (click, arrows);
    digit_activated(index in dataset) on double-click or Enter.
    """

    digit_selected = Signal(int)
    digit_activated = Signal(int)

    def __init__(self, parent=None, captions: bool = True, thumb: int = THUMB):
        """thumb: the thumbnails' side in pixels (a multiple of 28 keeps the pixels crisp)."""
        super().__init__(parent)
        self.digits = DigitListModel(self, thumb)
        self.setModel(self.digits)
        self.setViewMode(QListView.IconMode)
        self.setMovement(QListView.Static)
        self.setResizeMode(QListView.Adjust)
        self.setFlow(QListView.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.Batched)
        self.setBatchSize(2000)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setIconSize(QSize(thumb, thumb))
        self.setGridSize(QSize(max(thumb + 14, 78), thumb + (22 if captions else 8)))
        self.setSpacing(2)
        self.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(thumb // 2)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        self.setFont(small)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setStyleSheet(
            f"QListView {{ background: {theme.BACKGROUND}; border: 1px solid {theme.RAISED}; border-radius: 6px; }}"
            f"QListView::item:selected {{ background: {theme.BORDER}; color: {theme.INK}; border: 1px solid {theme.ACCENT}; }}"
        )
        self.selectionModel().currentChanged.connect(self._on_current)
        self.activated.connect(self._on_activated)

    def set_digits(self, images, indices, text=None, tooltip=None, mistake=None) -> None:
        self.digits.set_digits(images, indices, text, tooltip, mistake)
        self.scrollToTop()

    def count(self) -> int:
        return self.digits.rowCount()

    def current_digit(self) -> int | None:
        index = self.currentIndex()
        return self.digits.digit_at(index.row()) if index.isValid() else None

    def select_row(self, row: int) -> None:
        self.setCurrentIndex(self.digits.index(row))

    def item_center(self, row: int) -> QPoint:
        """Where row's thumbnail is, in viewport coordinates (for tests that click)."""
        index = self.digits.index(row)
        for _ in range(200):  # the batched layout places items from the event loop
            self.scrollTo(index)
            rect = self.visualRect(index)
            if rect.isValid() and self.viewport().rect().contains(rect.center()):
                return rect.center()
            QApplication.processEvents()
        return rect.center()

    def _on_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid():
            self.digit_selected.emit(self.digits.digit_at(current.row()))

    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.digit_activated.emit(self.digits.digit_at(index.row()))
