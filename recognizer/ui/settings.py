"""The app's preferences: one QSettings store and typed readers that never trust what is stored.

A value written by an older or broken version, or edited by hand, falls back to its default one
key at a time: a bad pen width does not cost the remembered window size.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the readers take any store with value(): they and their users stay Qt-free
    from PySide6.QtCore import QSettings

ORGANISATION = APPLICATION = "recognizer"


def app_settings() -> QSettings:
    """The one store, in the default format (tests point it at a temporary folder)."""
    from PySide6.QtCore import QSettings

    return QSettings(QSettings.defaultFormat(), QSettings.UserScope, ORGANISATION, APPLICATION)


def read_bool(store: QSettings, key: str, default: bool) -> bool:
    raw = store.value(key)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower() if raw is not None else ""
    return True if text in ("true", "1") else False if text in ("false", "0") else default


def read_int(store: QSettings, key: str, default: int, lo: int, hi: int) -> int:
    """A whole number in [lo, hi], else default (a float that is whole counts: 30.0 -> 30)."""
    try:
        value = float(store.value(key))
    except (TypeError, ValueError, OverflowError):
        return default
    if not math.isfinite(value) or value != int(value) or not lo <= value <= hi:
        return default
    return int(value)


def read_choice(store: QSettings, key: str, default: str, choices: Collection[str]) -> str:
    raw = store.value(key)
    return raw if isinstance(raw, str) and raw in choices else default


def read_text(store: QSettings, key: str, default: str = "") -> str:
    raw = store.value(key)
    return raw if isinstance(raw, str) else default


def read_path(store: QSettings, key: str) -> Path | None:
    """A stored file path, or None when none (or not text) is stored."""
    raw = store.value(key)
    return Path(raw) if isinstance(raw, str) and raw else None
