"""Every dialog the window opens goes through DIALOGS, the one object tests replace.

Message boxes open without a nested event loop (the window keeps painting and training keeps
reporting behind them); the file pickers and questions are modal, as people expect of them. A
plain-text message keeps to a readable size however long the text it was given, and what does
not fit (a traceback, say) goes behind "Show Details…". Rich text (it starts with "<") is the
window's own wording, shown whole: cutting it would drop rows and leave half a tag.

The file pickers start where the user keeps such files: the folder of the last one picked of the
same kind (images, models, tables…, remembered in the settings), else the folder the caller names,
else the user's Pictures (for images) or Documents folder; never the folder the app was started in.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from .settings import app_settings, read_path

# The file kinds the pickers offer, one name each for every tab that opens or saves them.
MODEL_FILTER = "Recognizer models (*.safetensors);;All files (*)"
CSV_FILTER = "CSV table (*.csv);;All files (*)"
MAX_TEXT = 600  # characters of plain text shown in the box itself; the whole text goes into the details
ICONS = {"information": QMessageBox.Information, "warning": QMessageBox.Warning, "critical": QMessageBox.Critical}


def _is_rich(text: str) -> bool:
    return text.lstrip().startswith("<")


def _shorten(text: str) -> str:
    if _is_rich(text):
        return text
    text = text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
    lines = text.splitlines() or [""]
    return "\n".join(lines[:12]) + ("\n…" if len(lines) > 12 else "")


def _kind(file_filter: str) -> str:
    """What a picker is for, from its filter's first name ("Images (*.png …)" -> "images")."""
    return file_filter.split("(", 1)[0].strip().lower() or "files"


def start_folder(kind: str, start: str | Path = "") -> Path:
    """Where a picker for kind starts (see the module's docstring)."""
    for folder in (read_path(app_settings(), f"dialogs/{kind}"), Path(start) if start else None):
        if folder is not None and folder.is_absolute() and folder.is_dir():
            return folder
    mine = Path(platformdirs.user_pictures_dir() if kind == "images" else platformdirs.user_documents_dir())
    return mine if mine.is_dir() else Path.home()


def _remember(kind: str, folder: str | Path) -> None:
    app_settings().setValue(f"dialogs/{kind}", str(folder))


class Dialogs:
    """The dialogs, as methods; tests swap them for recorders on the shared instance."""

    def show_message(self, parent: QWidget | None, kind: str, title: str, text: str, details: str = "") -> QMessageBox:
        """kind: 'information', 'warning' or 'critical'. Returns at once; the box stays open."""
        short = _shorten(text)
        box = QMessageBox(ICONS.get(kind, QMessageBox.Critical), title, short, QMessageBox.Ok, parent)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.setTextFormat(Qt.RichText if _is_rich(text) else Qt.PlainText)
        if details or short != text:
            box.setDetailedText("\n\n".join(part for part in (text if short != text else "", details) if part))
        box.open()
        return box

    def ask_open_path(self, parent: QWidget | None, title: str, file_filter: str, start: str | Path = "") -> str | None:
        """start: a folder to begin in before the user has picked a file of this kind."""
        kind = _kind(file_filter)
        path, _ = QFileDialog.getOpenFileName(parent, title, str(start_folder(kind, start)), file_filter)
        if path:
            _remember(kind, Path(path).parent)
        return path or None

    def ask_save_path(self, parent: QWidget | None, title: str, suggestion: str | Path, file_filter: str) -> str | None:
        """The chosen path, with the chosen filter's suffix added when the name has none.
        suggestion: the file name offered (its folder, if any, is where a first pick starts)."""
        kind, suggestion = _kind(file_filter), Path(suggestion)
        folder = start_folder(kind, suggestion.parent if suggestion.is_absolute() else "")
        path, chosen = QFileDialog.getSaveFileName(parent, title, str(folder / suggestion.name), file_filter)
        if path and not Path(path).suffix and "*." in chosen:
            path += "." + chosen.split("*.", 1)[1].split(")", 1)[0].split()[0]
        if path:
            _remember(kind, Path(path).parent)
        return path or None

    def ask_folder(self, parent: QWidget | None, title: str, start: str | Path = "") -> str | None:
        path = QFileDialog.getExistingDirectory(parent, title, str(start_folder("folders", start)), QFileDialog.ShowDirsOnly)
        if path:
            _remember("folders", path)
        return path or None

    def ask_choice(self, parent: QWidget | None, title: str, text: str, choices: list[str], default: int = 0) -> int | None:
        """Buttons named by choices; returns the index clicked, or None for Esc / the close button."""
        box = QMessageBox(QMessageBox.Question, title, text, QMessageBox.NoButton, parent)
        buttons = [box.addButton(choice, QMessageBox.AcceptRole) for choice in choices]
        box.setDefaultButton(buttons[default])
        box.exec()
        clicked = box.clickedButton()
        return buttons.index(clicked) if clicked in buttons else None


DIALOGS = Dialogs()
