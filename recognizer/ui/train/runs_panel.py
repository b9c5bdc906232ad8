"""The Runs panel: every recorded run (records.py), from this window or the CLI, in a table.

Check any number to overlay their curves on the plots; double-click a name (or Rename) to rename
it; Delete removes the record (never the model file); Use this model loads the file the run
saved; Train again puts its settings in the form. The records file is opened for each action and
closed at once, so the CLI can write to it while the window is open.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,  # fmt: skip
    QVBoxLayout,
)

from ...errors import RecognizerError, RecordsBusyError
from ...files.model_file import load_model
from ...store.records import Records, RunRecord, left_out
from ..dialogs import DIALOGS
from ..jobs import JobRunner
from ..widgets import muted_label
from . import runs_state

ID_ROLE = Qt.UserRole


class RunsPanel(QGroupBox):
    """Signals: overlays_changed(list of (name, colour, RunCurves)) when the checked runs change;
    model_ready(LoadedModel) for Use this model; train_again(TrainConfig) for Train again."""

    overlays_changed = Signal(list)
    model_ready = Signal(object)
    train_again = Signal(object)

    def __init__(self, db_path: str | Path | None = None, parent=None):
        """db_path: the records file (None: recognizer.db in the user data folder, looked up at
        each use, as the CLI does)."""
        super().__init__("Runs", parent)
        self.setToolTip("Every training run, from this window or `recognizer train`, kept in the records file.\n"
                        "Check runs to draw their curves over the plots, each in its own colour.")
        self.db_path = db_path
        self.runner = JobRunner("runs", self)  # a change tried again while another writer holds the file
        self.runs: list[RunRecord] = []
        self._curves: dict[int, object] = {}  # run id -> RunCurves, read once per run
        self._filling = False
        self._idle = True  # no run under way: Train again may fill the form
        self.table = QTableWidget(0, len(runs_state.COLUMNS))
        self.table.setHorizontalHeaderLabels(runs_state.COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        self.table.verticalHeader().hide()
        # Three rows and the header at least, even in a 1024×700 window.
        self.table.setMinimumHeight(self.table.horizontalHeader().sizeHint().height()
                                    + 3 * self.table.verticalHeader().defaultSectionSize() + 2 * self.table.frameWidth())  # fmt: skip
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemSelectionChanged.connect(self._sync_buttons)
        self.rename_button = QPushButton("Rename", clicked=self.rename_selected)
        self.delete_button = QPushButton("Delete…", clicked=self.delete_selected)
        self.use_button = QPushButton("Use this model", clicked=self.use_selected)
        self.use_button.setToolTip("Load the model file this run saved, for Draw && Inspect and Evaluate.")
        self.again_button = QPushButton("Train again with these settings", clicked=self.train_again_selected)
        self.status = muted_label(wrap=True)
        buttons = QHBoxLayout()
        for b in (self.rename_button, self.delete_button, self.use_button, self.again_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 10, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.refresh()

    # --- reading ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the list again (a run ended, or the CLI recorded one); checks are kept."""
        checked = set(self.checked_ids())
        try:
            with Records(self.db_path, wait=False) as records:
                self.runs = records.runs()
                self.say(left_out(records.unreadable, "run record"))
        except RecognizerError as e:
            self.runs = []
            self.say(str(e))
        self._filling = True
        self.table.setRowCount(len(self.runs))
        for row, run in enumerate(self.runs):
            for column, text in enumerate(runs_state.row_texts(run)):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, run.id)
                if column == 0:
                    item.setFlags(item.flags() | Qt.ItemIsUserCheckable | Qt.ItemIsEditable)
                    item.setCheckState(Qt.Checked if run.id in checked else Qt.Unchecked)
                    item.setToolTip(f"Model file: {run.model_path or 'none'}")
                else:
                    item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                self.table.setItem(row, column, item)
        self._filling = False
        self._sync_buttons()
        if checked - set(self.checked_ids()):  # a checked run is gone
            self._emit_overlays()

    def say(self, text: str) -> None:
        """A line under the table (a damaged file or record); hidden when there is nothing to say."""
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def last_run(self) -> RunRecord | None:
        """The newest run that reads whole, or None (no records, or a file that is not ours)."""
        try:
            with Records(self.db_path, wait=False) as records:
                return records.last_run()
        except RecognizerError:
            return None  # refresh() has said why in the panel

    def check_writable(self) -> None:
        """RecognizerError when a run could not be recorded (a file not ours, damaged, read-only):
        said before the training, not after it. A file busy this moment is no reason to refuse:
        the run's record is written at its end, off the UI thread, waiting for the lock then."""
        try:
            with Records(self.db_path, wait=False) as records:
                records.check_writable()
        except RecordsBusyError:
            pass

    def checked_ids(self) -> list[int]:
        items = (self.table.item(row, 0) for row in range(self.table.rowCount()))
        return [item.data(ID_ROLE) for item in items if item is not None and item.checkState() == Qt.Checked]

    def set_checked(self, run_id: int, checked: bool = True) -> None:
        row = self._row_of(run_id)
        self.table.item(row, 0).setCheckState(Qt.Checked if checked else Qt.Unchecked)

    def select(self, run_id: int) -> None:
        self.table.selectRow(self._row_of(run_id))

    def selected(self) -> RunRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.runs[rows[0].row()] if rows else None

    def _row_of(self, run_id: int) -> int:
        return next(i for i, run in enumerate(self.runs) if run.id == run_id)

    def _whole(self, run_id: int) -> RunRecord:
        with Records(self.db_path, wait=False) as records:
            return records.run(run_id)

    # --- acting -----------------------------------------------------------------------------------
    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 0:
            return
        run = self.runs[item.row()]
        name = item.text().strip()
        if name and name != run.name:
            self._act(lambda r: r.rename_run(run.id, name))
            run.name = name  # the table shows it already
        elif not name:  # an empty name is not kept
            self._filling = True
            item.setText(run.name)
            self._filling = False
        self._emit_overlays()

    def _emit_overlays(self) -> None:
        overlays = []
        for run_id in self.checked_ids():
            try:
                if run_id not in self._curves:
                    self._curves[run_id] = runs_state.record_curves(self._whole(run_id))
            except (RecognizerError, ValueError) as e:
                self.say(str(e))
                continue
            run = self.runs[self._row_of(run_id)]
            overlays.append((run.name, runs_state.overlay_colour(len(overlays)), self._curves[run_id]))
        self.overlays_changed.emit(overlays)

    def rename_selected(self) -> None:
        run = self.selected()
        if run is not None:
            self.table.editItem(self.table.item(self._row_of(run.id), 0))

    def delete_selected(self) -> None:
        run = self.selected()
        if run is None:
            return
        text = f"Delete the run {run.name!r} from the records? Its model file is kept."
        if DIALOGS.ask_choice(self, "Delete the run", text, ["Delete", "Cancel"], default=1) == 0:
            self._curves.pop(run.id, None)
            self._act(lambda r: r.delete_run(run.id), then=self.refresh)

    def use_selected(self) -> None:
        run = self.selected()
        if run is None or not run.model_path:
            return
        try:
            loaded = load_model(run.model_path)
        except RecognizerError as e:
            DIALOGS.show_message(self, "warning", "Cannot use this run's model", str(e))
            return
        self.model_ready.emit(loaded)

    def train_again_selected(self) -> None:
        run = self.selected()
        if run is None:
            return
        try:
            config = runs_state.record_config(run)
        except (TypeError, ValueError) as e:
            DIALOGS.show_message(self, "warning", "Cannot use these settings", f"The run's settings are not usable: {e}")
            return
        self.train_again.emit(config)

    def set_model_path(self, run_id: int, path: Path) -> None:
        self._act(lambda r: r.set_model_path(run_id, path), then=self.refresh)

    def _act(self, change, then=None) -> None:
        """change(records), then then(). The UI thread never waits for the file: when another
        writer holds it, the change is tried again on the panel's thread (which may wait)."""
        path = self.db_path

        def write(wait: bool) -> None:
            with Records(path, wait=wait) as records:
                change(records)

        def failed(message: str) -> None:
            DIALOGS.show_message(self, "warning", "Cannot change the records", message)

        try:
            write(wait=False)
        except RecordsBusyError as e:
            self.say(f"{e}: trying again…")
            self.runner.submit(lambda ctx: write(wait=True), on_done=lambda _: (then or self.refresh)(),
                               on_error=lambda failure: failed(failure.message))  # fmt: skip
            return
        except RecognizerError as e:
            failed(str(e))
            return
        if then is not None:
            then()

    def shutdown(self, timeout: float | None = 5.0) -> bool:
        return self.runner.shutdown(timeout)

    def set_enabled(self, idle: bool) -> None:
        """While a run trains, the form is locked: so is Train again."""
        self._idle = idle
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        run = self.selected()
        for b in (self.rename_button, self.delete_button):
            b.setEnabled(run is not None)
        self.use_button.setEnabled(run is not None and bool(run.model_path))
        self.again_button.setEnabled(run is not None and self._idle)
