"""The main window and its Draw & Inspect tab, driven as a person would: mouse strokes, keys,
menus (with the file dialogs and message boxes replaced, so nothing modal can block a test)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from drawing import DIGIT_STROKES, draw_digit, draw_stroke, send_mouse
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QSlider, QWidget
from window_tabs import placeholder_tabs

from recognizer.network.model import ROWS
from recognizer.network.trace import GATES
from recognizer.ui import main_window as main_window_module
from recognizer.ui.dialogs import DIALOGS
from recognizer.ui.inspect.canvas import CANVAS_SIZE
from recognizer.ui.inspect.state import DEFAULT_SPEED
from recognizer.ui.inspect.state_panel import series_levels
from recognizer.ui.main_window import MainWindow
from recognizer.ui.settings import app_settings as settings

SEVEN = DIGIT_STROKES[7]


@pytest.fixture
def no_other_tabs(monkeypatch):
    """Placeholders for the Train and Evaluate tabs (as in the main_window fixture)."""
    placeholder_tabs(monkeypatch)


def prediction(window) -> str:
    return window.inspect_tab.findChild(QLabel, "prediction").text()


def key(window, k, modifier=Qt.NoModifier):
    QTest.keyClick(window.inspect_tab.canvas, k, modifier)


def test_window_has_tabs_menus_status_and_no_guess_when_empty(main_window):
    w = main_window
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())] == ["Draw && Inspect", "Train", "Evaluate", "Lab", "My digits"]
    assert [a.text() for a in w.menuBar().actions()] == ["&File", "&Edit", "&View", "&Models", "&Help"]
    assert w.findChild(QWidget, "canvas") is w.inspect_tab.canvas
    assert prediction(w) == ""
    assert w.inspect_tab.answer_hint.text() == "Draw a digit"
    assert w.current_model is not None and w.current_model.name in w.model_label.text()
    assert w.device_label.text() == "device: cpu"
    assert not w.windowIcon().isNull()
    assert w.messages == []


def test_every_control_has_a_tooltip_and_plots_have_axis_labels(main_window):
    tab = main_window.inspect_tab
    from PySide6.QtWidgets import QAbstractButton, QComboBox

    controls = tab.findChildren(QAbstractButton) + tab.findChildren(QSlider) + tab.findChildren(QComboBox)
    assert controls and all(c.toolTip() for c in controls), [c for c in controls if not c.toolTip()]
    for plot in (tab.input_view, tab.bars, tab.trajectories, tab.state_panel.heatmap, tab.state_panel.unit_plot):
        item = plot.getPlotItem()
        assert item.getAxis("bottom").labelText and item.getAxis("left").labelText
        assert not item.menuEnabled()  # pyqtgraph's own menu gives way to the short one (export, reset)
    assert tab.trajectories.getPlotItem().getAxis("bottom").labelText == "row read (1–28)"
    assert tab.state_panel.heatmap.getPlotItem().getAxis("left").labelText == "hidden unit"


def test_drawing_with_the_mouse_updates_the_answer_during_and_after_the_stroke(main_window, qtbot):
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    # the top bar of a 7, slowly: live answers arrive before the button is released
    draw_stroke(tab.canvas, SEVEN[0][:3], steps=8, pause_ms=20, qtbot=qtbot)
    assert prediction(main_window) != ""
    live_text = []
    tab.trace_changed.connect(lambda t: live_text.append(prediction(main_window)))
    stroke = SEVEN[0][2:]
    pts = [tab.canvas.to_widget(QPointF(x, y)) for x, y in stroke]
    send_mouse(tab.canvas, QEvent.MouseButtonPress, pts[0], Qt.LeftButton, Qt.LeftButton)
    for a, b in zip(pts, pts[1:]):
        for k in range(1, 9):
            send_mouse(tab.canvas, QEvent.MouseMove, a + (b - a) * (k / 8), Qt.NoButton, Qt.LeftButton)
            qtbot.wait(3)
    qtbot.wait(25)
    assert live_text, "no live update while the button was held"
    send_mouse(tab.canvas, QEvent.MouseButtonRelease, pts[-1], Qt.LeftButton, Qt.NoButton)
    assert prediction(main_window).isdigit() and len(prediction(main_window)) == 1
    assert tab.trace is not None and prediction(main_window) == str(tab.trace.prediction)
    assert tab.confidence.text().endswith("sure")
    # the network's view shows exactly the traced image, and the slider rests on the last row
    np.testing.assert_array_equal(tab.input_view.image_item.image, tab.trace.image.T)
    assert tab.row_slider.value() == ROWS and not tab.playing
    # the trajectories and the heatmap follow one paint later (so the answer shows first)
    qtbot.waitUntil(tab.views_in_sync, timeout=2000)
    np.testing.assert_allclose(tab.state_panel.image_data(), tab.trace.layers[0].h, rtol=1e-6)
    x, y = tab.trajectories.curves[tab.trace.prediction].getData()
    np.testing.assert_allclose(y, tab.state.probabilities[:, tab.trace.prediction], rtol=1e-6)
    heat = tab.state_panel.image_item
    assert heat.mapRectToParent(heat.boundingRect()) == QRectF(0.5, -0.5, ROWS, tab.trace.layers[0].h.shape[1])


def test_animation_plays_after_a_stroke_and_the_views_follow_the_row(main_window, qtbot):
    tab = main_window.inspect_tab
    assert tab.auto_play
    tab.set_speed(30)
    draw_digit(tab.canvas, 7)
    assert tab.playing and tab.row == 0
    seen = {}

    def record(value):
        seen[value] = (tab.bars.heights.copy(), np.array(tab.state_panel.image_data(), copy=True))

    tab.row_slider.valueChanged.connect(record)
    qtbot.waitUntil(lambda: not tab.playing, timeout=5000)
    assert tab.row_slider.value() == ROWS
    assert len(seen) >= 4  # went through the rows (a loaded machine skips some to keep time)
    bars_early, heat_early = seen[min(seen)]
    bars_late, heat_late = seen[ROWS]
    assert not np.allclose(bars_early, bars_late)
    np.testing.assert_allclose(bars_late, tab.state.probabilities[-1], rtol=1e-6)
    # the heatmap fills in as rows are read: unread rows are NaN (transparent)
    assert np.isnan(heat_early[min(seen):]).all() and not np.isnan(heat_late).any()
    assert tab.caption.text().startswith(f"Row {ROWS} of {ROWS}")
    assert str(tab.trace.prediction) in tab.caption.text()


def test_playing_and_pausing_reuse_the_same_two_icons(main_window, qtbot):
    # A fresh QIcon on every toggle took new pixmap-cache entries each time: memory grew by about
    # 2 MB per 1,000 drawings (bench_soak) until the icons were made once.
    tab = main_window.inspect_tab
    tab.set_speed(60)
    keys = {}
    for _ in range(3):
        draw_digit(tab.canvas, 7)
        assert tab.playing
        keys.setdefault("pause", set()).add(tab.play_button.icon().cacheKey())
        qtbot.waitUntil(lambda: not tab.playing, timeout=3000)
        keys.setdefault("play", set()).add(tab.play_button.icon().cacheKey())
    assert len(keys["pause"]) == 1 and len(keys["play"]) == 1 and keys["pause"] != keys["play"]


def test_space_and_arrow_keys_drive_the_animation(main_window, qtbot):
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    draw_digit(tab.canvas, 3)
    assert tab.row == ROWS - 1 and not tab.playing
    key(main_window, Qt.Key_Left)
    key(main_window, Qt.Key_Left)
    assert tab.row == ROWS - 3
    bars = tab.bars.heights.copy()
    np.testing.assert_allclose(bars, tab.state.probabilities[ROWS - 3], rtol=1e-6)
    key(main_window, Qt.Key_Right)
    assert tab.row == ROWS - 2
    assert tab.caption.text().startswith(f"Row {ROWS - 1} of {ROWS}:")
    key(main_window, Qt.Key_Home)
    assert tab.row == 0
    key(main_window, Qt.Key_Space)
    assert tab.playing
    qtbot.wait(150)
    key(main_window, Qt.Key_Space)
    assert not tab.playing
    paused_at = tab.row
    assert paused_at > 0
    qtbot.wait(100)
    assert tab.row == paused_at
    # the slider itself scrubs
    tab.row_slider.setValue(10)
    assert tab.caption.text().startswith("Row 10 of 28")


def test_undo_and_clear_keys(main_window):
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    draw_digit(tab.canvas, 4)
    four = prediction(main_window)
    key(main_window, Qt.Key_Z, Qt.ControlModifier)  # the upright goes
    assert tab.canvas.stroke_count() == 1
    key(main_window, Qt.Key_Escape)
    assert tab.canvas.is_empty() and prediction(main_window) == "" and tab.trace is None
    assert tab.answer_hint.text() == "Draw a digit"
    key(main_window, Qt.Key_Z, Qt.ControlModifier)  # undo the clear
    assert tab.canvas.stroke_count() == 1
    draw_stroke(tab.canvas, DIGIT_STROKES[4][1])
    assert prediction(main_window) == four
    key(main_window, Qt.Key_Delete)
    assert tab.canvas.is_empty() and prediction(main_window) == ""


def _digit_png(tmp_path, digit: int, name="digit.png") -> str:
    """A digit drawn dark on light paper, as a scan or a photo would have it."""
    image = QImage(300, 360, QImage.Format_RGB32)
    image.fill(QColor(235, 232, 225))
    p = QPainter(image)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(QPen(QColor(30, 30, 40), 26, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
    for stroke in DIGIT_STROKES[digit]:
        pts = [QPointF(x + 10, y + 40) for x, y in stroke]
        for a, b in zip(pts, pts[1:]):
            p.drawLine(a, b)
    p.end()
    path = str(tmp_path / name)
    assert image.save(path)
    return path


def test_open_image_file_from_the_menu(main_window, tmp_path, monkeypatch):
    path = _digit_png(tmp_path, 2, "two.png")
    monkeypatch.setattr(DIALOGS, "ask_open_path", lambda parent, title, filters, start="": path)
    main_window.menus.open_action.trigger()
    tab = main_window.inspect_tab
    assert main_window.messages == []
    assert tab.draw_box.title() == "Opened two.png"
    assert not tab.canvas.is_empty() and tab.canvas.pixels().max() > 200  # shown, ink high
    assert tab.trace is not None and prediction(main_window) == str(tab.trace.prediction)


def test_a_bad_image_shows_a_dialog_and_leaves_the_canvas_alone(main_window, tmp_path):
    tab = main_window.inspect_tab
    draw_digit(tab.canvas, 1)
    before = tab.canvas.pixels()
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    blank = tmp_path / "blank.png"
    white = QImage(50, 50, QImage.Format_RGB32)
    white.fill(QColor("white"))
    white.save(str(blank))
    assert main_window.inspect_actions.open_image(bad) is False
    assert main_window.inspect_actions.open_image(tmp_path / "missing.png") is False
    assert main_window.inspect_actions.open_image(blank) is False  # readable, but there is no digit in it
    assert [m[0] for m in main_window.messages] == ["warning"] * 3
    assert "broken.png" in main_window.messages[0][2]
    np.testing.assert_array_equal(tab.canvas.pixels(), before)


def test_paste_and_drop_an_image(main_window, tmp_path):
    tab = main_window.inspect_tab
    image = QImage(_digit_png(tmp_path, 0))
    QApplication.clipboard().setImage(image)
    assert main_window.inspect_actions.paste() is True
    assert tab.draw_box.title() == "Pasted image" and tab.trace is not None
    tab.canvas.clear()
    tab.canvas.dropped.emit(tmp_path / "digit.png")
    assert tab.draw_box.title() == "Opened digit.png" and tab.trace is not None
    QApplication.clipboard().clear()
    assert main_window.inspect_actions.paste() is False and main_window.messages[-1][1] == "Nothing to paste"


def test_a_bad_model_file_shows_a_dialog_and_keeps_the_old_model(main_window, tmp_path, monkeypatch):
    tab = main_window.inspect_tab
    draw_digit(tab.canvas, 7)
    old_model, old_trace = main_window.current_model, tab.trace
    bad = tmp_path / "garbage.safetensors"
    bad.write_bytes(b"this is not a model")
    monkeypatch.setattr(DIALOGS, "ask_open_path", lambda parent, title, filters, start="": str(bad))
    main_window.menus.load_model_action.trigger()
    assert main_window.messages and main_window.messages[-1][0] == "critical"
    assert "garbage.safetensors" in main_window.messages[-1][2]
    assert main_window.current_model is old_model and tab.trace is old_trace


def test_set_model_retraces_at_once_and_offers_the_layers(main_window, stacked_model_path):
    from recognizer.files.model_file import load_model

    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    draw_digit(tab.canvas, 5)
    first = tab.trace
    main_window.set_model(load_model(stacked_model_path))
    assert main_window.current_model.path == stacked_model_path
    assert tab.trace is not first and len(tab.trace.layers) == 2
    assert not np.allclose(tab.trace.probabilities, first.probabilities)
    panel = tab.state_panel
    assert panel.layer_combo.count() == 2 and panel.layer_combo.isEnabled()
    panel.layer_combo.setCurrentIndex(1)
    assert panel.image_data().shape == (ROWS, 8)
    heat = panel.image_item
    assert heat.mapRectToParent(heat.boundingRect()) == QRectF(0.5, -0.5, ROWS, 8)
    panel.layer_combo.setCurrentIndex(0)
    assert panel.image_data().shape == (ROWS, 16)
    assert "stacked.safetensors" in main_window.model_label.text()
    assert "16 × 8" in main_window.about_text()


def test_heatmap_switches_between_states_and_gates(main_window):
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    draw_digit(tab.canvas, 8)
    panel = tab.state_panel
    layer = tab.trace.layers[0]
    for name in ("h", "c", *GATES):
        main_window.menus.heatmap_actions[name].trigger()
        assert panel.series == name and panel.series_combo.currentData() == name
        np.testing.assert_allclose(panel.image_data(), layer.series(name), rtol=1e-6)
        assert tuple(panel.colorbar.levels()) == series_levels(name, layer.series(name))
    assert series_levels("forget") == (0.0, 1.0) and series_levels("h") == (-1.0, 1.0)
    panel.series_combo.setCurrentIndex(0)
    assert main_window.menus.heatmap_actions["h"].isChecked()


def test_hovering_and_clicking_a_unit_follows_it(main_window, qtbot):
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    draw_digit(tab.canvas, 9)
    qtbot.waitUntil(tab.views_in_sync, timeout=2000)
    panel = tab.state_panel
    assert panel.unit is not None and "pushes hardest toward" in panel.unit_text.text()
    vb = panel.heatmap.getPlotItem().vb
    panel._on_mouse_moved(vb.mapViewToScene(QPointF(10, 42)))
    assert panel.unit == 42 and panel.unit_text.text().startswith("Unit 42 of layer 1 (hovered)")
    x, y = panel.unit_curve.getData()
    np.testing.assert_allclose(y, tab.trace.layers[0].h[:, 42], rtol=1e-6)
    panel.select_unit(7)
    panel._on_mouse_moved(vb.mapViewToScene(QPointF(-50, -50)))  # off the heatmap
    assert panel.unit == 7 and "(clicked)" in panel.unit_text.text()


def test_hover_ends_when_the_mouse_leaves_through_any_edge(main_window, qtbot):
    """Leaving fast through the top edge sends no move inside the scene: the Leave event ends it."""
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    draw_digit(tab.canvas, 3)
    qtbot.waitUntil(tab.views_in_sync, timeout=2000)
    panel = tab.state_panel
    top = panel.heatmap.getPlotItem().vb.sceneBoundingRect().top() + 2
    qtbot.mouseMove(panel.heatmap.viewport(), panel.heatmap.mapFromScene(QPointF(60, top)))
    panel._on_mouse_moved(QPointF(60, top))
    assert panel.hovered is not None and "(hovered)" in panel.unit_text.text()
    qtbot.mouseMove(tab.canvas)  # straight out of the widget, past its top edge
    QApplication.sendEvent(panel.heatmap, QEvent(QEvent.Leave))
    assert panel.hovered is None and "(hovered)" not in panel.unit_text.text()


def test_the_legend_names_the_current_leader_in_bold(main_window, qtbot):
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    for digit in (4, 2, 7):
        tab.canvas.clear()
        draw_digit(tab.canvas, digit)
        qtbot.waitUntil(tab.views_in_sync, timeout=2000)
        plot = tab.trajectories
        for row in (5, 20, 27):
            tab.go_to_row(row)
            leader = tab.trace.leader(row)
            assert plot.leader == leader
            bold = [d for d, (_, label) in enumerate(plot.legend.items) if label.item.font().bold()]
            assert bold == [leader]


def test_save_trace_as_csv_and_npz(main_window, tmp_path, monkeypatch):
    tab = main_window.inspect_tab
    draw_digit(tab.canvas, 6)
    trace = tab.trace
    units = trace.layers[0].h.shape[1]
    monkeypatch.setattr(DIALOGS, "ask_save_path", lambda parent, title, suggestion, filters: str(tmp_path / "t.npz"))
    main_window.menus.save_trace_action.trigger()
    with np.load(tmp_path / "t.npz") as npz:
        np.testing.assert_array_equal(npz["image"], trace.image)
        np.testing.assert_array_equal(npz["probabilities"], trace.probabilities)
        assert int(npz["prediction"]) == trace.prediction
        for name in ("h", "c", *GATES):
            np.testing.assert_array_equal(npz[f"layer1_{name}"], trace.layers[0].series(name))
    written = main_window.inspect_actions.save_trace_file(tmp_path / "t.csv")
    with open(written, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["quantity", "layer", "row", "index", "value"]
    assert len(rows) == 1 + ROWS * 28 + ROWS * 10 + 6 * ROWS * units
    table = {(r[0], r[1], int(r[2]), int(r[3])): float(r[4]) for r in rows[1:]}
    assert table[("probability", "", 28, trace.prediction)] == pytest.approx(trace.confidence, rel=1e-5)
    assert table[("forget", "1", 5, 3)] == pytest.approx(float(trace.layers[0].forget[4, 3]), rel=1e-5)
    assert table[("image", "", 14, 15)] == pytest.approx(float(trace.image[13, 14]), abs=1e-6)
    assert main_window.messages == []


def test_inspect_image_shows_the_digit_and_plays_it(main_window):
    tab = main_window.inspect_tab
    main_window.tabs.setCurrentIndex(2)
    image = np.zeros((28, 28), np.float32)
    image[4:24, 13:16] = 1.0  # a 1
    main_window.inspect_actions.inspect_image(image, "MNIST test image #42 (label 1)")
    assert main_window.tabs.currentWidget() is tab
    assert tab.draw_box.title() == "MNIST test image #42 (label 1)"
    np.testing.assert_array_equal(tab.trace.image, image)  # traced exactly, not re-preprocessed
    assert tab.canvas.pixels()[CANVAS_SIZE // 2, CANVAS_SIZE // 2] > 200
    assert tab.playing and tab.row == 0


def test_preferences_are_remembered_and_bad_values_fall_back(qtbot, model_path, no_other_tabs):
    w = MainWindow(model_path=model_path)
    qtbot.addWidget(w)
    w.ensure_ready()
    w.inspect_tab.set_pen_width(17)
    w.inspect_tab.set_speed(33)
    w.inspect_tab.set_auto_play(False)
    w.menus.heatmap_actions["output"].trigger()
    w.close()
    again = MainWindow(model_path=model_path)
    qtbot.addWidget(again)
    tab = again.inspect_tab
    assert (tab.canvas.pen_width, tab.speed, tab.auto_play, tab.state_panel.series) == (17, 33, False, "output")
    assert again.menus.autoplay_action.isChecked() is False
    again.close()

    store = settings()
    for k, v in {
        "inspect/pen_width": "9999",
        "inspect/speed": "fast",
        "inspect/auto_play": "perhaps",
        "inspect/heatmap": "nonsense",
        "window/geometry": "not a geometry",
    }.items():
        store.setValue(k, v)
    store.sync()
    third = MainWindow(model_path=model_path)
    qtbot.addWidget(third)
    tab = third.inspect_tab
    assert (tab.canvas.pen_width, tab.speed, tab.auto_play, tab.state_panel.series) == (30, DEFAULT_SPEED, True, "h")
    free = third.screen().availableGeometry().size()
    first_size = main_window_module.FIRST_SIZE.boundedTo(free - main_window_module.FRAME_ALLOWANCE)
    assert third.size() == first_size  # a bad geometry falls back to the first launch's size for this screen


def test_help_menu_about_and_shortcuts(main_window):
    import torch
    from PySide6 import QtCore

    main_window.show_about()
    kind, title, text = main_window.messages[-1]
    m = main_window.current_model
    assert m.name in text and torch.__version__ in text and QtCore.qVersion() in text
    if m.test_accuracy is not None:
        assert f"{m.test_accuracy:.2%}" in text
    main_window.show_shortcuts()
    assert "Ctrl+Z" in main_window.messages[-1][2] and "Space" in main_window.messages[-1][2]


def test_message_boxes_do_not_block(qtbot, model_path, no_other_tabs):
    """The real show_message opens its box without a nested event loop."""
    w = MainWindow(model_path=model_path)
    qtbot.addWidget(w)
    w.show()
    DIALOGS.show_message(w, "warning", "Title", "Body", "the details")  # a blocking box would never return here
    from PySide6.QtWidgets import QMessageBox

    boxes = [b for b in w.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and boxes[0].text() == "Body" and boxes[0].detailedText() == "the details"
    boxes[0].close()


def test_missing_model_opens_the_window_with_a_warning(qtbot, tmp_path, monkeypatch, no_other_tabs):
    messages = []
    monkeypatch.setattr(DIALOGS, "show_message", lambda parent, *m: messages.append(m))
    w = MainWindow(model_path=tmp_path / "nope.safetensors")
    qtbot.addWidget(w)
    assert w.current_model is None
    qtbot.waitUntil(lambda: bool(messages))
    assert messages[0][0] == "warning" and "nope.safetensors" in messages[0][2]
    assert "No model loaded" in w.inspect_tab.answer_hint.text()
    assert w.model_label.text() == "no model loaded"


class _FakeTrainTab(QWidget):
    model_ready = Signal(object)
    model_saved = Signal(object)
    instances = []

    def __init__(self, db_path=None):
        super().__init__()
        self.shut_down = False
        self.running = False
        self.model_in_use = None
        self.db_path = db_path
        _FakeTrainTab.instances.append(self)

    def set_model_in_use(self, session):
        self.model_in_use = session

    def set_db_path(self, path):
        self.db_path = path

    def restore_settings(self, store):
        pass

    def save_settings(self, store):
        pass

    def shutdown(self):
        self.shut_down = True


class _FakeEvaluateTab(QWidget):
    inspect_requested = Signal(object, str)
    status_message = Signal(str)
    instances = []

    def __init__(self):
        super().__init__()
        self.models = []
        self.shown = []
        _FakeEvaluateTab.instances.append(self)

    def set_model_in_use(self, session):
        self.models.append(session)

    def restore_settings(self, store):
        pass

    def save_settings(self, store):
        pass

    def show_trace(self, trace, row):
        self.shown.append((trace, row))

    def shutdown(self):
        self.shut_down = True


def test_train_and_evaluate_tabs_are_wired(qtbot, model_path, stacked_model_path, monkeypatch):
    from recognizer.files.model_file import load_model

    placeholder_tabs(monkeypatch, train=lambda window: _FakeTrainTab(), evaluate=lambda window: _FakeEvaluateTab())
    w = MainWindow(model_path=model_path)
    qtbot.addWidget(w)
    train, evaluate = w.train_tab, w.evaluate_tab
    assert w.tabs.widget(1) is train and w.tabs.widget(2) is evaluate
    # the startup model went to every tab, the one same session
    assert evaluate.models == [w.current_model] and train.model_in_use is w.current_model
    assert w.inspect_tab.state.session is w.current_model
    new = load_model(stacked_model_path)
    train.model_ready.emit(new)
    assert w.current_model.loaded is new and evaluate.models[-1] is w.current_model is train.model_in_use
    image = np.zeros((28, 28), np.float32)
    image[6:22, 8:20] = 1.0
    evaluate.inspect_requested.emit(image, "test image #3")
    assert w.tabs.currentIndex() == 0 and w.inspect_tab.draw_box.title() == "test image #3"
    # the hidden-state map and saliency follow the inspector's digit and row
    assert evaluate.shown[-1][0] is w.inspect_tab.trace
    w.inspect_tab.row_slider.setValue(5)
    assert evaluate.shown[-1] == (w.inspect_tab.trace, 4)
    evaluate.status_message.emit("Evaluated: 99%")
    assert w.statusBar().currentMessage() == "Evaluated: 99%"
    w.close()
    assert train.shut_down and evaluate.shut_down


def test_the_real_train_and_evaluate_tabs_plug_in(qtbot, model_path):
    import importlib

    w = MainWindow(model_path=model_path)
    qtbot.addWidget(w)
    for index, module, name, attribute in ((1, "train.tab", "TrainTab", "train_tab"), (2, "evaluate.tab", "EvaluateTab", "evaluate_tab")):
        try:
            cls = getattr(importlib.import_module(f"recognizer.ui.{module}"), name)
        except ImportError:
            continue
        tab = getattr(w, attribute)
        assert isinstance(tab, cls) and w.tabs.widget(index) is tab
    w.close()


def test_the_answer_updates_during_a_stroke(main_window, qtbot):
    """Live updates while the pen moves, not only when it lifts (their speed is measured in
    benchmarks/bench_inspect.py, not asserted here)."""
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    for digit in (0, 8):
        draw_digit(tab.canvas, digit, pause_ms=17, qtbot=qtbot)
        tab.canvas.clear()
    assert len(tab.update_times_ms) > 12


def test_digits_drawn_like_a_person_are_read_right(main_window, shipped_model_path):
    """Each digit 0-9 drawn with the mouse as a person would, read by the shipped model."""
    from recognizer.files.model_file import load_model

    main_window.set_model(load_model(shipped_model_path))
    tab = main_window.inspect_tab
    tab.set_auto_play(False)
    answers = {}
    for digit in range(10):
        tab.canvas.clear()
        draw_digit(tab.canvas, digit)
        answers[digit] = (prediction(main_window), tab.confidence.text())
    wrong = {d: a for d, a in answers.items() if a[0] != str(d)}
    print("answers:", answers)
    print("wrong:", wrong or "none")
    assert len(wrong) <= 1, f"misread: {wrong}"


def test_window_geometry_is_remembered(qtbot, model_path, monkeypatch, no_other_tabs):
    # The offscreen screen (800x800) is smaller than the window may be, and Qt fits a restored
    # geometry to the screen, so this checks what is stored and handed back to Qt.
    w = MainWindow(model_path=model_path)
    qtbot.addWidget(w)
    w.show()
    w.close()
    saved = settings().value("window/geometry")
    assert saved is not None and not saved.isEmpty() and bytes(saved) == bytes(w.saveGeometry())
    restored = []
    monkeypatch.setattr(MainWindow, "restoreGeometry", lambda self, g: restored.append(bytes(g)) or True)
    again = MainWindow(model_path=model_path)
    qtbot.addWidget(again)
    assert restored == [bytes(saved)]


def test_the_pen_preview_shows_the_width_the_canvas_draws(main_window, qtbot):
    tab = main_window.inspect_tab
    preview = tab.pen_preview
    diameters = []
    for width in (10, 20, 40, 59, 60):  # it grows over the whole range (it stopped at 28 px)
        tab.set_pen_width(width)
        diameters.append(preview.diameter)
    assert 0 < diameters[0] < diameters[1] < diameters[2] < diameters[3] < diameters[4] == preview.height() - 2
    tab.set_pen_width(20)
    assert not preview.ring.isVisible()  # set, not moved by the user: no ring
    tab.pen_slider.setFocus()
    for _ in range(6):  # page by page to the widest pen (End is the window's "last row"): its true width shows
        QTest.keyClick(tab.pen_slider, Qt.Key_PageUp)
    ring = preview.ring
    assert ring.isVisible() and tab.canvas.pen_width == 60
    scale = tab.canvas.paper_rect().width() / CANVAS_SIZE
    assert ring.diameter == pytest.approx(60 * scale) and ring.diameter > preview.height()
    qtbot.waitUntil(lambda: not ring.isVisible(), timeout=3000)  # for a moment only


def test_plots_offer_only_what_works_on_right_click(main_window):
    import pyqtgraph as pg

    from recognizer.ui.plot_menu import plot_menu

    views = main_window.inspect_tab.findChildren(pg.GraphicsView)
    assert len(views) >= 5
    for view in views:
        texts = [a.text() for a in plot_menu(view).actions() if not a.isSeparator()]
        assert texts[:2] == ["Export as PNG image…", "Export as SVG drawing…"] and "Matplotlib" not in " ".join(texts)
        assert not any(item.menuEnabled() for item in view.scene().items() if isinstance(item, (pg.PlotItem, pg.ViewBox)))


def test_the_whole_window_fits_1024_by_700(full_main_window, qtbot):
    """Every tab at once: the window's minimum fits a 1024×768 screen less its panels, and the
    pen slider keeps a usable width there."""
    w = full_main_window
    w.resize(1024, 700)
    qtbot.wait(20)
    hint = w.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 700, hint
    assert (w.width(), w.height()) == (1024, 700)
    assert w.inspect_tab.pen_slider.width() >= 70


def test_a_saved_model_is_named_everywhere_and_the_title_says_it_once(qtbot, model_path, stacked_model_path, monkeypatch):
    """Save model as… on the Train tab: the status bar and the Evaluate tab take the new name
    (they said "unsaved model"); the title does not repeat the application's name."""
    import dataclasses

    from recognizer.files.model_file import load_model

    placeholder_tabs(monkeypatch, train=lambda window: _FakeTrainTab(), evaluate=lambda window: _FakeEvaluateTab())
    w = MainWindow(model_path=model_path)
    qtbot.addWidget(w)
    assert "Recognizer" not in w.windowTitle()
    unsaved = dataclasses.replace(load_model(stacked_model_path), path=None)
    w.set_model(unsaved)
    assert "unsaved model" in w.model_label.text()
    saved = dataclasses.replace(unsaved, path=stacked_model_path)
    w.train_tab.model_saved.emit(saved)
    renamed, before = w.evaluate_tab.models[-1], w.evaluate_tab.models[-2]
    assert stacked_model_path.name in w.model_label.text() and renamed.loaded is saved
    assert renamed.tracer is before.tracer  # the same network: no second Tracer
