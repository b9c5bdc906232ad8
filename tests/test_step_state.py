"""The step panel's words without a display (step_state.py): each cell's own equations with the
step's numbers, the chain back through h_{t-1}, and a new model that lacks the unit."""

import numpy as np
import torch

from recognizer.network.cells import GATES
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.network.trace import Tracer
from recognizer.ui.step_state import SYMBOL, StepState

GATE_INDEX = {name: k for gates in GATES.values() for k, name in enumerate(gates)}


def _state(cell, sizes=(10,)):
    torch.manual_seed(3)
    tracer = Tracer(RowRNN(ModelConfig(sizes, cell)))
    image = np.zeros((28, 28), np.float32)
    image[8:20, 10:18] = 1.0
    state = StepState()
    state.set_trace(tracer, tracer(image))
    return state


def test_nothing_asked_yet_says_how_to_ask():
    state = _state("lstm")
    assert not state.ready and state.title().startswith("Click a cell of the heatmap")


def test_each_cell_says_its_own_equations_with_its_numbers():
    for cell, gates, update in (("lstm", 4, "c = f·c_prev + i·g"), ("gru", 3, "h = (1 − z)·n + z·h_prev"),
                                ("rnn", 1, "h = tanh(a)")):  # fmt: skip
        state = _state(cell)
        state.open(0, 3, 12)
        texts = state.gate_texts()
        assert len(texts) == gates and update in state.update_text()
        assert state.update_text().endswith(f"{state.step.h:.3f}".replace("-", "−"))
        assert state.title() == f"Unit 3 of layer 1, reading row 13 ({cell.upper()})"
        assert "column" in texts[0].inputs and "the row's 28 pixels" in state.sources_text()


def test_gru_candidate_names_the_reset_gate_scaling_its_recurrent_source():
    state = _state("gru")
    state.open(0, 1, 15)
    assert "r × " in state.gate_texts()[2].sum and "r × " not in state.gate_texts()[0].sum


def test_the_chain_goes_back_one_row_and_stops_at_the_first():
    state = _state("lstm", (6, 8))
    state.open(1, 2, 10)
    assert "units of layer 1 after this row" in state.sources_text()
    unit = state.gate_texts()[0].recurrent[0][0]
    assert state.follow(unit) == 9 and (state.layer, state.unit) == (1, unit)
    state.set_row(0)
    assert state.gate_texts()[0].recurrent == [] and "no earlier h" in state.chain_hint()


def test_a_model_without_the_unit_forgets_it():
    state = _state("lstm", (12,))
    state.open(0, 11, 5)
    small = _state("gru", (8,))
    state.set_trace(small.tracer, small.trace)
    assert state.unit is None and not state.ready


def test_the_labs_edits_are_said_where_they_act():
    """Each cell: a silenced unit's update as computed, then its h held at 0; a pinned gate at its
    pin, the unused sigmoid beside it; a hidden row's pixels said blank."""
    from recognizer.network.interventions import HiddenRows, Interventions, Pin, Silence

    for cell, pin, c in (("lstm", Pin(0, "forget", 1.0, (3,)), " and c = 0"), ("gru", Pin(0, "update", 0.0), ""),
                         ("rnn", None, "")):  # fmt: skip
        state = _state(cell)
        edits = Interventions().add(Silence(0, (3,), from_row=4)).add(HiddenRows(10, 14))
        edits = edits if pin is None else edits.add(pin)
        state.set_trace(state.tracer, state.tracer(state.trace.image, edits), edits)
        state.open(0, 3, 12)
        assert state.update_text().endswith(f"\nUnit 3 is silenced from row 5: h = 0{c}")
        assert f"= {state.step.computed_h:.3f}".replace("-", "−") in state.update_text()
        assert "Row 13 is hidden (rows 11–15): its pixels read as blank." in state.sources_text()
        if pin is not None:
            text = state.gate_texts()[GATE_INDEX[pin.gate]].sum
            assert text.startswith(f"{SYMBOL[pin.gate]} = {pin.value:g}, pinned (sigmoid(")
        state.set_row(3)  # before the silence and the hidden rows: neither is said
        assert "silenced" not in state.update_text() and "hidden" not in state.sources_text()
