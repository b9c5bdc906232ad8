"""The neighbour strip in Draw & Inspect (issue 26): its words without a display, and through the
real tab: the "building…" state, the thumbnails following the row, a click opening the digit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from recognizer.evaluation import neighbours
from recognizer.files.model_file import LoadedModel
from recognizer.network.model import ModelConfig, RowRNN
from recognizer.reading import ReadingSession
from recognizer.ui.inspect.neighbour_state import BUILDING, MISSING, NO_MODEL, READY, NeighbourState

SIZE = 200


def _session(seed=0) -> ReadingSession:
    torch.manual_seed(seed)
    return ReadingSession(LoadedModel(RowRNN(ModelConfig((24,))), {}))


@pytest.fixture
def small_sample(monkeypatch, mnist):
    """A sample of SIZE training digits, and MNIST as if loaded before (no 60,000-image read)."""
    monkeypatch.setattr(neighbours, "SAMPLE", SIZE)
    monkeypatch.setattr("recognizer.ui.data_dialog.cached_mnist", lambda *a: mnist)


def test_the_state_says_what_it_is_doing(mnist):
    tracer = _session().tracer
    state = NeighbourState(k=5)
    assert state.phase == NO_MODEL and state.neighbours() == [] and not state.can_build
    state.set_model(True)
    state.set_cached(None)
    assert state.phase == MISSING and state.can_build and "built once per model" in state.status_text()
    assert state.start_building() and state.phase == BUILDING and not state.start_building()
    state.progress(100, 400)
    assert "100 of 400 digits" in state.status_text() and state.progress_percent() == 25
    state.built(neighbours.build(tracer, mnist.train_images[:1000], mnist.train_labels[:1000], size=SIZE))
    assert state.phase == READY and state.neighbours() == [] and "Draw a digit" in state.status_text()
    h = tracer(mnist.test_images[0] / 255.0).layers[-1].h
    state.set_trace(h)
    state.set_row(40)  # held to the last row
    found = state.neighbours()
    assert state.row == 27 and len(found) == 5
    assert [n.train_index for n in found] == state.index.indices[state.index.query(h[27], 27, 5)].tolist()
    assert "After row 28" in state.status_text(found) and str(found[0].label) in state.status_text(found)
    assert found[0].caption == f"Training digit #{found[0].train_index + 1:,} (a {found[0].label})"
    state.failed("disk full")
    assert state.can_build and state.status_text() == "Could not build the index: disk full"


def test_a_click_on_a_thumbnail_opens_its_digit(qtbot, draw, small_sample, mnist):
    from recognizer.ui.inspect.tab import InspectTab

    tab = InspectTab()
    qtbot.addWidget(tab)
    tab.resize(1024, 700)
    tab.show()
    tab.set_model_in_use(_session())
    strip = tab.neighbour_strip
    assert strip.wait_idle()
    qtbot.waitUntil(lambda: strip.state.phase == MISSING)
    assert strip.build_button.isVisible() and not strip.thumbs.neighbours
    draw(tab.canvas, 3)
    qtbot.mouseClick(strip.build_button, Qt.LeftButton)
    assert strip.state.phase == BUILDING and strip.progress.isVisible() and "Building" in strip.status.text()
    qtbot.waitUntil(lambda: strip.state.phase == READY, timeout=20000)
    assert not strip.build_button.isVisible() and neighbours.cache_path(strip.state.index.model_key).is_file()
    tab.go_to_row(27)
    last = [n.train_index for n in strip.thumbs.neighbours]
    assert len(last) == neighbours.K
    tab.go_to_row(3)
    assert strip.state.row == 3 and "After row 4" in strip.status.text()
    first = strip.thumbs.neighbours[0]
    qtbot.mouseClick(strip.thumbs, Qt.LeftButton, pos=strip.thumbs.cell(0).center())
    assert np.allclose(tab.state.image28, first.image / 255.0)
    assert np.array_equal(first.image, mnist.train_images[first.train_index])
    assert tab.draw_box.title() == first.caption
    # the context menu's other choice: the same digit, read by two models side by side
    other = strip.thumbs.neighbours[1]
    assert not tab.compare.active
    compare = [a for a in strip.thumbs.menu_for(other).actions() if "Compare" in a.text()]
    compare[0].trigger()
    assert tab.compare.active and np.allclose(tab.state.image28, other.image / 255.0)


def test_another_model_finds_its_cached_index(qtbot, small_sample, mnist):
    from recognizer.ui.inspect.tab import InspectTab

    session = _session(1)
    neighbours.index_for(session.tracer, mnist.train_images, mnist.train_labels)  # cached before
    tab = InspectTab()
    qtbot.addWidget(tab)
    tab.set_model_in_use(_session(2))
    strip = tab.neighbour_strip
    qtbot.waitUntil(lambda: strip.state.phase == MISSING)
    tab.set_model_in_use(session)
    qtbot.waitUntil(lambda: strip.state.phase == READY)
    tab.inspect_image(mnist.test_images[1] / 255.0, "a test digit", play=False)
    assert len(strip.thumbs.neighbours) == neighbours.K and strip.state.row == 27
