"""A number on Draw & Inspect: the digits of the answer ("2 0 2 6", each with its confidence, "?"
for one turned away), a box around each digit on the canvas with a tag to click, and Tab /
Shift+Tab to move between digits. NumberPanel holds the NumberState (number_state.py) and turns a
drawing into the chosen digit's input; the tab traces and shows that input as it does a single
digit. A drawing of one digit shows none of this.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPen, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QStackedWidget, QToolButton, QWidget

from .. import theme
from .canvas import CANVAS_SIZE
from .number_state import NumberState

TAG_HEIGHT = 18  # pixels: the clickable tag above each box


def whole_input(strokes, pixels: np.ndarray) -> tuple[np.ndarray | None, float | None]:
    """The whole drawing as one input, and its size as a share of the canvas (None: a picture):
    drawn again from the strokes at MNIST's stroke width, whatever the pen and the drawing's size;
    a picture (opened, pasted, dropped) has only pixels."""
    from ...inputs.preprocess import to_mnist  # late: torch, which the window loads after its first paint
    from ...inputs.strokes import render_strokes, strokes_extent

    if strokes:
        return render_strokes(strokes, CANVAS_SIZE), strokes_extent(strokes, CANVAS_SIZE)
    return to_mnist(pixels), None


class NumberStrip(QWidget):
    """The number's digits as buttons, the chosen one checked. Signal chosen(index)."""

    chosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("number_strip")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Ignored)  # never widens the answer
        self.buttons: list[QPushButton] = []
        self.setToolTip("The number, digit by digit: click one (or press Tab) to see how the network read it.")

    def set_items(self, items) -> None:
        while len(self.buttons) > len(items):
            button = self.buttons.pop()
            button.hide()
            button.deleteLater()
        while len(self.buttons) < len(items):
            b = QPushButton(self)  # a tool button elides a second line
            b.setCheckable(True)
            b.setFont(theme.big_font(11))
            b.setFocusPolicy(Qt.NoFocus)  # Tab moves between digits, not between these
            b.clicked.connect(lambda _=False, i=len(self.buttons): self.chosen.emit(i))
            self._layout.insertWidget(len(self.buttons), b)
            self.buttons.append(b)
        for b, item in zip(self.buttons, items):
            b.setText(f"{item.symbol}\n{item.confidence or '–'}")
            b.setToolTip(item.why)
            b.setChecked(item.chosen)


class NumberPanel(QObject):
    """The number on the tab: its strip (in the answer, in place of the confidence line), its boxes
    and tags on the canvas, and Tab / Shift+Tab. Signal chosen_changed(): the views are to follow
    another digit."""

    chosen_changed = Signal()

    def __init__(self, tab, canvas):
        super().__init__(tab)
        self.state = NumberState()
        self.canvas = canvas
        self.strip = NumberStrip()
        self.strip.chosen.connect(self.choose)
        self._stack: QStackedWidget | None = None
        self._read_by = None  # the model in use (a ReadingSession) that made state.reading
        self._tags: list[QToolButton] = []
        canvas.overlay = self._paint_boxes
        canvas.installEventFilter(self)  # the tags follow the canvas's size
        self._shortcuts = [QShortcut(QKeySequence(key), tab, lambda d=delta: self._step(d),
                                     context=Qt.WidgetWithChildrenShortcut)
                           for key, delta in (("Tab", 1), ("Shift+Tab", -1))]  # fmt: skip
        self._sync()

    def in_place_of(self, widget: QWidget) -> QStackedWidget:
        """The strip in `widget`'s place while a number is shown (the chosen digit's confidence is
        on its button), `widget` otherwise: the layout never moves, so neither does the canvas."""
        self._stack = QStackedWidget()
        self._stack.addWidget(widget)
        self._stack.addWidget(self.strip)
        self._stack.setFixedHeight(widget.height())
        self._stack.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        return self._stack

    # --- the reading ---------------------------------------------------------------------------
    def read(self, strokes, pixels: np.ndarray, session) -> tuple[np.ndarray | None, float | None]:
        """Split the drawing (strokes, else the picture's pixels) and read every digit: (input,
        extent) of the digit the views are to follow (the last one drawn), or of the whole
        drawing, exactly as before numbers, when it holds one digit or no model is loaded."""
        from ...inputs.segment import read, split_picture, split_strokes  # late, as whole_input

        groups = (split_strokes(strokes) if strokes else split_picture(pixels)) if session is not None else []
        latest = len(strokes) - 1 if strokes else None
        # The digits not touched since the last reading by this model are not read again.
        before = self.state.reading if session is self._read_by else None
        self._read_by = session
        self.state.set_reading(read(groups, session.read, before) if len(groups) > 1 else None, latest)
        self._sync()
        return self.chosen_input() if self.state.is_number else whole_input(strokes, pixels)

    def clear(self) -> None:
        self.state.set_reading(None)
        self._sync()

    def choose(self, index: int) -> None:
        if self.state.choose(index):
            self._sync()
            self.chosen_changed.emit()

    def keeping(self) -> bool:
        """Before a typed label is kept: the digit it labels becomes the chosen one (number_state's
        to_keep), so that the tab's input is that digit's. Whether the drawing is a number."""
        if not self.state.is_number:
            return False
        index = self.state.to_keep()
        if index != self.state.chosen:
            self.state.choose(index)
            self._sync()
            self.chosen_changed.emit()
        return True

    def kept(self) -> None:
        """The digit was kept: the next typed label is for the next digit."""
        before = self.state.chosen
        self.state.kept()
        if self.state.chosen != before:
            self._sync()
            self.chosen_changed.emit()

    def chosen_input(self):
        """(input, extent) of the chosen digit."""
        group = self.state.digit().group
        return group.image28, group.extent

    def _step(self, delta: int) -> None:
        if self.state.step(delta):
            self._sync()
            self.chosen_changed.emit()

    # --- what it shows -------------------------------------------------------------------------
    def _sync(self) -> None:
        number = self.state.is_number
        self.strip.set_items(self.state.items() if number else [])
        if self._stack is not None:
            self._stack.setCurrentIndex(1 if number else 0)
        for s in self._shortcuts:
            s.setEnabled(number)  # otherwise Tab moves the focus, as anywhere else
        self._place_tags()
        self.canvas.update()

    def _place_tags(self) -> None:
        boxes = self.state.boxes()
        while len(self._tags) > len(boxes):
            tag = self._tags.pop()
            tag.hide()  # at once: deleteLater waits for the event loop
            tag.deleteLater()
        while len(self._tags) < len(boxes):
            tag = QToolButton(self.canvas)
            tag.setObjectName("number_tag")
            tag.setCheckable(True)  # checked: the chosen digit, in the theme's accent colour
            tag.setStyleSheet("QToolButton { padding: 0px; }")  # once: the theme's padding hides the digit
            tag.setFixedSize(TAG_HEIGHT + 4, TAG_HEIGHT)
            tag.setFocusPolicy(Qt.NoFocus)
            tag.setCursor(Qt.PointingHandCursor)
            tag.clicked.connect(lambda _=False, i=len(self._tags): self.choose(i))
            self._tags.append(tag)
        for i, (tag, (box, symbol, chosen)) in enumerate(zip(self._tags, boxes)):
            tag.setText(symbol)
            tag.setToolTip(f"Digit {i + 1}: click to see how the network read it (Tab: the next one).")
            tag.setChecked(chosen)
            rect = self._widget_rect(box)
            tag.move(int(rect.left()), int(max(rect.top() - TAG_HEIGHT - 2, 0)))
            tag.show()

    def _widget_rect(self, box) -> QRectF:
        """A digit's box (its strokes' centre lines) around its ink as painted: half the pen wider."""
        x0, y0, x1, y1 = box
        ink = self.canvas.pen_width / 2
        return QRectF(self.canvas.to_widget(QPointF(x0 - ink, y0 - ink)),
                      self.canvas.to_widget(QPointF(x1 + ink, y1 + ink))).adjusted(-3, -3, 3, 3)

    def _paint_boxes(self, painter: QPainter) -> None:
        """The canvas's overlay: a box around each digit, the chosen one in the accent colour."""
        painter.setRenderHint(QPainter.Antialiasing)
        for box, _, chosen in self.state.boxes():
            colour = QColor(theme.ACCENT if chosen else theme.MUTED_TEXT)
            painter.setPen(QPen(colour, 2 if chosen else 1, Qt.SolidLine if chosen else Qt.DashLine))
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(self._widget_rect(box), 4, 4)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.canvas and event.type() == QEvent.Resize:
            self._place_tags()
        return False
