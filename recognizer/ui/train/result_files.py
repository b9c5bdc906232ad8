"""The Train tab's result as files: Save model as… (the run's weights, its metadata and verdict)
and Export curves… (a CSV of every batch and epoch). Mixed into TrainTab, whose outcome, curves,
result panel and runs panel they use; a failed write is a dialog and the tab keeps its state."""

from __future__ import annotations

from pathlib import Path

from ...files.model_file import save_model
from ...training.curves import write_curves_csv
from ..dialogs import CSV_FILTER, DIALOGS, MODEL_FILTER
from . import state


class ResultFiles:
    def save_model_to(self, path: str | Path) -> Path | None:
        loaded = self.result_model()
        if loaded is None:
            return None
        try:
            written = save_model(path, loaded.model, loaded.metadata, trust=loaded.trust)
        except OSError as e:
            DIALOGS.show_message(self, "critical", "Cannot save the model", f"Cannot write {path}: {e.strerror or e}")
            return None
        self.saved_path = written
        self.result.set_saved(written)
        if self.outcome.record_id is not None:  # Use this model in the Runs panel loads what was saved
            self.runs.set_model_path(self.outcome.record_id, written)
        self.model_saved.emit(self.result_model())
        return written

    def save_model_dialog(self) -> None:
        if self.outcome is None:
            return
        path = DIALOGS.ask_save_path(self, "Save the model", state.model_file_name(self.outcome.result), MODEL_FILTER)
        if path:
            self.save_model_to(path if Path(path).suffix else path + ".safetensors")

    def export_curves(self, path: str | Path) -> Path | None:
        try:
            return write_curves_csv(path, self.curves, self.previous)
        except OSError as e:
            DIALOGS.show_message(self, "critical", "Cannot export the curves", f"Cannot write {path}: {e.strerror or e}")
            return None

    def export_curves_dialog(self) -> None:
        path = DIALOGS.ask_save_path(self, "Export the curves", "training-curves.csv", CSV_FILTER)
        if path:
            self.export_curves(path if Path(path).suffix else path + ".csv")
