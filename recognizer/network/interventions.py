"""What-if edits of the recurrent network, Qt-free: silence units, pin gates, hide rows, change the temperature.

An Interventions value is frozen and made of parts, each of which describes itself (the Lab's
chips) and says whether it is an exact weight edit (what "Save edited model" can write):

Every part applies to every cell kind (cells.py) but Pin, which holds only a gate the cell has.

- Silence(layer, units, from_row): the units' h and c are held at 0 at rows from_row.. (0-based).
  From row 0 on this IS a weight edit, exactly: with the unit's candidate row (weights and both
  biases) zeroed, g = tanh(0) = 0, so c = f * 0 + i * 0 = 0 and h = o * tanh(0) = 0 at every row,
  bit for bit, whatever its other gates do. (Zeroing its outgoing weights instead, recurrent,
  next layer and readout, leaves the rest of the network exactly right too, but the unit's own h
  and c would still run; zeroing its output gate is not possible: sigmoid never reaches 0.)
  From a later row it is not a weight edit (the weights do not know the row). A GRU's and a
  plain RNN's likewise: with the candidate rows zeroed (the RNN's only rows), n = tanh(0) = 0,
  so h' = (1 - z) 0 + z 0 = 0 (GRU) or h' = tanh(0) = 0 (RNN) from h = 0 on.
- Pin(layer, gate, value, units): a gate held at 0 or 1 at every row, for some units or all. A
  weight edit: that gate's weight rows zeroed and its bias set to +-PIN_LOGIT, where float32's
  sigmoid is 1 exactly (or 0 to within 1e-38).
- HiddenRows(first, last): the network reads blank rows instead of rows first..last. An input
  edit, never a weight edit.
- Temperature(value): the answer's logits divided by value. A weight edit of the readout (weights
  and bias divided by value: equal up to float32 rounding).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Union

import numpy as np

from .cells import DEFAULT_CELL, GATES, SIGMOID_GATES, gate_blocks
from .dims import ROWS

PIN_LOGIT = 100.0  # sigmoid(100) == 1 and sigmoid(-100) < 1e-38 in float32
PINS = {  # what the Lab offers for an LSTM, by the words it uses
    "never forget": ("forget", 1.0),
    "forget every row": ("forget", 0.0),
    "ignore new rows": ("input", 0.0),
    "output open": ("output", 1.0),
}
CELL_PINS = {  # ... and for each cell: only the gates it has (a plain RNN has none)
    "lstm": PINS,
    "gru": {
        "never update": ("update", 1.0),
        "always update": ("update", 0.0),
        "ignore the past": ("reset", 0.0),
        "reset open": ("reset", 1.0),
    },
    "rnn": {},
}
PIN_NAMES = {gate_value: name for pins in CELL_PINS.values() for name, gate_value in pins.items()}


def gate_offset(cell: str, gate: str) -> int:
    """The block of a gate's rows in the weights (PyTorch's order, blocks of n rows)."""
    return GATES[cell].index(gate)


def units_text(units: tuple[int, ...] | None) -> str:
    """'all units', 'unit 7', 'units 3, 17, 40' (at most six listed)."""
    if units is None:
        return "all units"
    if len(units) == 1:
        return f"unit {units[0]}"
    shown = ", ".join(map(str, units[:6]))
    return f"units {shown}" + (f" and {len(units) - 6} more" if len(units) > 6 else "")


def _layer_text(layer: int, layers: int) -> str:
    return f" of layer {layer + 1}" if layers > 1 else ""


@dataclass(frozen=True)
class Silence:
    layer: int
    units: tuple[int, ...]
    from_row: int = 0

    @property
    def exact(self) -> bool:
        return self.from_row == 0

    def describe(self, layers: int = 1) -> str:
        rows = "" if self.from_row == 0 else f" from row {self.from_row + 1}"
        return f"silence {units_text(self.units)}{_layer_text(self.layer, layers)}{rows}"

    def to_json(self) -> dict:
        return {"kind": "silence", "layer": self.layer, "units": list(self.units), "from_row": self.from_row}


@dataclass(frozen=True)
class Pin:
    layer: int
    gate: str  # "input", "forget" or "output"
    value: float  # 0.0 or 1.0
    units: tuple[int, ...] | None = None  # None: every unit of the layer

    exact = True

    def describe(self, layers: int = 1) -> str:
        name = PIN_NAMES.get((self.gate, self.value), f"{self.gate} = {self.value:g}")
        return f"{name}: {units_text(self.units)}{_layer_text(self.layer, layers)}"

    def to_json(self) -> dict:
        units = None if self.units is None else list(self.units)
        return {"kind": "pin", "layer": self.layer, "gate": self.gate, "value": self.value, "units": units}


@dataclass(frozen=True)
class HiddenRows:
    first: int  # 0-based, inclusive
    last: int

    exact = False

    def describe(self, layers: int = 1) -> str:
        return f"hide rows {self.first + 1}–{self.last + 1}"

    def to_json(self) -> dict:
        return {"kind": "hide_rows", "first": self.first, "last": self.last}


@dataclass(frozen=True)
class Temperature:
    value: float

    exact = True

    def describe(self, layers: int = 1) -> str:
        return f"temperature {self.value:g}"

    def to_json(self) -> dict:
        return {"kind": "temperature", "value": self.value}


Part = Union[Silence, Pin, HiddenRows, Temperature]


@dataclass(frozen=True)
class Interventions:
    """Every active edit. Parts apply together; None fields are off."""

    silenced: tuple[Silence, ...] = ()
    pinned: tuple[Pin, ...] = ()
    hidden: HiddenRows | None = None
    temperature: Temperature | None = None

    @property
    def parts(self) -> tuple[Part, ...]:
        return (*self.silenced, *self.pinned, *(p for p in (self.hidden, self.temperature) if p is not None))

    def __bool__(self) -> bool:
        return bool(self.parts)

    def add(self, part: Part) -> Interventions:
        """With one more part (a new hidden range or temperature replaces the old one)."""
        if isinstance(part, Silence):
            return replace(self, silenced=(*self.silenced, part))
        if isinstance(part, Pin):
            return replace(self, pinned=(*self.pinned, part))
        if isinstance(part, HiddenRows):
            return replace(self, hidden=part)
        if isinstance(part, Temperature):
            return replace(self, temperature=None if part.value == 1.0 else part)
        raise TypeError(f"not an intervention: {part!r}")

    def without(self, part: Part) -> Interventions:
        return replace(
            self,
            silenced=tuple(p for p in self.silenced if p != part),
            pinned=tuple(p for p in self.pinned if p != part),
            hidden=None if self.hidden == part else self.hidden,
            temperature=None if self.temperature == part else self.temperature,
        )

    @property
    def temperature_value(self) -> float:
        return 1.0 if self.temperature is None else self.temperature.value

    def check(self, hidden_sizes, cell: str = DEFAULT_CELL) -> None:
        """ValueError when a part does not fit a model with these layer sizes and this cell."""
        for part in (*self.silenced, *self.pinned):
            if not 0 <= part.layer < len(hidden_sizes):
                raise ValueError(f"there is no layer {part.layer + 1} (the model has {len(hidden_sizes)})")
            units = part.units or ()
            if any(not 0 <= u < hidden_sizes[part.layer] for u in units):
                raise ValueError(f"layer {part.layer + 1} has units 0–{hidden_sizes[part.layer] - 1} only")
        for s in self.silenced:
            if not 0 <= s.from_row < ROWS:
                raise ValueError(f"rows run 1–{ROWS}")
        for p in self.pinned:
            if p.gate not in SIGMOID_GATES[cell]:
                gates = ", ".join(SIGMOID_GATES[cell])
                raise ValueError(f"a {cell.upper()} has no {p.gate} gate to pin" + (f" (it has {gates})" if gates else ""))
            if p.value not in (0.0, 1.0):
                raise ValueError(f"a gate is pinned to 0 or 1: {p.gate} = {p.value}")
        if self.hidden is not None and not 0 <= self.hidden.first <= self.hidden.last < ROWS:
            raise ValueError(f"hidden rows must lie in 1–{ROWS}, first before last")
        if self.temperature is not None and not (np.isfinite(self.temperature.value) and self.temperature.value > 0):
            raise ValueError("the temperature must be a positive number")

    # --- what the computations need --------------------------------------------------------
    def keep_masks(self, hidden_sizes) -> list[np.ndarray | None]:
        """Per layer, (28, units) float32: 0 where a unit is silenced at that row, else 1 (None
        for a layer with nothing silenced)."""
        masks: list[np.ndarray | None] = [None] * len(hidden_sizes)
        for s in self.silenced:
            if masks[s.layer] is None:
                masks[s.layer] = np.ones((ROWS, hidden_sizes[s.layer]), np.float32)
            masks[s.layer][s.from_row :, list(s.units)] = 0.0
        return masks

    def pinned_gates(self, hidden_sizes, cell: str = DEFAULT_CELL) -> list[tuple[np.ndarray, np.ndarray] | None]:
        """Per layer, (columns, values) over the cell's gate columns in PyTorch's order (None
        where no gate is pinned); a later pin of the same column wins."""
        out: list = [None] * len(hidden_sizes)
        for p in self.pinned:
            n = hidden_sizes[p.layer]
            units = np.arange(n) if p.units is None else np.asarray(p.units)
            columns = gate_offset(cell, p.gate) * n + units
            values = np.full(gate_blocks(cell) * n, np.nan, np.float32) if out[p.layer] is None else out[p.layer]
            values[columns] = p.value
            out[p.layer] = values
        return [None if v is None else (np.flatnonzero(~np.isnan(v)), v[~np.isnan(v)]) for v in out]

    def hide_input(self, images: np.ndarray) -> np.ndarray:
        """(..., 28, 28) images as the network reads them: hidden rows blank (a copy if changed)."""
        if self.hidden is None:
            return images
        out = np.array(images, dtype=np.float32, copy=True)
        out[..., self.hidden.first : self.hidden.last + 1, :] = 0.0
        return out

    def exact_parts(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.exact)

    def inexact_parts(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if not p.exact)


NONE = Interventions()
