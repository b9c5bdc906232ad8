"""Where things live: the user's data folder and the files shipped inside the package."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "recognizer"


def user_data_dir() -> Path:
    """The per-user data folder (MNIST downloads, auto-saved models)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME


def _shipped_dir(name: str) -> Path:
    # Installed from a wheel, the folder sits inside the package (recognizer/models); in a source
    # checkout it is the top-level folder beside the package.
    package = Path(__file__).resolve().parent
    inside = package / name
    return inside if inside.is_dir() else package.parent / name


def models_dir() -> Path:
    return _shipped_dir("models")


def resources_dir() -> Path:
    return _shipped_dir("resources")


def default_model_path() -> Path:
    return models_dir() / "default.safetensors"
