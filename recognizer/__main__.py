"""The program: `recognizer COMMAND` runs the command line, `recognizer` alone opens the window.

The one module above both the Qt-free core and the window: it hands the CLI a way to open the
window, so that neither imports the other the wrong way round.
"""

import sys
from pathlib import Path

from .commands.main import run_program


def open_window(model_path: Path | None, data_dir: Path | None = None) -> int:
    from .ui.app import run_app  # Qt only when the window is wanted, not for `recognizer predict`

    return run_app(model_path=model_path, data_dir=data_dir)


def main(argv: list[str] | None = None) -> int:
    return run_program(argv, open_window=open_window)


if __name__ == "__main__":
    sys.exit(main())
