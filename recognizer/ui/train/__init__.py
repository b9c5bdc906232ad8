"""The Train tab, in rooms: state.py (Qt-free: curves, clock, phase, texts, the settings' model),
job.py (the run as a job on the tab's JobRunner), form.py, plots.py, result_panel.py, and tab.py
(TrainTab, which wires them)."""
