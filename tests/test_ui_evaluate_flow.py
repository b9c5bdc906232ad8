"""The Evaluate tab's Gradient flow page through the real tab: Measure runs on the tab's runner,
and the plot then holds one line per shipped model, named by its architecture, whose points are
what flow_curves computes for that model on the same 500 test digits."""

import numpy as np
import pytest

from recognizer.evaluation.flow_curves import compare_flows, first_test_digits, shipped_model_files
from recognizer.reading import ReadingSession
from recognizer.ui.evaluate.flow_page import Y_AXIS


@pytest.fixture
def tab(evaluate_tab_on):
    return evaluate_tab_on("flow_page")


def test_one_curve_per_shipped_model_equal_to_the_core(tab, qtbot, mnist, stacked_model_path, messages):
    page = tab.flow_page
    assert tab.pages.tabText(tab.pages.currentIndex()) == "Gradient flow"
    assert page.curves == [] and page.status.text().startswith("Press Measure")
    with qtbot.waitSignal(page.finished, timeout=300_000) as done:
        page.measure_button.click()
        assert page.flow.slot.busy and page.progress.isVisible()  # in the background: the click came back
        assert not page.measure_button.isEnabled()
    shown = done.args[0]
    images, labels = first_test_digits(mnist.test_images, mnist.test_labels)
    by_name = {c.name: c for c in compare_flows(shipped_model_files(), images, labels)}
    assert [c.name for c in shown] == ["RNN 128", "GRU 128", "LSTM 128", "LSTM 32×64"]  # the plain cell first
    expected = [by_name[c.name] for c in shown]
    assert len(page.curves) == len(by_name) == 4
    assert [label.text for _, label in page.legend.items] == [c.name for c in shown]
    colours = {line.opts["pen"].color().name() for line in page.curves}
    assert len(colours) == 4
    for line, core in zip(page.curves, expected):
        x, y = line.getData()
        np.testing.assert_array_equal(x, np.arange(1, 29))
        np.testing.assert_allclose(y, core.flow / core.flow.max(), rtol=1e-6)
    assert page.plot.getPlotItem().getAxis("left").labelText == Y_AXIS
    assert page.status.text().startswith("‖∂loss/∂h_1‖ / ‖∂loss/∂h_28‖: RNN 128 ")
    assert not page.progress.isVisible() and page.measure_button.isEnabled()

    tab.set_model_in_use(ReadingSession.load(stacked_model_path))  # the model in use does not change what was measured
    assert len(page.curves) == 4 and messages == []


def test_a_model_file_that_will_not_load_is_reported_and_the_page_keeps_working(tab, qtbot, tmp_path, messages):
    page = tab.flow_page
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x01" * 12)
    page.model_files = [bad]
    page.start()
    qtbot.waitUntil(lambda: bool(messages), timeout=60_000)
    kind, title, text, _ = messages[-1]
    assert (kind, title) == ("warning", "Cannot measure the gradient flow") and "bad.safetensors" in text
    assert page.status.text().startswith("The measurement failed:") and page.measure_button.isEnabled()
    assert page.curves == []


def test_a_new_model_in_use_stops_a_measurement_and_the_page_can_start_again(tab, qtbot, stacked_model_path, messages):
    page = tab.flow_page
    page.start()
    assert page.flow.slot.busy
    tab.set_model_in_use(ReadingSession.load(stacked_model_path))  # the tab cancels all its jobs
    qtbot.waitUntil(lambda: not page.flow.slot.busy, timeout=60_000)
    assert page.measure_button.isEnabled() and not page.progress.isVisible()
    assert page.status.text().startswith("Press Measure") and messages == []
