"""Where the main window still looks for the Train tab; it lives in recognizer/ui/train/ now.
This file goes once main_window.py imports recognizer.ui.train.tab itself."""

from .train.tab import TrainTab  # noqa: F401
