"""Draw & Inspect's words and keys, through the real window: one confidence everywhere (the
answer, the bars, the caption), a caption that agrees with the verdict, Help › Keyboard
shortcuts in the real message box (not a recorder) listing every shortcut, and a digit key
pressed twice for one drawing keeping one digit, relabelled."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from window_tabs import placeholder_tabs

from recognizer.files.model_file import load_model, save_model
from recognizer.store.my_digits import MyDigits
from recognizer.store.records import Records, default_path
from recognizer.ui.app import make_application
from recognizer.ui.main_window import MainWindow
from recognizer.ui.menus import SHORTCUTS


@pytest.fixture
def window(qtbot, model_path, monkeypatch):
    """A shown, active window (key presses reach its shortcuts only then) with the real dialogs."""
    placeholder_tabs(monkeypatch)
    make_application()
    w = MainWindow(model_path=model_path)
    qtbot.addWidget(w)
    w.ensure_ready()
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        QApplication.setActiveWindow(w)
    yield w
    w.close()


def test_f1_lists_every_shortcut_whole(window, qtbot):
    QTest.keyClick(window.inspect_tab.canvas, Qt.Key_F1)
    qtbot.waitUntil(lambda: any(b.isVisible() for b in window.findChildren(QMessageBox)))
    box = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
    assert box.windowTitle() == "Keyboard shortcuts"
    assert box.textFormat() == Qt.RichText
    for keys, words in SHORTCUTS:
        assert keys in box.text() and words in box.text(), keys
    assert box.detailedText() == ""  # no raw HTML behind "Show Details…"
    box.close()


def test_a_second_digit_key_relabels_the_drawing_it_kept(window, draw):
    canvas = window.inspect_tab.canvas
    draw(canvas, 7)
    QTest.keyClick(canvas, Qt.Key_1)
    QTest.keyClick(canvas, Qt.Key_7)  # "oops, I meant 7"
    with Records(default_path()) as records:
        assert [d.label for d in MyDigits(records).digits()] == [7]
    assert window.inspect_tab.answer_hint.text().startswith("Relabelled as 7")
    canvas.clear()
    draw(canvas, 7)  # a new drawing is a new digit
    QTest.keyClick(canvas, Qt.Key_7)
    with Records(default_path()) as records:
        assert [d.label for d in MyDigits(records).digits()] == [7, 7]


@pytest.fixture(scope="module")
def hot_model_path(tmp_path_factory, model_path):
    """The shipped model with a temperature of 3: its calibrated confidence is far from its softmax."""
    loaded = load_model(model_path)
    path = tmp_path_factory.mktemp("hot") / "hot.safetensors"
    return save_model(path, loaded.model, loaded.metadata, trust=dataclasses.replace(loaded.trust, temperature=3.0))


def test_the_answer_the_bars_the_lines_and_the_caption_give_one_confidence(window, draw, hot_model_path, qtbot):
    assert window.load_model_file(hot_model_path)
    tab = window.inspect_tab
    tab.set_auto_play(False)
    draw(tab.canvas, 7)
    verdict = tab.state.verdict
    assert verdict.kind == "digit" and verdict.confidence < tab.trace.confidence - 0.05  # the two differ
    sure = tab.confidence.text()  # "NN% sure"
    shown = sure.removesuffix(" sure")
    assert tab.bars.label.toPlainText() == shown
    assert f"answers 7 ({shown})" in tab.caption.text()
    qtbot.waitUntil(lambda: tab.trajectories.curves[7].getData()[1] is not None)  # the lines catch up after the stroke
    assert tab.trajectories.curves[7].getData()[1][-1] == pytest.approx(verdict.confidence, rel=1e-5)


def test_the_caption_names_no_digit_the_verdict_turned_away(window, draw):
    tab = window.inspect_tab
    tab.set_auto_play(False)
    draw(tab.canvas, [[(120, 140), (160, 140)]])  # a dash
    assert tab.prediction.text() == "–"
    caption = tab.caption.text()
    assert "doesn't look like a digit" in caption and "answers" not in caption


def test_at_1024x700_the_heatmap_has_a_pixel_per_unit(window, qtbot):
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.height() == 700)
    heatmap = window.inspect_tab.state_panel.heatmap
    qtbot.waitUntil(lambda: heatmap.getPlotItem().getViewBox().height() >= 90)  # twice what it was


def test_the_depends_on_caption_fits_its_lines(window, draw, qtbot):
    from PySide6.QtCore import QRect

    tab = window.inspect_tab
    tab.set_auto_play(False)
    tab.row_pages.buttons[1].click()  # "Depends on"
    draw(tab.canvas, 7)
    caption = tab.flow_view.caption
    qtbot.waitUntil(lambda: caption.text().startswith("Answer 7"), timeout=20_000)
    fm = caption.fontMetrics()
    needed = fm.boundingRect(QRect(0, 0, caption.width() - 4, 10_000), Qt.TextWordWrap, caption.text()).height()
    assert needed <= caption.height() - 4, caption.text()


def test_a_pasted_picture_shows_whole_and_sharp_on_the_canvas(window):
    """Not its 28x28 blown up (blurred, the picture's margins and shape lost)."""
    from PySide6.QtGui import QColor, QImage, QPainter

    picture = QImage(400, 200, QImage.Format_RGB32)  # wide: fitted, it fills the width and half the height
    picture.fill(QColor("white"))
    p = QPainter(picture)
    p.fillRect(180, 40, 40, 120, QColor("black"))  # a sharp-edged bar, a "1"
    p.end()
    QApplication.clipboard().setImage(picture)
    QTest.keyClick(window.inspect_tab.canvas, Qt.Key_V, Qt.ControlModifier)
    tab = window.inspect_tab
    assert tab.state.source == "Pasted image" and tab.state.image28 is not None
    shown = tab.canvas.pixels().astype(int)  # CANVAS_SIZE square, ink high
    ink = shown > 127
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    # Fitted whole: 400x200 -> 280x140, centred; the bar at x 180-220, y 40-160 of it.
    assert abs(rows[0] - (70 + 40 * 0.7)) <= 2 and abs(rows[-1] - (70 + 160 * 0.7)) <= 2
    assert abs(cols[0] - 180 * 0.7) <= 2 and abs(cols[-1] - 220 * 0.7) <= 2
    blurred = ((shown > 30) & (shown < 225)).sum()
    assert blurred < 0.15 * ink.sum()  # sharp edges, not ten-pixel ramps
