"""The shared pen data folder as the run was given it ($PEN_DATA_DIR, which CI sets), kept here
before conftest.py takes it out of the environment: the tests about real handwriting read it
from here; every other test (a CLI training, the Train tab) runs as on a machine without the pen
sets, which is what their defaults then do. Without that, each of them loads the 54,000 shared
pen samples, renders them and measures itself on 5,414 of them: the whole suite took 386 s with
them and 280 s without (this 2-core machine, quiet, 2026-12-06, 1,207 tests either way)."""

from __future__ import annotations

import os

PEN_DATA_DIR = os.environ.get("PEN_DATA_DIR")
