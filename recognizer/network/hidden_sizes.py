"""The one rule for a model's layer sizes, shared by the CLI, the Train tab and the model loader.

A size is written "128" (one layer) or "32, 64" (two stacked layers; "32x64" and "32,64" parse
too). The limits keep every model that can be trained loadable, and every file that claims a
size cheap to refuse before anything is allocated: 4 layers of 512 LSTM units are 8.4 M
parameters, 34 MB of float32, well inside the model loader's file-size limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_LAYERS = 4
MAX_HIDDEN = 512


def check_hidden_sizes(sizes: Iterable) -> tuple[int, ...]:
    """The sizes as a tuple of ints, or ValueError saying which limit they break."""
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise ValueError(f"hidden sizes must be a list of whole numbers, got {sizes!r}") from None
    if not sizes:
        raise ValueError("give at least one layer size, e.g. 128")
    if not all(isinstance(h, int) and not isinstance(h, bool) for h in sizes):
        raise ValueError("hidden sizes must be whole numbers, e.g. 32, 64")
    if len(sizes) > MAX_LAYERS:
        raise ValueError(f"at most {MAX_LAYERS} layers, got {len(sizes)}")
    if any(not 1 <= h <= MAX_HIDDEN for h in sizes):
        raise ValueError(f"each layer needs 1 to {MAX_HIDDEN} units")
    return sizes


def parse_hidden_sizes(text: str) -> tuple[int, ...]:
    """ "128" -> (128,); "32, 64", "32,64" or "32x64" -> (32, 64). ValueError with a readable message."""
    text = text.strip()
    parts = re.split(r"\s*[,x×]\s*|\s+", text) if text else []
    if len(parts) > MAX_LAYERS:  # before int(): a huge list is refused without converting it
        raise ValueError(f"at most {MAX_LAYERS} layers, got {len(parts)}")
    if not all(p.isdigit() and len(p) <= 6 for p in parts):
        if all(p.isdigit() for p in parts):
            raise ValueError(f"each layer needs 1 to {MAX_HIDDEN} units")
        raise ValueError(f"{text!r} is not a list of whole numbers, e.g. 128 or 32, 64")
    return check_hidden_sizes(int(p) for p in parts)


def format_hidden_sizes(sizes: Iterable[int]) -> str:
    """(32, 64) -> "32, 64": the form parse_hidden_sizes reads back."""
    return ", ".join(str(h) for h in sizes)


def describe_hidden_sizes(sizes: Iterable[int]) -> str:
    """(32, 64) -> "32×64", as in a model's name ("LSTM 32×64")."""
    return "×".join(str(h) for h in sizes)
