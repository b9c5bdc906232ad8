"""The Confusion matrix page: the test set's matrix, precision and recall per digit, and the
digits of the selected cell."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...network.dims import CLASSES
from .. import theme
from ..confusion_view import ConfusionMatrixView
from ..digit_grid import DigitGrid
from ..widgets import caption_label, group_box, muted_label
from .state import EvaluateState

TABLE_ROW_PX = 19
HEADER_TIPS = (
    ("digit", "The digit."),
    ("test digits", "How many test digits have this label."),
    ("correct", "How many of them the model reads correctly."),
    ("precision", "Precision: of all the digits the model calls this, the share that really are."),
    ("recall", "Recall: of all the digits that really are this, the share the model finds."),
)


class MatrixPage(QWidget):
    """show_digit("test", i) when a listed digit is clicked; inspect_digit("test", i) to inspect it."""

    show_digit = Signal(str, int)
    inspect_digit = Signal(str, int)

    def __init__(self, state: EvaluateState, parent=None):
        super().__init__(parent)
        self.state = state
        self.view = ConfusionMatrixView()
        self.view.cell_clicked.connect(self.select_cell)
        matrix_box, matrix_layout = group_box("Confusion matrix (test set)", self.view.toolTip())
        matrix_layout.addWidget(self.view)

        self.table = _precision_recall_table()
        table_box, table_layout = group_box("Precision and recall per digit", self.table.toolTip())
        table_layout.addWidget(self.table)

        self.grid = DigitGrid()
        self.grid.setToolTip("The test digits in the selected cell. Click one to explain it on the map and\n"
                             "saliency pages; double-click it to watch the network read it.")  # fmt: skip
        self.grid.digit_selected.connect(lambda i: self.show_digit.emit("test", i))
        self.grid.digit_activated.connect(lambda i: self.inspect_digit.emit("test", i))
        self.hint = muted_label(wrap=True)
        self.inspect_button = QPushButton("Inspect")
        self.inspect_button.setToolTip("Open the selected digit in Draw & Inspect and watch the network read it.")
        self.inspect_button.clicked.connect(self._inspect_selected)
        self.cell_box, cell_layout = group_box("Digits in the selected cell", self.grid.toolTip())
        cell_layout.addWidget(self.grid, 1)
        row = QHBoxLayout()
        row.addWidget(self.hint, 1)
        row.addWidget(self.inspect_button)
        cell_layout.addLayout(row)

        right = QVBoxLayout()
        right.setSpacing(8)
        right.addWidget(table_box)
        right.addWidget(self.cell_box, 1)
        body = QHBoxLayout()
        body.setSpacing(10)
        body.addWidget(matrix_box, 11)
        body.addLayout(right, 10)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.addWidget(caption_label(
            "Rows are the true digit, columns the network's answer: the diagonal counts the digits read "
            "correctly and every other cell is one kind of mistake (colours on a log scale, so a single "
            "mistake shows). Click a cell to see its digits."
        ))  # fmt: skip
        layout.addLayout(body, 1)

    def select_cell(self, true: int, predicted: int) -> None:
        """List one cell's digits and explain the first of them (as a click on the cell does)."""
        self.state.select_cell(true, predicted)
        self._show_cell()
        if self.grid.count():
            self.grid.select_row(0)

    def refresh(self) -> None:
        """Redraw from the state (after an evaluation or a model switch). The cell the state opened
        is listed without making its first digit the current one: that stays the digit from Draw &
        Inspect, or one the user picked."""
        result = self.state.result
        self.view.set_matrix(None if result is None else result.evaluation.confusion)
        worst = self.state.worst_precision_recall()
        for d, values in enumerate(self.state.table_rows()):
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignCenter)
                if worst is not None and (c, d) in ((3, worst[0]), (4, worst[1])):
                    item.setForeground(QColor("#f87171"))
                    item.setToolTip("The lowest in this column.")
                self.table.setItem(d, c, item)
        self._show_cell()
        if self.grid.count():
            self.grid.blockSignals(True)
            self.grid.select_row(0)
            self.grid.blockSignals(False)

    def _show_cell(self) -> None:
        state = self.state
        self.view.select(state.cell)
        images = None if state.data is None or state.result is None else state.data.test_images
        self.grid.set_digits(images, state.cell_indices, lambda i: state.thumb_text("test", i, short=True),
                             lambda i: state.digit_caption("test", i), lambda i: state.is_mistake("test", i))  # fmt: skip
        self.cell_box.setTitle(state.cell_title())
        self.hint.setText(state.cell_hint())

    def _inspect_selected(self) -> None:
        i = self.grid.current_digit()
        if i is not None:
            self.inspect_digit.emit("test", i)


def _precision_recall_table() -> QTableWidget:
    table = QTableWidget(CLASSES, len(HEADER_TIPS))
    table.setHorizontalHeaderLabels([name for name, _ in HEADER_TIPS])
    for c, (_, tip) in enumerate(HEADER_TIPS):
        table.horizontalHeaderItem(c).setToolTip(tip)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
    table.verticalHeader().setDefaultSectionSize(TABLE_ROW_PX)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.NoSelection)
    table.setFocusPolicy(Qt.NoFocus)
    table.setToolTip(
        "Per digit: precision (of the digits called this, how many are) and recall (of the digits\n"
        "that are this, how many the model finds). The lowest of each is marked in red."
    )
    table.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    table.setFixedHeight(TABLE_ROW_PX * CLASSES + table.horizontalHeader().sizeHint().height() + 8)
    table.setStyleSheet(f"QTableWidget {{ background: {theme.PANEL}; gridline-color: {theme.RAISED}; border: none; }}"
                        f"QHeaderView::section {{ background: {theme.RAISED}; color: {theme.TEXT}; border: none; padding: 3px; }}")  # fmt: skip
    return table
