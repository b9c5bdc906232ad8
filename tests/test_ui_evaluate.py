"""The Evaluate tab: the evaluation runs off the UI thread and agrees with the core's evaluate();
the matrix, the galleries and the browser open digits in Draw & Inspect; the map and the saliency
follow a drawn digit; the robustness check draws its curves.

Most tests share one tab evaluated once on the real MNIST test set (needs MNIST_DIR); its training
set is cut to 3,000 digits so that browsing it stays quick.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QSlider,
)
from window_tabs import placeholder_tabs

from recognizer.datasets.mnist import MNIST  # noqa: E402  # noqa: E402
from recognizer.evaluation import analysis  # noqa: E402  # noqa: E402
from recognizer.evaluation.accuracy import evaluate  # noqa: E402  # noqa: E402
from recognizer.files.model_file import load_model  # noqa: E402  # noqa: E402
from recognizer.network.trace import Tracer  # noqa: E402  # noqa: E402
from recognizer.reading import ReadingSession
from recognizer.ui import theme  # noqa: E402
from recognizer.ui.app import make_application  # noqa: E402
from recognizer.ui.digit_grid import DigitGrid  # noqa: E402
from recognizer.ui.evaluate.tab import PAGE_BROWSE, PAGE_MAP, PAGE_ROBUSTNESS, PAGE_SALIENCY, EvaluateTab  # noqa: E402

TRAIN_SUBSET = 3000


def double_click(qtbot, grid, row):
    """A real double-click on a thumbnail: press and release, then the second press that Qt turns
    into a double-click (QTest's bare mouseDClick lacks the first click)."""
    pos = grid.item_center(row)
    qtbot.mouseClick(grid.viewport(), Qt.LeftButton, pos=pos)
    qtbot.mouseDClick(grid.viewport(), Qt.LeftButton, pos=pos)


def wait_until(qapp, condition, timeout=60.0):
    from PySide6.QtTest import QTest

    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        QTest.qWait(10)


@pytest.fixture(scope="module")
def mnist(mnist):
    """The full test set and the first TRAIN_SUBSET training digits."""
    full = mnist
    return MNIST(full.train_images[:TRAIN_SUBSET], full.train_labels[:TRAIN_SUBSET], full.test_images, full.test_labels)


@pytest.fixture(scope="module")
def loaded(model_path):
    return load_model(model_path)


@pytest.fixture(scope="module")
def core_evaluation(loaded, mnist):
    return evaluate(loaded.model, mnist.test_images, mnist.test_labels)


@pytest.fixture(scope="module")
def shared_tab(qapp, mnist, loaded):
    """One tab, shown and evaluated on the whole test set, for the tests that only read it."""
    make_application()
    theme.apply(qapp)
    tab = EvaluateTab(auto_evaluate=False)
    tab.resize(1280, 760)
    tab.set_data(mnist)
    tab.set_model_in_use(ReadingSession(loaded))
    tab.show()
    finished = []
    tab.evaluation_finished.connect(finished.append)
    start = time.perf_counter()
    tab.start_evaluation()
    assert tab.busy  # in the background: the call came straight back
    wait_until(qapp, lambda: finished)
    tab.wall_seconds = time.perf_counter() - start
    yield tab
    tab.shutdown()
    tab.close()
    tab.deleteLater()


@pytest.fixture
def tab(shared_tab, qtbot):
    shared_tab.pages.setCurrentIndex(0)
    return shared_tab


def test_the_evaluation_fills_the_matrix_and_agrees_with_the_core(tab, core_evaluation, mnist):
    ev = tab.evaluation
    assert ev is not None and len(ev.labels) == 10_000
    np.testing.assert_array_equal(ev.confusion, core_evaluation.confusion)
    assert ev.accuracy == core_evaluation.accuracy
    np.testing.assert_allclose(ev.probabilities, core_evaluation.probabilities, atol=1e-6)
    np.testing.assert_allclose(ev.precision, core_evaluation.precision)
    np.testing.assert_allclose(ev.recall, core_evaluation.recall)
    # What the user reads: the heatmap's numbers, the table, the headline.
    m = core_evaluation.confusion
    for t in range(10):
        for p in range(10):
            assert tab.matrix_page.view.labels[t][p].toPlainText() == f"{m[t, p]:,}"
    assert tab.matrix_page.view.image.image.shape == (10, 10)
    for d in range(10):
        assert tab.matrix_page.table.item(d, 3).text() == f"{core_evaluation.precision[d]:.2%}"
        assert tab.matrix_page.table.item(d, 4).text() == f"{core_evaluation.recall[d]:.2%}"
        assert tab.matrix_page.table.item(d, 1).text() == f"{m[d].sum():,}"
    assert tab.accuracy_label.text() == f"{core_evaluation.accuracy:.2%}"
    assert f"{int(m.trace()):,} of 10,000" in tab.summary_label.text()
    assert 0 < tab.test_result.seconds < tab.wall_seconds
    # The map holds every test digit, as many dots per colour as labels.
    assert tab.test_result.points.shape == (10_000, 2)
    for digit, scatter in enumerate(tab.map_page.map.scatters):
        assert len(scatter.data) == int((mnist.test_labels == digit).sum())


def test_clicking_a_matrix_cell_lists_its_digits_and_a_double_click_inspects_one(tab, qtbot, core_evaluation, mnist):
    ev = core_evaluation
    off = ev.confusion.copy()
    np.fill_diagonal(off, 0)
    t, p = np.unravel_index(int(off.argmax()), off.shape)
    # Another cell first, so the click below really changes the selection.
    tab.select_cell(0, 0)
    qtbot.mouseClick(tab.matrix_page.view.viewport(), Qt.LeftButton, pos=tab.matrix_page.view.cell_center(int(t), int(p)))
    assert tab.matrix_page.view.selection.isVisible()
    grid = tab.matrix_page.grid
    assert grid.count() == ev.confusion[t, p]
    listed = grid.digits.indices
    assert np.all(ev.labels[listed] == t) and np.all(ev.predictions[listed] == p)
    assert f"True {t}, predicted {p}" in tab.matrix_page.cell_box.title()

    with qtbot.waitSignal(tab.inspect_requested, timeout=2000) as signal:
        double_click(qtbot, grid, 0)
    image, caption = signal.args
    i = int(listed[0])
    assert image.shape == (28, 28) and image.dtype == np.float32 and 0 <= image.min() and image.max() <= 1
    np.testing.assert_allclose(image, mnist.test_images[i] / 255.0, atol=1e-6)
    assert caption == f"test digit #{i}: true {t}"  # no answer: Draw & Inspect shows its own model's


def test_the_diagonal_cells_list_correct_digits(tab, core_evaluation):
    tab.select_cell(7, 7)
    assert tab.matrix_page.grid.count() == core_evaluation.confusion[7, 7]
    confidences = core_evaluation.confidences[tab.matrix_page.grid.digits.indices]
    assert np.all(np.diff(confidences) >= 0)  # the near-misses first


def test_the_mistakes_gallery_is_sorted_by_confidence(tab, qtbot, core_evaluation):
    ev = core_evaluation
    tab.pages.setCurrentIndex(1)
    grid = tab.mistakes_page.grid
    wrong = np.flatnonzero(ev.predictions != ev.labels)
    assert grid.count() == len(wrong) > 0
    shown = grid.digits.indices
    assert set(shown) == set(wrong)
    assert np.all(np.diff(ev.confidences[shown]) <= 0)
    first = int(shown[0])
    text = grid.model().data(grid.model().index(0), Qt.DisplayRole)
    assert text.startswith(f"{ev.labels[first]}→{ev.predictions[first]} ")
    tab.mistakes_page.order.setCurrentIndex(1)
    assert np.all(np.diff(ev.confidences[grid.digits.indices]) >= 0)
    tab.mistakes_page.order.setCurrentIndex(0)

    with qtbot.waitSignal(tab.inspect_requested, timeout=2000) as signal:
        double_click(qtbot, grid, 2)
    assert signal.args[1] == f"test digit #{int(shown[2])}: true {ev.labels[shown[2]]}"
    # The Inspect button sends the selected one.
    grid.select_row(1)
    with qtbot.waitSignal(tab.inspect_requested, timeout=2000) as signal:
        tab.mistakes_page.inspect_button.click()
    assert signal.args[1].startswith(f"test digit #{int(shown[1])}:")


def test_mistakes_the_verdict_turns_away_are_marked_on_mistakes_and_browse(tab, core_evaluation, loaded, mnist):
    from recognizer.trust.verdict import judge_batch

    ev = core_evaluation
    wrong = np.flatnonzero(ev.predictions != ev.labels)
    kinds = {int(i): v.kind for i, v in zip(wrong, judge_batch(loaded.model, mnist.test_images[wrong], loaded.trust))}
    away = {i: k for i, k in kinds.items() if k != "digit"}
    assert away, "the shipped model turns some of its mistakes away"  # else this test checks nothing
    tab.pages.setCurrentIndex(1)
    tab.browse_page.mistakes_only.setChecked(True)
    try:
        for grid in (tab.mistakes_page.grid, tab.browse_page.grid):
            texts = {grid.model().digit_at(r): grid.model().data(grid.model().index(r), Qt.DisplayRole)
                     for r in range(grid.count())}  # fmt: skip
            assert set(texts) == set(kinds)
            for i, text in texts.items():
                mark = {"unsure": "unsure", "not-a-digit": "no digit"}.get(kinds[i])
                assert (text.endswith(mark) if mark else text.endswith("%")), (i, kinds[i], text)
    finally:
        tab.browse_page.mistakes_only.setChecked(False)
    assert f"({len(away)} the verdict would turn away" in tab.mistakes_page.count.text()
    first = next(iter(away))
    assert "the verdict: not" in tab.state.digit_caption("test", first)


def test_the_browser_filters_by_label_answer_and_confidence(tab, qtbot, core_evaluation, mnist):
    ev = core_evaluation
    tab.pages.setCurrentIndex(2)
    assert tab.browse_page.grid.count() == 10_000
    tab.browse_page.label.setCurrentIndex(1 + 4)
    assert tab.browse_page.grid.count() == int((ev.labels == 4).sum())
    tab.browse_page.answer.setCurrentIndex(1 + 9)
    assert tab.browse_page.grid.count() == ev.confusion[4, 9]
    tab.browse_page.answer.setCurrentIndex(0)
    tab.browse_page.conf_max.setValue(99.0)
    expected = (ev.labels == 4) & (ev.confidences <= 0.99 + 1e-9)
    assert tab.browse_page.grid.count() == int(expected.sum())
    np.testing.assert_array_equal(tab.browse_page.grid.digits.indices, np.flatnonzero(expected))
    tab.browse_page.mistakes_only.setChecked(True)
    assert tab.browse_page.grid.count() == int((expected & (ev.predictions != ev.labels)).sum())
    tab.browse_page.mistakes_only.setChecked(False)
    tab.browse_page.conf_max.setValue(100.0)
    tab.browse_page.label.setCurrentIndex(0)

    # The training set: its answers are computed in the background, then the filters work on it.
    tab.browse_page.dataset.setCurrentIndex(1)
    assert tab.browse_page.grid.count() == TRAIN_SUBSET
    wait_until(qtbot, lambda: tab.state.train_probabilities is not None)
    assert tab.browse_page.answer.isEnabled()
    tab.browse_page.mistakes_only.setChecked(True)
    train_wrong = tab.state.train_probabilities.argmax(1) != mnist.train_labels
    assert tab.browse_page.grid.count() == int(train_wrong.sum())
    tab.browse_page.mistakes_only.setChecked(False)
    with qtbot.waitSignal(tab.inspect_requested, timeout=2000) as signal:
        double_click(qtbot, tab.browse_page.grid, 5)
    assert signal.args[1].startswith("training digit #5: true ")
    np.testing.assert_allclose(signal.args[0], mnist.train_images[5] / 255.0, atol=1e-6)
    tab.browse_page.dataset.setCurrentIndex(0)


def test_finishing_an_evaluation_keeps_the_drawn_digit(qapp, mnist, loaded):
    """The matrix opens its busiest mistake cell, but the digit from Draw & Inspect stays current."""
    tab = EvaluateTab(auto_evaluate=False)
    tab.set_data(mnist)
    tab.set_model_in_use(ReadingSession(loaded))
    tab.show()
    image = np.zeros((28, 28), np.float32)
    image[5:23, 12:16] = 1.0
    trace = Tracer(loaded.model)(image)
    tab.show_trace(trace, 27)
    finished = []
    tab.evaluation_finished.connect(finished.append)
    tab.start_evaluation()
    wait_until(qapp, lambda: finished)
    assert tab.current_digit().trace is trace
    assert tab.matrix_page.grid.count() > 0  # the cell was still opened
    tab.shutdown()
    tab.close()


def test_a_hidden_tab_catches_up_when_shown(tab, qtbot, loaded):
    """While hidden, show_trace only remembers the latest call; showing the tab applies it."""
    image = np.zeros((28, 28), np.float32)
    image[5:23, 12:16] = 1.0
    trace = Tracer(loaded.model)(image)
    tab.hide()
    before = tab.current_digit()
    tab.show_trace(trace, 3)
    tab.show_trace(None, 9)  # a later row for the same digit
    assert tab.current_digit() is before
    tab.show()
    assert tab.current_digit().trace is trace and tab.map_page.digit_bar.player.row == 9


def test_the_map_and_the_saliency_follow_a_drawn_digit(tab, qtbot, draw, loaded):
    """As the main window does: the inspector's trace and row go to show_trace."""
    from recognizer.ui.inspect.tab import InspectTab

    inspector = InspectTab()
    qtbot.addWidget(inspector)
    inspector.set_model_in_use(ReadingSession(loaded))
    inspector.resize(1000, 700)
    inspector.show()
    draw(inspector.canvas, 3)
    trace = inspector.trace
    assert trace is not None

    tab.pages.setCurrentIndex(PAGE_MAP)
    tab.show_trace(trace, 12)
    current = tab.current_digit()
    assert current.trace is trace and "drawing" in current.caption.lower()
    pca = tab.test_result.pca
    np.testing.assert_allclose(current.path, pca.transform(trace.layers[-1].h), atol=1e-5)
    x, y = tab.map_page.map.path_read.getData()
    assert len(x) == 13  # rows 1..13 read
    np.testing.assert_allclose(x, current.path[:13, 0], atol=1e-6)
    assert tab.map_page.map.row_label.toPlainText() == "row 13"
    assert tab.map_page.digit_bar.player.row == 12 and tab.saliency_page.digit_bar.player.row == 12
    tab.show_trace(trace, 27)
    assert len(tab.map_page.map.path_read.getData()[0]) == 28

    tab.pages.setCurrentIndex(PAGE_SALIENCY)
    qtbot.wait(20)
    s = current.saliency
    assert s is not None  # computed once its page is on screen
    expected = analysis.saliency(loaded.model, trace.image, row=27)
    np.testing.assert_allclose(tab.saliency_page.view.pixels, expected.pixels, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(tab.saliency_page.view.rows, expected.rows, rtol=1e-4, atol=1e-6)
    assert f"score of {trace.prediction}" in tab.saliency_page.row_caption.text()
    # Another row: the bars below it are empty (not read yet).
    tab.show_trace(trace, 10)
    assert np.all(tab.saliency_page.view.rows[11:] == 0) and tab.saliency_page.view.rows[:11].sum() > 0
    assert tab.saliency_page.view.unread.isVisible()
    # Another target.
    tab.saliency_page.target.setCurrentIndex(1 + 8)
    assert np.all(current.saliency.targets == 8)
    np.testing.assert_allclose(tab.saliency_page.view.pixels, analysis.saliency(loaded.model, trace.image, 8, row=10).pixels,
                               rtol=1e-4, atol=1e-7)  # fmt: skip
    tab.saliency_page.target.setCurrentIndex(0)
    # The views really drew: the saliency's image is not blank.
    shot = tab.saliency_page.view.grab().toImage()
    assert not shot.isNull()
    # The player steps both views through the rows.
    tab.saliency_page.digit_bar.player.slider.setValue(5)
    assert tab.map_page.map.row == 4 and np.all(tab.saliency_page.view.rows[5:] == 0)
    tab.show_trace(None, None)  # an empty canvas keeps the digit
    assert tab.current_digit() is current


def test_clicking_a_digit_explains_it_and_inspect_sends_it(tab, qtbot, mnist):
    tab.pages.setCurrentIndex(1)
    grid = tab.mistakes_page.grid
    grid.select_row(0)
    i = grid.current_digit()
    current = tab.current_digit()
    assert current.caption.startswith(f"test digit #{i}:")
    np.testing.assert_allclose(current.image, mnist.test_images[i] / 255.0, atol=1e-6)
    tab.pages.setCurrentIndex(PAGE_MAP)
    with qtbot.waitSignal(tab.inspect_requested, timeout=2000) as signal:
        tab.map_page.digit_bar.inspect_button.click()
    assert signal.args[1] == f"test digit #{i}: true {mnist.test_labels[i]}"  # the answer is left to Draw & Inspect
    # The inspector traces it and calls back: the tab knows it is the same digit.
    tab.show_trace(Tracer(tab.model.model)(signal.args[0]), 27)
    assert tab.current_digit().caption == current.caption


def test_clicking_a_dot_on_the_map_follows_that_digit(tab, qtbot, mnist, core_evaluation):
    tab.pages.setCurrentIndex(PAGE_MAP)
    scatter = tab.map_page.map.scatters[6]
    point = scatter.points()[10]
    i = int(point.data())
    assert mnist.test_labels[i] == 6
    scatter.sigClicked.emit(scatter, [point], None)
    current = tab.current_digit()
    assert current.source == ("test", i) and current.caption.startswith(f"test digit #{i}: true 6, predicted ")
    np.testing.assert_allclose(current.path[-1], tab.test_result.points[i], atol=1e-4)  # it ends on its dot
    assert tab.map_page.map._tip(0, 0, i) == current.caption


def test_every_control_has_a_tooltip(tab):
    kinds = (QAbstractButton, QComboBox, QSlider, QAbstractSpinBox, QAbstractItemView)
    missing = []
    for kind in kinds:
        for w in tab.findChildren(kind):
            if w.window() is not tab.window():  # a combo box's popup list
                continue
            if isinstance(w, QAbstractButton) and type(w.parent()).__name__ == "QTabBar":  # its scroll arrows
                continue
            if not (w.toolTip() or (w.parent() is not None and w.parent().toolTip())):
                missing.append(f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}")
    import pyqtgraph as pg

    for plot in tab.findChildren(pg.GraphicsView):
        if not plot.toolTip():
            missing.append(type(plot).__name__)
    for i in range(tab.pages.count()):
        assert tab.pages.tabToolTip(i)
    assert not missing, missing


def test_thumbnails_are_rendered_lazily(qtbot, mnist):
    """A grid of 60,000 digits opens at once: only the thumbnails on screen are rendered."""
    images = np.concatenate([mnist.train_images] * (60_000 // TRAIN_SUBSET))
    grid = DigitGrid()
    qtbot.addWidget(grid)
    grid.resize(900, 600)
    grid.show()
    qtbot.waitExposed(grid)
    grid.set_digits(images, np.arange(len(images)), lambda i: f"{i}", lambda i: f"digit #{i}")
    grid.repaint()
    qtbot.wait(10)
    assert grid.count() == 60_000
    assert 0 < grid.digits.pixmaps_made < 400, grid.digits.pixmaps_made
    grid.scrollToBottom()
    grid.repaint()
    assert grid.digits.pixmaps_made < 800


def test_the_robustness_check_draws_its_curves(qtbot, mnist, loaded, monkeypatch):
    tab = EvaluateTab(auto_evaluate=False, robustness_size=100)
    qtbot.addWidget(tab)
    tab.resize(1280, 760)
    tab.set_data(mnist)
    tab.set_model_in_use(ReadingSession(loaded))
    tab.show()
    tab.pages.setCurrentIndex(PAGE_ROBUSTNESS)
    progress = []  # every level measured reaches the tab, in order
    page = tab.robustness_page
    on_partial = page._on_progress  # what the robustness job slot hands each tick's levels to
    monkeypatch.setattr(page, "_on_progress", lambda items: (progress.extend(items), on_partial(items)))
    with qtbot.waitSignal(tab.robustness_finished, timeout=120_000) as signal:
        tab.run_robustness()
        assert tab.robustness_page.button.text() == "Stop"  # runs in the background
    curves = signal.args[0]
    idx = analysis.robustness_subset(mnist.test_labels, 100)
    plain = evaluate(loaded.model, mnist.test_images[idx], mnist.test_labels[idx]).accuracy
    total = sum(len(p.levels) for p in analysis.PERTURBATIONS)
    assert len(progress) == total
    for p in analysis.PERTURBATIONS:
        c = curves[p.key]
        assert c.accuracy[c.levels == 0][0] == plain
        curve = tab.robustness_page.plots[p.group].curves[p.key]
        xs, ys = curve.getData()
        np.testing.assert_allclose(xs, p.levels)
        np.testing.assert_allclose(ys, c.accuracy * 100)
    for group, plot in tab.robustness_page.plots.items():
        assert plot.baseline.isVisible() and plot.baseline.value() == pytest.approx(plain * 100)
        assert "100 test digits" in tab.robustness_page.boxes[group].title()
    assert all(not label.pixmap().isNull() for label in tab.robustness_page.examples.values())
    assert "Done" in tab.robustness_page.status.text() and tab.robustness_page.button.text() == "Run again"
    # The strips of example digits never make the tab (and so the window) wider than 1024 px.
    assert tab.minimumSizeHint().width() <= 1024, tab.minimumSizeHint()
    tab.shutdown()


def test_a_new_model_drops_the_old_results_and_is_evaluated_again(qtbot, mnist, loaded, stacked_model_path):
    tab = EvaluateTab(auto_evaluate=True)
    qtbot.addWidget(tab)
    tab.set_data(mnist)
    tab.set_model_in_use(ReadingSession(loaded))
    finished = []
    tab.evaluation_finished.connect(finished.append)
    tab.show()  # shown: the evaluation starts by itself
    qtbot.waitUntil(lambda: tab.busy, timeout=2000)
    other = load_model(stacked_model_path)
    tab.set_model_in_use(ReadingSession(other))  # while the first evaluation runs
    qtbot.waitUntil(lambda: bool(finished), timeout=60_000)
    qtbot.wait(50)
    assert len(finished) == 1  # the first model's result was dropped
    assert tab.model is other
    np.testing.assert_array_equal(finished[0].confusion, evaluate(other.model, mnist.test_images, mnist.test_labels).confusion)
    tab.shutdown()


def test_without_a_model_the_tab_says_so(qtbot, mnist, loaded):
    tab = EvaluateTab(auto_evaluate=False)
    qtbot.addWidget(tab)
    tab.set_data(mnist)
    tab.set_model_in_use(ReadingSession(loaded))
    tab.show_digit(3)
    tab.set_model_in_use(None)  # what the window does when a model file fails to load
    assert tab.model is None and tab.current_digit() is None and tab.evaluation is None
    tab.start_evaluation()
    assert not tab.busy and "No model is loaded" in tab.summary_label.text()
    assert not tab.evaluate_button.isEnabled()
    tab.shutdown()
    tab.set_model_in_use(ReadingSession(loaded))
    tab.start_evaluation()  # after shutdown nothing runs, and nothing hangs
    assert not tab.busy


def test_without_mnist_the_tab_says_why(qtbot, loaded):
    def give_up(parent, on_ready, on_give_up):
        on_give_up("MNIST not found in /nowhere (missing t10k-images-idx3-ubyte)")

    tab = EvaluateTab(auto_evaluate=False, data_loader=give_up)
    qtbot.addWidget(tab)
    tab.set_model_in_use(ReadingSession(loaded))
    tab.start_evaluation()
    assert "MNIST is not available: MNIST not found in /nowhere" in tab.summary_label.text()
    assert tab.evaluate_button.isVisibleTo(tab)  # the tab is not shown: "or not tab.isVisible()" was always true
    assert tab.evaluation is None and not tab.busy


def test_in_the_main_window_a_double_click_opens_the_digit_in_draw_and_inspect(qtbot, model_path, mnist):
    """The real window and tab: shown, the tab gets MNIST through data_dialog.ensure_mnist (from
    MNIST_DIR here) and evaluates by itself; a double-click opens a digit in Draw & Inspect."""
    from recognizer.ui.main_window import MainWindow

    w = MainWindow(model_path=model_path)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    tab = w.evaluate_tab
    assert isinstance(tab, EvaluateTab)
    with qtbot.waitSignal(tab.evaluation_finished, timeout=60_000):
        w.tabs.setCurrentWidget(tab)
    assert tab.data is not None and len(tab.data.train_labels) == 60_000
    np.testing.assert_array_equal(tab.data.test_images, mnist.test_images)
    tab.pages.setCurrentIndex(1)
    grid = tab.mistakes_page.grid
    double_click(qtbot, grid, 0)
    i = grid.digits.digit_at(0)
    assert w.tabs.currentIndex() == 0
    assert w.inspect_tab.draw_box.title().startswith(f"test digit #{i}: true ")
    np.testing.assert_allclose(w.inspect_tab.trace.image, mnist.test_images[i] / 255.0, atol=1e-6)
    tab.shutdown()
    w.close()


# --- the layout and the polish: nothing widens, nothing is cut off, nothing starts by itself -----


def test_browsing_the_training_set_never_widens_the_window(qtbot, mnist, loaded):
    """The "answers are being computed" note goes in an eliding line, not in the filter row."""
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    host = QWidget()  # a window of its own: a wider minimum would make it grow
    qtbot.addWidget(host)
    tab = EvaluateTab(auto_evaluate=False)
    QVBoxLayout(host).addWidget(tab)
    tab.set_data(mnist)
    tab.set_model_in_use(ReadingSession(loaded))
    host.resize(1024, 700)
    host.show()
    qtbot.waitExposed(host)
    tab.pages.setCurrentIndex(PAGE_BROWSE)
    before = tab.minimumSizeHint().width()
    tab.browse_page.dataset.setCurrentIndex(1)
    assert "answers are being computed" in tab.browse_page.count.text()
    qtbot.wait(20)
    assert host.width() == 1024 and tab.minimumSizeHint().width() == before <= 1024
    wait_until(qtbot, lambda: tab.state.train_probabilities is not None)
    qtbot.wait(20)
    assert host.width() == 1024 and "being computed" not in tab.browse_page.count.text()
    tab.shutdown()


def test_the_tab_fits_a_1024x700_window(qtbot, model_path, monkeypatch):
    """In the real window at 1024×700: the tab's minimum fits, four-digit counts fit their cells,
    and no wrapped caption needs more lines than it has. (The Train tab is a placeholder here: its
    own minimum width is its own test's business.)"""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFontMetrics

    from recognizer.ui.main_window import MainWindow
    from recognizer.ui.widgets import TextLine

    placeholder_tabs(monkeypatch, keep=("evaluate", "lab", "digits"))
    w = MainWindow(model_path=model_path)
    qtbot.addWidget(w)
    w.resize(1024, 700)
    w.show()
    tab = w.evaluate_tab
    with qtbot.waitSignal(tab.evaluation_finished, timeout=60_000):
        w.tabs.setCurrentWidget(tab)
    qtbot.wait(20)
    assert (w.width(), w.height()) == (1024, 700)
    hint = tab.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 620, hint
    summary = tab.summary_label  # the header says it in one line, never wraps
    assert summary.fontMetrics().horizontalAdvance(summary.text()) <= summary.width() - 4, summary.text()
    bar = tab.pages.tabBar()  # every page's title whole, no scroll arrows
    assert bar.tabRect(bar.count() - 1).right() <= bar.width(), [bar.tabText(i) for i in range(bar.count())]
    view = tab.matrix_page.view
    assert view.matrix.max() >= 1000
    room = view.cell_pixels()
    for row in view.labels:
        for label in row:
            assert QFontMetrics(label.textItem.font()).horizontalAdvance(label.toPlainText()) <= room - 2
    for page in range(tab.pages.count()):
        tab.pages.setCurrentIndex(page)
        qtbot.wait(10)
        for line in tab.pages.currentWidget().findChildren(TextLine):
            fm = line.fontMetrics()
            lines = (line.height() - 4) // fm.lineSpacing()
            if line.isVisible() and lines > 1:
                needed = fm.boundingRect(QRect(0, 0, line.width() - 4, 10_000), Qt.TextWordWrap, line.text()).height()
                assert needed <= line.height() - 4, (tab.pages.tabText(page), line.text())
    tab.shutdown()
    w.close()


def test_robustness_waits_for_start_and_is_kept_per_model(qtbot, mnist, loaded, stacked_model_path):
    noise = (analysis.PERTURBATIONS_BY_KEY["noise"],)
    tab = EvaluateTab(auto_evaluate=False, robustness_size=100, perturbations=noise)
    qtbot.addWidget(tab)
    tab.set_data(mnist)
    tab.set_model_in_use(ReadingSession(loaded))
    tab.show()
    page = tab.robustness_page
    tab.pages.setCurrentIndex(PAGE_ROBUSTNESS)
    qtbot.wait(50)
    assert not tab.busy and page.button.text() == "Start"  # opening the page starts nothing
    plot = page.plots["noise"]
    assert plot.getPlotItem().getAxis("bottom").labelText == "noise level (share of full ink)"
    with qtbot.waitSignal(tab.robustness_finished, timeout=60_000):
        page.button.click()
    curves = tab.robustness_curves
    assert page.button.text() == "Run again"
    tab.set_model_in_use(ReadingSession.load(stacked_model_path))
    assert tab.robustness_curves is None and page.button.text() == "Start"
    assert len(plot.curves["noise"].getData()[0] or []) == 0
    tab.set_model_in_use(ReadingSession(loaded))  # back to the first model: its result is shown again, nothing runs
    tab.pages.setCurrentIndex(0)
    tab.pages.setCurrentIndex(PAGE_ROBUSTNESS)
    qtbot.wait(20)
    assert tab.robustness_curves is curves and not tab.busy and page.button.text() == "Run again"
    np.testing.assert_allclose(plot.curves["noise"].getData()[1], curves["noise"].accuracy * 100)
    tab.shutdown()


def test_opening_the_tab_without_mnist_offers_to_get_it(qtbot, loaded, tmp_path, monkeypatch):
    """No download question pops up by itself: a Get MNIST… button asks when the user wants."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from recognizer.ui.evaluate import mnist_request

    monkeypatch.setenv("MNIST_DIR", str(tmp_path))  # an empty folder
    asked = []
    monkeypatch.setattr(mnist_request, "ensure_mnist", lambda parent, on_ready, **kw: asked.append(parent))
    tab = EvaluateTab(auto_evaluate=True)
    qtbot.addWidget(tab)
    tab.set_model_in_use(ReadingSession(loaded))
    tab.show()
    qtbot.wait(50)
    assert asked == [] and not tab.busy
    assert tab.get_mnist_button.isVisible() and "not on this computer" in tab.summary_label.text()
    assert not any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets())
    tab.get_mnist_button.click()
    assert asked == [tab]
    tab.shutdown()


def test_plots_offer_only_what_works_on_right_click(tab, qtbot, tmp_path, monkeypatch):
    import pyqtgraph as pg
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication, QMenu

    from recognizer.ui.colormaps import CLASS_COLOURS
    from recognizer.ui.dialogs import DIALOGS
    from recognizer.ui.plot_menu import plot_menu

    allowed = {"Export as PNG image…", "Export as SVG drawing…", "Export data as CSV…", "Reset view"}
    views = tab.findChildren(pg.GraphicsView)
    assert len(views) >= 7  # the matrix, the map, the saliency and four robustness plots
    for view in views:
        texts = [a.text() for a in plot_menu(view).actions() if not a.isSeparator()]
        assert set(texts) <= allowed and "Export as PNG image…" in texts, texts
        for item in view.scene().items():
            if isinstance(item, (pg.PlotItem, pg.ViewBox)):
                assert not item.menuEnabled(), type(item).__name__  # no pyqtgraph menu, axes' included
    # A real right-click opens the short menu.
    viewport = tab.matrix_page.view.viewport()
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Mouse, QPoint(20, 20), viewport.mapToGlobal(QPoint(20, 20))))
    popup = QApplication.activePopupWidget()
    assert isinstance(popup, QMenu) and [a.text() for a in popup.actions()] == ["Export as PNG image…",
                                                                               "Export as SVG drawing…", "Export data as CSV…"]  # fmt: skip
    popup.close()
    # The exports write their files.
    monkeypatch.setattr(DIALOGS, "ask_save_path", lambda parent, title, suggestion, file_filter: str(tmp_path / suggestion))
    next(a for a in plot_menu(tab.matrix_page.view).actions() if a.text().endswith("CSV…")).trigger()
    rows = (tmp_path / "confusion-matrix.csv").read_text().splitlines()
    assert rows[1] == ",".join(["0"] + [str(int(n)) for n in tab.evaluation.confusion[0]])
    plot_menu(tab.map_page.map).actions()[0].trigger()
    assert (tmp_path / "hidden-state-map.png").stat().st_size > 1000
    # The map's legend: each dot is a character on its label's own line.
    legend = tab.map_page.map.legend.text
    for d in range(10):
        assert f'color:{CLASS_COLOURS[d]}; font-size:13pt">●</span>&nbsp;digit {d}' in legend


def test_the_calibration_page_draws_the_reliability_of_the_test_set(tab, qtbot):
    """Before and after temperature scaling, from the evaluation itself; the ECE in the caption
    is the one recognizer.trust.temperature computes."""
    from recognizer.trust.temperature import reliability

    if tab.evaluation is None:
        with qtbot.waitSignal(tab.evaluation_finished, timeout=60000):
            tab.start_evaluation()
    page = tab.calibration_page
    page.refresh()
    ev = tab.evaluation
    assert page.before.ece == pytest.approx(reliability(ev.probabilities, ev.labels).ece)
    assert page.after is not None and page.after.counts.sum() == len(ev.labels)
    assert f"{page.before.ece:.2%}" in page.caption.text() and f"{page.after.ece:.2%}" in page.caption.text()
    x, y = page.raw.getData()
    assert len(x) == (page.before.counts > 0).sum() and np.all((0 <= y) & (y <= 1))


def test_no_accuracy_yet_shows_no_stray_dash(evaluate_tab_on):
    """Before an evaluation the header's big number is absent, not a lone 26 pt "–" (a white bar)."""
    tab = evaluate_tab_on("compare_page")
    assert tab.state.result is None
    assert tab.accuracy_label.text() == "" and not tab.accuracy_label.isVisible()
    assert "Press Evaluate" in tab.summary_label.text()
