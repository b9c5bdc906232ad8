"""The My digits tab: the digits you kept or imported, as a grid by label, with the current
model's answer on each (the misread ones in red), its accuracy on them per digit; filter,
relabel, delete (with undo), import and export folders of images, and double-click to watch one
being read in Draw & Inspect (the window wires that: inspect_requested).

The store is the records file (recognizer/store/my_digits.py); reading it is quick, the model's answers
and the folder imports and exports run on the tab's JobRunner. DigitsState (state.py) holds what
is shown and every sentence.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...errors import RecognizerError, RecordsBusyError
from ...evaluation.accuracy import predict_probabilities
from ...network.dims import CLASSES
from ...store.my_digits import MyDigits
from ...store.my_digits_folders import export_folder
from ...store.my_digits_pen import import_digits
from ...store.records import Records, default_path, left_out
from .. import theme
from ..dialogs import DIALOGS
from ..digit_grid import DigitGrid
from ..jobs import JobFailure, JobRunner
from ..widgets import TextLine, muted_label
from .state import ALL, DigitsState, kept_picture

PEN_FILE_FILTER = "Pen files (*.unp *.unp.gz *.tra *.tra.gz);;All files (*)"


class DigitsTab(QWidget):
    """Signals: inspect_requested(image28, caption, picture) on a double-click (picture: what
    the canvas shows, digits_state.kept_picture); status_message(text);
    default_records_requested() when the user asks to go back to the default records file (the
    window moves every tab there)."""

    inspect_requested = Signal(object, str, object)
    status_message = Signal(str)
    default_records_requested = Signal()

    def __init__(self, db_path: str | Path | None = None, parent=None):
        super().__init__(parent)
        self.db_path = db_path  # None: the user data folder's records file
        self.state = DigitsState()
        self.runner = JobRunner("my-digits", self)
        self.state.files_job.runner = self.state.answers_job.runner = self.runner
        self._model = None
        self._visible: list = []  # the digits in the grid, in its order

        self.filter_combo = QComboBox()
        self.filter_combo.addItem("All digits", ALL)
        for label in range(CLASSES):
            self.filter_combo.addItem(f"Only {label}s", label)
        self.filter_combo.setToolTip("Show every digit, or only those labelled one digit.")
        self.filter_combo.currentIndexChanged.connect(self._on_filter)
        self.misread_check = QCheckBox("Misread only")
        self.misread_check.setToolTip("Show only the digits the current model reads as another digit.")
        self.misread_check.toggled.connect(self._on_filter)
        self.import_button = QPushButton("Import folder…", clicked=self.import_dialog)
        self.import_button.setToolTip("A folder with subfolders 0 … 9 of images (PNG, JPEG, …): each becomes a digit with that label.")
        self.import_pen_button = QPushButton("Import pen file…", clicked=self.import_pen_dialog)
        self.import_pen_button.setToolTip("A UNIPEN pen file (.unp, .unp.gz) of tablet digits: each digit keeps its strokes "
                                          "and is drawn as the canvas would draw it.")  # fmt: skip
        self.export_button = QPushButton("Export folder…", clicked=self.export_dialog)
        self.export_button.setToolTip("Write every digit's 28×28 input as PNG into subfolders 0 … 9.")
        top = QHBoxLayout()
        top.addWidget(muted_label("Show"))
        top.addWidget(self.filter_combo)
        top.addWidget(self.misread_check)
        top.addStretch(1)
        top.addWidget(self.import_button)
        top.addWidget(self.import_pen_button)
        top.addWidget(self.export_button)

        self.accuracy_label = QLabel()
        self.accuracy_label.setFont(theme.big_font(13, bold=False))
        self.accuracy_label.setWordWrap(True)
        self.per_digit_label = muted_label(wrap=True)
        self.per_digit_label.setToolTip("Per digit: how many of yours labelled so the current model reads right.")

        self.grid = DigitGrid()
        self.grid.setToolTip("Double-click a digit to watch it being read in Draw & Inspect.")
        self.grid.digit_activated.connect(self._on_activated)
        self.grid.digit_selected.connect(lambda _: self._sync_buttons())

        self.relabel_button = QToolButton()
        self.relabel_button.setText("Relabel as …")
        self.relabel_button.setPopupMode(QToolButton.InstantPopup)
        menu = QMenu(self.relabel_button)
        for label in range(CLASSES):
            menu.addAction(str(label), lambda n=label: self.relabel_selected(n))
        self.relabel_button.setMenu(menu)
        self.delete_button = QPushButton("Delete", clicked=self.delete_selected)
        self.delete_button.setToolTip("Delete the selected digit (Undo brings it back).")
        self.undo_button = QPushButton("Undo delete", clicked=self.undo_delete)
        self.count_label = muted_label()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.state.files_job.events.busy.connect(self._on_files_busy)
        bottom = QHBoxLayout()
        for w in (self.relabel_button, self.delete_button, self.undo_button):
            bottom.addWidget(w)
        bottom.addSpacing(12)
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.progress)
        # Always there, one line high, so that the buttons above it never move when it speaks.
        self.message_label = TextLine(muted=True)
        self.default_button = QPushButton("Back to the default records file", clicked=lambda: self.default_records_requested.emit())
        self._read_error = ""  # the message of the last refresh that could not read the file

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 8)
        layout.addLayout(top)
        layout.addWidget(self.accuracy_label)
        layout.addWidget(self.per_digit_label)
        layout.addWidget(self.grid, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.message_label)
        layout.addWidget(self.default_button, 0, Qt.AlignLeft)
        self.refresh()

    # --- public API ----------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.runner.busy

    def set_db_path(self, path: str | Path | None) -> None:
        self.db_path = path
        self.refresh()

    def set_model_in_use(self, session) -> None:
        """The model in use (a reading.ReadingSession, or None): its answers on every digit (read
        again only for another network, not the same one saved under a new name)."""
        loaded = None if session is None else session.loaded
        same = loaded is not None and self._model is not None and loaded.model is self._model.model
        self._model = loaded
        if not same:
            self._read_answers()

    def refresh(self) -> None:
        """Read the digits again (one was kept, imported, relabelled…) and the model's answers."""
        if self.state.message == self._read_error:  # said of the file before: read again now
            self.state.message = self._read_error = ""
        try:
            with Records(self.db_path, wait=False) as records:
                store = MyDigits(records)
                digits = store.digits()
                if store.unreadable:
                    self.state.message = left_out(store.unreadable, "digit")
        except RecognizerError as e:
            digits = []
            self.state.message = self._read_error = str(e)
        self.state.set_digits(digits)
        self._show()
        self._read_answers()

    def relabel_selected(self, label: int) -> None:
        self._edit(lambda store, d: store.relabel(d.id, label), lambda d: f"Digit #{d.id} is now a {label}.")

    def delete_selected(self) -> None:
        self._edit(lambda store, d: store.delete([d.id]), None, after=self.state.deleted)

    def undo_delete(self) -> None:
        gone = self.state.take_undo()
        if gone:
            self._edit(lambda store, _: store.restore(gone), lambda _: f"Brought back {len(gone)} digit(s).", need_selection=False)

    def import_folder(self, folder: str | Path) -> None:
        """Import a folder of images, or a pen file when `folder` is a file."""
        def work(ctx):
            with Records(self.db_path) as records:
                return import_digits(folder, MyDigits(records), on_file=lambda done, total: ctx.report((done, total)))

        def done(report):
            self.state.message = report.summary() + "."
            self.refresh()
            self.status_message.emit(self.state.message)
            if report.problems:
                DIALOGS.show_message(self, "warning", "Not everything was imported",
                                     f"{report.summary()}.", "\n".join(report.problems))  # fmt: skip

        self._start_progress("Importing")
        self.state.files_job.start(work, done, on_progress=self._on_progress, on_error=self._on_error)

    def export_folder(self, folder: str | Path) -> None:
        def work(ctx):
            with Records(self.db_path) as records:
                store = MyDigits(records)
                return export_folder(folder, store), left_out(store.unreadable, "digit")

        def done(result):
            count, damaged = result
            self._say(f"Exported {count:,} digits to {folder}." + (f" {damaged}" if damaged else ""))

        self._start_progress("Exporting")
        self.state.files_job.start(work, done, on_error=self._on_error)

    def import_dialog(self) -> None:
        folder = DIALOGS.ask_folder(self, "Import digits: a folder with subfolders 0 … 9")
        if folder:
            self.import_folder(folder)

    def import_pen_dialog(self) -> None:
        path = DIALOGS.ask_open_path(self, "Import digits from a pen file", PEN_FILE_FILTER)
        if path:
            self.import_folder(path)

    def export_dialog(self) -> None:
        folder = DIALOGS.ask_folder(self, "Export My digits into a folder")
        if folder:
            self.export_folder(folder)

    def shutdown(self, timeout: float | None = 5.0) -> bool:
        return self.runner.shutdown(timeout)

    def restore_settings(self, store) -> None:
        """Nothing of this tab is kept between sessions."""

    def save_settings(self, store) -> None:
        """Nothing of this tab is kept between sessions."""

    # --- inside --------------------------------------------------------------------------------
    def _read_answers(self) -> None:
        loaded, digits = self._model, list(self.state.digits)
        if loaded is None or not digits:
            self.state.set_answers(None, None, None if loaded is None else loaded.name)
            self._show()
            return
        ids = [d.id for d in digits]
        images = np.stack([d.input for d in digits])

        def work(ctx):
            return predict_probabilities(loaded.model, images).argmax(axis=1)

        def done(predictions):
            self.state.set_answers(ids, predictions, loaded.name)
            self._show()

        self.state.answers_job.start(work, done, on_error=self._on_error)

    def _show(self) -> None:
        state = self.state
        visible = state.visible()
        selected, selected_row = self._selected_id, self.grid.current_digit()
        scrolled = self.grid.verticalScrollBar().value()
        images = np.stack([d.input for d in visible]) if visible else np.zeros((0, 28, 28), np.float32)
        self.grid.set_digits(images, np.arange(len(visible)), text=lambda i: state.caption(visible[i]),
                             tooltip=lambda i: state.tooltip(visible[i]),
                             mistake=lambda i: state.is_misread(visible[i]))  # fmt: skip
        self._visible = visible
        # The grid stays where the user was: the same digit selected (or, when it left the view,
        # the one now in its place) and scrolled to, instead of the top of a re-read grid.
        self.grid.verticalScrollBar().setValue(scrolled)
        if selected is not None and visible:
            row = next((r for r, d in enumerate(visible) if d.id == selected), min(selected_row, len(visible) - 1))
            self.grid.select_row(row)  # which scrolls it into view
        self.accuracy_label.setText(state.accuracy_text())
        self.per_digit_label.setText(state.per_digit_text())
        self.per_digit_label.setVisible(bool(state.per_digit_text()))
        self.count_label.setText(state.count_text())
        self.message_label.setText(state.message)
        self.message_label.setToolTip(state.message)  # in full, where one line cuts it
        elsewhere = self.db_path is not None and Path(self.db_path) != default_path()
        self.default_button.setVisible(elsewhere)
        self.default_button.setToolTip(f"My digits are kept in {self.db_path} now. Go back to {default_path()}, for every tab."
                                       if elsewhere else "")  # fmt: skip
        self._sync_buttons()

    def selected_digit(self):
        row = self.grid.current_digit()
        return None if row is None or row >= len(self._visible) else self._visible[row]

    @property
    def _selected_id(self):
        digit = self.selected_digit()
        return None if digit is None else digit.id

    def _sync_buttons(self) -> None:
        has = self.selected_digit() is not None
        self.relabel_button.setEnabled(has)
        self.delete_button.setEnabled(has)
        self.undo_button.setEnabled(bool(self.state.undo_stack))
        self.export_button.setEnabled(bool(self.state.digits))

    def _edit(self, change, said, need_selection: bool = True, after=None) -> None:
        """change(store, selected digit) in the records, then after(what it returned) and the
        sentence said(digit). The UI thread never waits for the file: when another writer holds
        it, the change is tried again on the tab's thread (which may wait) and reported."""
        digit, path = self.selected_digit(), self.db_path
        if digit is None and need_selection:
            return

        def write(wait: bool):
            with Records(path, wait=wait) as records:
                return change(MyDigits(records), digit)

        def done(result) -> None:
            if after is not None:
                after(result)
            if said is not None:
                self.state.message = said(digit)
            self.refresh()

        try:
            result = write(wait=False)
        except RecordsBusyError as e:
            self._say(f"{e}: trying again…")
            self.runner.submit(lambda ctx: write(wait=True), on_done=done, on_error=self._on_error)
            return
        except RecognizerError as e:
            DIALOGS.show_message(self, "warning", "My digits", str(e))
            return
        done(result)

    def _on_filter(self, *_) -> None:
        self.state.set_filter(self.filter_combo.currentData(), self.misread_check.isChecked())
        self._show()

    def _on_activated(self, row: int) -> None:
        digit = self._visible[row]
        try:  # the whole digit: what the canvas shows of it (a listing holds no strokes or pixels)
            with Records(self.db_path, wait=False) as records:
                picture = kept_picture(MyDigits(records).digit(digit.id))
        except RecognizerError:
            picture = None  # the file is busy or the digit damaged: its 28x28 stands in for it
        self.inspect_requested.emit(digit.input, self.state.inspect_caption(digit), picture)

    def _say(self, text: str) -> None:
        self.state.message = text
        self._show()
        self.status_message.emit(text)

    def _start_progress(self, what: str) -> None:
        self.progress.setFormat(f"{what} %v of %m")
        self.progress.setRange(0, 0)  # busy, how far not known yet

    def _on_progress(self, payload) -> None:
        done, total = payload
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _on_files_busy(self, busy: bool) -> None:
        """An import or export under way: its bar shows and no other can start."""
        self.progress.setVisible(busy)
        for button in (self.import_button, self.import_pen_button):
            button.setEnabled(not busy)

    def _on_error(self, failure: JobFailure) -> None:
        DIALOGS.show_message(self, "warning", "My digits", failure.message, failure.details)
