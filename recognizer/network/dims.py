"""The shape of the problem, importable without torch (the window uses it before torch loads)."""

ROWS = 28  # timesteps: one per image row
COLS = 28  # inputs per timestep: the pixels of one row
CLASSES = 10
# MNIST's framing of a digit (preprocess.py, strokes.py): the frame the model reads, the box its
# longer side was fitted to, and the pixel its centre of mass was moved to.
SIZE = 28
BOX = 20
CENTRE = 14
