"""The step panel's arithmetic on the Lab's edited reading (issue 26): with silenced units, pinned
gates and hidden rows, each gate's value, c and h are the edited Tracer's own within 1e-6."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from recognizer.network.cells import CELLS, GATES, SIGMOID_GATES
from recognizer.network.interventions import HiddenRows, Interventions, Pin, Silence
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.network.step_arithmetic import step
from recognizer.network.trace import Tracer

TOL = 1e-6
SIZES = (6, 9)
_TRACERS = {}


def _tracer(cell):
    if cell not in _TRACERS:
        torch.manual_seed(7)
        image = np.random.default_rng(7).random((28, 28), dtype=np.float32)
        _TRACERS[cell] = Tracer(RowRNN(ModelConfig(SIZES, cell)).eval()), image
    return _TRACERS[cell]


def _edits(cell):
    """Every kind of edit the cell takes: silence (from row 0 and from a later row), pin each
    pinnable gate to 0 and to 1 (some units, all units), hide rows; each alone, then all at once."""
    edits = [
        Silence(0, (1, 3)),
        Silence(1, (2,), from_row=9),
        Silence(0, (4,), from_row=14),
        HiddenRows(5, 12),
        *(Pin(layer, gate, value, units) for gate in SIGMOID_GATES[cell] for value in (0.0, 1.0)
          for layer, units in ((0, (0, 2)), (1, None))),  # fmt: skip
    ]
    singles = [Interventions().add(part) for part in edits]
    everything = Interventions()
    for part in edits[:4] + edits[4:5]:
        everything = everything.add(part)
    return singles + [everything]


def check_edited_step(cell, interventions, layer, unit, row):
    tracer, image = _tracer(cell)
    edited = tracer(image, interventions)
    s = step(tracer, edited, layer, unit, row, interventions)
    here = edited.layers[layer]
    for g in s.gates:
        assert g.value == pytest.approx(float(here.series(g.name)[row, unit]), abs=TOL)
        assert g.inputs.total + g.recurrent.total + g.bias == pytest.approx(g.pre, abs=TOL)
        pin = [p for p in interventions.pinned if p.layer == layer and p.gate == g.name
               and (p.units is None or unit in p.units)]  # fmt: skip
        if pin:
            assert g.value == pin[-1].value and g.computed == pytest.approx(1 / (1 + np.exp(-g.pre)), abs=TOL)
        else:
            assert g.computed is None
    assert s.h == pytest.approx(float(here.h[row, unit]), abs=TOL)
    assert s.h_prev == (float(here.h[row - 1, unit]) if row else 0.0)
    if cell == "lstm":
        assert s.c == pytest.approx(float(here.c[row, unit]), abs=TOL)
    silenced = any(p.layer == layer and unit in p.units and p.from_row <= row for p in interventions.silenced)
    assert (s.silenced is not None) == silenced
    if silenced:
        assert s.h == 0.0 and s.computed_h is not None and (s.c == 0.0 if cell == "lstm" else s.c is None)
    if layer == 0 and interventions.hidden and interventions.hidden.first <= row <= interventions.hidden.last:
        assert s.gate(GATES[cell][0]).inputs.total == 0.0  # a hidden row's pixels are blank: nothing through W
    return s


@pytest.mark.parametrize("cell", CELLS)
def test_each_edit_at_chosen_units_and_rows(cell):
    for interventions in _edits(cell):
        for layer, unit, row in ((0, 1, 0), (0, 2, 8), (0, 4, 20), (1, 2, 9), (1, 0, 27), (0, 3, 13)):
            check_edited_step(cell, interventions, layer, unit, row)


@settings(max_examples=40, deadline=None)
@given(cell=st.sampled_from(CELLS), data=st.data())
def test_every_edited_number_is_the_edited_networks_own(cell, data):
    interventions = data.draw(st.sampled_from(_edits(cell)))
    layer = data.draw(st.integers(0, len(SIZES) - 1))
    unit = data.draw(st.integers(0, SIZES[layer] - 1))
    check_edited_step(cell, interventions, layer, unit, data.draw(st.integers(0, 27)))


def test_the_edits_are_needed():
    """Without the edits, the edited trace's pinned and silenced steps come out wrong: the check above can fail."""
    tracer, image = _tracer("lstm")
    pinned = Interventions().add(Pin(0, "forget", 0.0, (2,)))
    assert step(tracer, tracer(image, pinned), 0, 2, 8).gate("forget").value != 0.0
    silenced = Interventions().add(Silence(0, (2,), from_row=4))
    assert step(tracer, tracer(image, silenced), 0, 2, 8).h != 0.0
    s = check_edited_step("lstm", silenced, 0, 2, 8)
    assert s.silenced.from_row == 4 and s.computed_h != 0.0
