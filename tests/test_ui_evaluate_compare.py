"""The Evaluate tab's Compare page: two models on the test set in the background, both accuracies,
and the digits one gets right and the other wrong, as the core computes them."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.datasets.mnist import MNIST
from recognizer.evaluation.accuracy import predict_probabilities
from recognizer.files.model_file import load_model
from recognizer.reading import ReadingSession


@pytest.fixture
def tab(evaluate_tab_on):
    return evaluate_tab_on("compare_page")


@pytest.fixture(scope="module")
def part(mnist):
    """A fifth of the test set: the page and the check below each read it with both models, which
    on all 10,000 made this the suite's slowest test (16 s); what is compared is the same."""
    return MNIST(mnist.train_images[:100], mnist.train_labels[:100], mnist.test_images[:2000], mnist.test_labels[:2000])


def test_two_models_on_the_test_set_agree_with_the_core(evaluate_tab_on, qtbot, part, model_path, stacked_model_path,
                                                        messages):  # fmt: skip
    tab, mnist = evaluate_tab_on("compare_page", part), part
    page = tab.compare_page
    page.choose_model(stacked_model_path)
    assert page.compare_button.isEnabled()
    with qtbot.waitSignal(page.finished, timeout=120_000) as done:
        page.compare_button.click()
        assert page.comparison.slot.busy and page.progress.isVisible()  # in the background: the click came back
        assert not page.compare_button.isEnabled()
    result = done.args[0]
    pa = predict_probabilities(load_model(model_path).model, mnist.test_images)
    pb = predict_probabilities(load_model(stacked_model_path).model, mnist.test_images)
    right_a, right_b = pa.argmax(1) == mnist.test_labels, pb.argmax(1) == mnist.test_labels
    assert page.accuracy["a"].text().startswith(f"A: {right_a.mean():.2%}")
    assert page.accuracy["b"].text() == f"B: {right_b.mean():.2%}  stacked.safetensors"
    a_only = np.flatnonzero(right_a & ~right_b)
    assert page.grids["a"].count() == len(a_only) > 1000  # the random B gets most of the 2,000 digits wrong
    shown = [page.grids["a"].model().digit_at(r) for r in range(page.grids["a"].count())]
    assert sorted(shown) == list(a_only)
    assert sorted(page.grids["b"].model().digit_at(r) for r in range(page.grids["b"].count())) == list(np.flatnonzero(right_b & ~right_a))
    first = shown[0]
    assert page.comparison.thumb_text("a", first) == f"{mnist.test_labels[first]} · B: {pb[first].argmax()}"
    assert page.grid_titles["a"].text() == f"A right, B wrong: {len(a_only):,} digits"
    assert "they give the same answer on" in page.status.text()
    assert not page.progress.isVisible() and result.accuracy_a == pytest.approx(right_a.mean())

    sent = []
    tab.inspect_requested.connect(lambda image, caption: sent.append(caption))
    page.inspect_digit.emit("test", first)  # what a double-click on the thumbnail sends
    assert sent and f"#{first}" in sent[0].replace(",", "")

    tab.set_model_in_use(ReadingSession.load(stacked_model_path))  # a new A: the result no longer applies
    assert page.grids["a"].count() == 0 and "Press Compare" in page.status.text()
    assert messages == []


def test_b_starts_as_another_model_and_is_never_the_model_in_use(tab, qtbot, model_path, stacked_model_path):
    page = tab.compare_page
    listed = [page.chooser.itemData(i) for i in range(page.chooser.count())]
    assert listed and str(model_path) not in listed  # A is not offered as its own B
    assert page.comparison.path_b is not None and page.chooser.currentData() == str(page.comparison.path_b)
    assert page.accuracy["b"].text() == f"B: {page.comparison.path_b.name}" and page.compare_button.isEnabled()
    page.choose_model(model_path)  # A itself: refused, B stays
    assert str(page.comparison.path_b) == listed[0]
    page.choose_model(stacked_model_path)
    tab.set_model_in_use(ReadingSession.load(stacked_model_path))  # B becomes the model in use: another B
    assert page.comparison.path_b is not None and page.comparison.path_b.name != "stacked.safetensors"
    assert page.chooser.findData(str(stacked_model_path)) < 0


def test_a_b_that_will_not_load_is_reported_and_the_last_good_b_stays(tab, qtbot, tmp_path, stacked_model_path, messages):
    page = tab.compare_page
    page.choose_model(stacked_model_path)
    with qtbot.waitSignal(page.finished, timeout=120_000):
        page.start()
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x01" * 12)
    page.choose_model(bad)
    page.start()
    qtbot.waitUntil(lambda: bool(messages), timeout=60_000)
    kind, title, text, _ = messages[-1]
    assert (kind, title) == ("warning", "Cannot compare the models") and "bad.safetensors" in text
    assert page.comparison.path_b == stacked_model_path and page.chooser.currentData() == str(stacked_model_path)
    assert page.grids["a"].count() > 0  # the previous comparison is still shown
