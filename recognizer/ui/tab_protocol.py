"""What the main window asks of every tab (tabs.py registers them; main_window.py only wires).

A tab is handed the one model in use, keeps or restores what it remembers between sessions and
stops its background work when the window closes. The signals others may follow are each tab's
own (status_message(text), inspect_requested(image, caption), model_ready(loaded), ...): the
registry's wire function for that tab connects them, so no tab knows of another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from ..reading import ReadingSession


@runtime_checkable
class Tab(Protocol):
    def set_model_in_use(self, session: ReadingSession | None) -> None:
        """The one model in use (a recognizer.reading.ReadingSession: its network, Tracer, verdict
        parameters, name), or None. The same network under a new name (saved) keeps the tab's work."""

    def restore_settings(self, store: QSettings) -> None:
        """Read what this tab remembers between sessions (ui/settings.py's readers check it)."""

    def save_settings(self, store: QSettings) -> None:
        """Write it; the window syncs the store."""

    def shutdown(self) -> None:
        """The window is closing: stop background work (a worker thread ends at its next step)."""
