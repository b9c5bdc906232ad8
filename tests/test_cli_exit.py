"""Ctrl+C just as a command ends (its answer printed, the process on its way out) ends the
process with 130 and the one line "recognizer: interrupted": no traceback, no silent death."""

from __future__ import annotations

import json
import subprocess
import sys

import torch
from child_signals import as_from_a_terminal

from recognizer.files.model_file import make_metadata, save_model
from recognizer.network.model import ModelConfig, RowRNN

# The launcher's main, then a Ctrl+C at the moment it returns, before the process exits.
AT_EXIT = """
import os, signal, sys
from recognizer.__main__ import main
code = main(sys.argv[1:])
os.kill(os.getpid(), signal.SIGINT)
sys.exit(code)
"""


def test_ctrl_c_as_evaluate_exits_gives_130(tmp_path):
    torch.manual_seed(0)
    model = RowRNN(ModelConfig((8,)))  # small: the 10,000 test images take a moment only
    path = save_model(tmp_path / "m.safetensors", model, make_metadata(model, {}, None))
    proc = subprocess.run([sys.executable, "-c", AT_EXIT, "evaluate", "--json", "--model", str(path)],
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=as_from_a_terminal)
    assert proc.returncode == 130 and proc.stderr == "recognizer: interrupted\n"
    assert json.loads(proc.stdout)["total"] == 10000  # the answer came out whole before
