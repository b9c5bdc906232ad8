"""The window's registered tabs (recognizer.ui.tabs.TABS) with some replaced, for a quicker window:
placeholder_tabs(monkeypatch) makes every late tab a placeholder ("not built in this window"),
but those named in keep (built as registered) and those given a build of their own."""

from __future__ import annotations

from dataclasses import replace


def placeholder_tabs(monkeypatch, keep=(), **builds) -> None:
    """keep: keys of late tabs built as registered; builds: key -> build(window) -> a tab."""
    from recognizer.ui import main_window, tabs

    entries = tuple(e if not e.late or e.key in keep else replace(e, build=builds.get(e.key)) for e in tabs.TABS)
    monkeypatch.setattr(main_window, "TABS", entries)
