"""Where things live: the user's data folder and the files shipped inside the package."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "recognizer"


def user_data_dir() -> Path:
    """The per-user data folder (MNIST downloads, auto-saved models): platformdirs' choice, so
    $XDG_DATA_HOME/recognizer (else ~/.local/share/recognizer) on Linux, Application Support on
    macOS, %LOCALAPPDATA% on Windows. Looked up at each call, so a changed environment counts."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _shipped_dir(name: str) -> Path:
    # Installed from a wheel, the folder sits inside the package (recognizer/models); in a source
    # checkout it is the top-level folder beside the package. This file is recognizer/files/paths.py.
    package = Path(__file__).resolve().parent.parent
    inside = package / name
    return inside if inside.is_dir() else package.parent / name


def models_dir() -> Path:
    return _shipped_dir("models")


def resources_dir() -> Path:
    return _shipped_dir("resources")


def default_model_path() -> Path:
    return models_dir() / "default.safetensors"
