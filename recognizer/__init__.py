"""recognizer: draw a digit and watch an LSTM read it, one row of pixels per timestep.

The package root is the Qt-free core; the window lives in ``recognizer.ui``.
"""

__version__ = "0.1.0"
