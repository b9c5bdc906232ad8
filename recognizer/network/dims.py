"""The shape of the problem, importable without torch (the window uses it before torch loads)."""

ROWS = 28  # timesteps: one per image row
COLS = 28  # inputs per timestep: the pixels of one row
CLASSES = 10
