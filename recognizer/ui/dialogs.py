"""Every dialog the window opens goes through DIALOGS, the one object tests replace.

Message boxes open without a nested event loop (the window keeps painting and training keeps
reporting behind them); the file pickers and questions are modal, as people expect of them. A
plain-text message keeps to a readable size however long the text it was given, and what does
not fit (a traceback, say) goes behind "Show Details…". Rich text (it starts with "<") is the
window's own wording, shown whole: cutting it would drop rows and leave half a tag.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

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
        path, _ = QFileDialog.getOpenFileName(parent, title, str(start), file_filter)
        return path or None

    def ask_save_path(self, parent: QWidget | None, title: str, suggestion: str | Path, file_filter: str) -> str | None:
        """The chosen path, with the chosen filter's suffix added when the name has none."""
        path, chosen = QFileDialog.getSaveFileName(parent, title, str(suggestion), file_filter)
        if path and not Path(path).suffix and "*." in chosen:
            path += "." + chosen.split("*.", 1)[1].split(")", 1)[0].split()[0]
        return path or None

    def ask_folder(self, parent: QWidget | None, title: str, start: str | Path = "") -> str | None:
        path = QFileDialog.getExistingDirectory(parent, title, str(start), QFileDialog.ShowDirsOnly)
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
