"""The LSTMVis search on Evaluate's Browse page (issue 26): units high from row a to b, answered
by the neighbour index's stored states, typed and clicked through the real form."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from recognizer.evaluation import neighbours
from recognizer.files.model_file import load_model
from recognizer.network.trace import Tracer
from recognizer.reading import ReadingSession

SIZE = 300


@pytest.fixture
def page(evaluate_tab_on, monkeypatch):
    monkeypatch.setattr(neighbours, "SAMPLE", SIZE)
    return evaluate_tab_on("browse_page").browse_page


def test_the_search_shows_the_training_digits_that_meet_it(page, qtbot, mnist, model_path):
    tracer = Tracer(load_model(model_path).model)
    sample = neighbours.sample_indices(len(mnist.train_images), SIZE)
    full = neighbours.last_states(tracer, mnist.train_images[sample])  # (S, 28, n)
    span = full[:, 14:28]
    unit = int(span.mean(axis=(0, 1)).argmax())
    threshold = round(float(np.median(span[:, :, unit].min(axis=1))), 2)
    qtbot.keyClicks(page.search.units, str(unit))  # numbered as the heatmap numbers them, from 0
    page.search.first.setValue(15)
    page.search.last.setValue(28)
    page.search.threshold.setValue(threshold)
    qtbot.mouseClick(page.search.search_button, Qt.LeftButton)
    assert page.search.wait_idle(timeout=300)  # a bound, not a timing: a loaded machine took over 30 s
    qtbot.waitUntil(lambda: page.search.found is not None)
    shown = page.grid.digits.indices.tolist()
    lowest = dict(zip(sample.tolist(), span[:, :, unit].min(axis=1)))
    assert page.dataset.currentData() == "train" and 0 < len(shown) < SIZE
    assert all(lowest[i] >= threshold - 1 / 127 for i in shown)
    assert all(lowest[i] < threshold + 1 / 127 for i in set(sample.tolist()) - set(shown))
    assert f"{len(shown):,} of the {SIZE:,}" in page.search.status.text()
    page.label.setCurrentIndex(1 + 7)  # the other filters still apply
    assert set(page.grid.digits.indices.tolist()) == {i for i in shown if mnist.train_labels[i] == 7}
    qtbot.mouseClick(page.search.clear_button, Qt.LeftButton)
    assert page.grid.count() == int((mnist.train_labels == 7).sum())


def test_bad_units_are_said_and_search_nothing(page, qtbot):
    qtbot.keyClicks(page.search.units, "3, x9")
    qtbot.mouseClick(page.search.search_button, Qt.LeftButton)
    assert "not 'x9'" in page.search.status.text() and page.search.found is None
    page.search.units.setText("128")
    qtbot.mouseClick(page.search.search_button, Qt.LeftButton)
    assert "from 0 to 127" in page.search.status.text()


def test_units_are_parsed_one_based():
    assert neighbours.parse_units("3, 17 20-22 0", 32) == [0, 3, 17, 20, 21, 22]
    for bad in ("", "32", "5-2", "a", "-1"):
        with pytest.raises(ValueError):
            neighbours.parse_units(bad, 32)


def test_a_search_of_the_previous_model_never_lands(page, qtbot, stacked_model_path):
    qtbot.keyClicks(page.search.units, "3")
    qtbot.mouseClick(page.search.search_button, Qt.LeftButton)
    assert page.state.search_job.busy
    page.state.set_model(ReadingSession.load(stacked_model_path))  # a new model while it reads the training digits
    assert not page.state.search_job.busy
    assert page.search.wait_idle()  # whatever the cancelled search still sent has been delivered
    assert page.search.found is None
