"""Start the window: the QApplication, its icon, and the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from .data_dialog import use_folder
from .main_window import MainWindow
from .theme import app_icon


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("recognizer")
    app.setOrganizationName("recognizer")
    app.setApplicationDisplayName("Recognizer")
    app.setWindowIcon(app_icon())
    return app


def run_app(model_path: Path | None = None, data_dir: Path | None = None) -> int:
    """data_dir: the MNIST folder every tab uses (--data-dir), instead of the one chosen before."""
    app = make_application()
    use_folder(data_dir)
    window = MainWindow(model_path=model_path)
    window.show()
    return app.exec()
