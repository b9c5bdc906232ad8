"""Where the main window still looks for the Evaluate tab; it lives in recognizer.ui.evaluate.tab
(remove this file once main_window.py imports it from there)."""

from .evaluate.tab import EvaluateTab  # noqa: F401
