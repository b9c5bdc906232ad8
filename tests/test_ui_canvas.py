"""The drawing canvas on its own: strokes from real mouse events, the pixels it hands out, undo,
clear, pen width, images, drops and the throttled live updates."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from drawing import DIGIT_STROKES, draw_digit, draw_stroke, send_mouse
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage, QPainter
from PySide6.QtWidgets import QApplication

from recognizer.ui.inspect.canvas import (
    CANVAS_SIZE,
    DEFAULT_PEN_WIDTH,
    LIVE_INTERVAL_MS,
    MAX_PEN_WIDTH,
    MIN_PEN_WIDTH,
    DrawingCanvas,
)
from recognizer.ui.inspect.canvas_history import UNDO_PAGES
from recognizer.ui.inspect.image_arrays import qimage_to_array


@pytest.fixture
def canvas(qtbot):
    c = DrawingCanvas()
    qtbot.addWidget(c)
    c.resize(400, 400)
    c.show()
    qtbot.waitExposed(c)
    emitted = []
    c.pixels_changed.connect(lambda pixels, live: emitted.append((pixels, live)))
    c.emitted = emitted
    return c


def test_a_stroke_gives_anti_aliased_ink_high_pixels(canvas):
    assert canvas.is_empty()
    draw_stroke(canvas, [(60, 60), (220, 60), (140, 240)])
    pixels, live = canvas.emitted[-1]
    assert live is False
    assert pixels.shape == (CANVAS_SIZE, CANVAS_SIZE) and pixels.dtype == np.uint8
    assert pixels.max() == 255 and pixels[5, 5] == 0  # ink high on a black background
    assert len(np.unique(pixels)) > 50  # soft, anti-aliased edges, not a binary mask
    # the stroke is as wide as the pen: across the top bar, about pen-width pixels are inked
    assert abs(int((pixels[40:80, 140] > 127).sum()) - DEFAULT_PEN_WIDTH) <= 3
    assert canvas.stroke_count() == 1 and not canvas.is_empty()


def test_a_click_leaves_a_dot(canvas):
    draw_stroke(canvas, [(140, 140)])
    pixels = canvas.emitted[-1][0]
    assert pixels[140, 140] == 255
    assert (pixels > 127).sum() == pytest.approx(np.pi * (DEFAULT_PEN_WIDTH / 2) ** 2, rel=0.15)


def test_live_updates_during_a_stroke_are_throttled(canvas, qtbot):
    # 40 moves 2 ms apart give a few live updates, not 40, and never two within one frame. The
    # gaps between updates are measured (a loaded machine stretches the moves, not the gaps).
    a, b = canvas.to_widget(QPointF(40, 140)), canvas.to_widget(QPointF(240, 140))
    times = []
    canvas.pixels_changed.connect(lambda pixels, is_live: times.append(time.perf_counter()) if is_live else None)
    send_mouse(canvas, QEvent.MouseButtonPress, a, Qt.LeftButton, Qt.LeftButton)
    for k in range(1, 41):
        send_mouse(canvas, QEvent.MouseMove, a + (b - a) * (k / 40), Qt.NoButton, Qt.LeftButton)
        qtbot.wait(2)
    qtbot.wait(LIVE_INTERVAL_MS + 10)  # the last move is sent too, after the interval
    live = [pixels for pixels, is_live in canvas.emitted if is_live]
    assert 2 <= len(live) < 40 and len(times) == len(live)
    gaps_ms = np.diff(times) * 1000
    assert (gaps_ms >= LIVE_INTERVAL_MS - 2).all(), gaps_ms  # whole milliseconds: a frame, less rounding
    assert live[-1][140, 235] > 0  # the latest live update reaches the end of the line
    assert not any(not is_live for _, is_live in canvas.emitted)  # not settled until release
    send_mouse(canvas, QEvent.MouseButtonRelease, b, Qt.LeftButton, Qt.NoButton)
    assert canvas.emitted[-1][1] is False


def test_moves_without_the_button_draw_nothing(canvas):
    send_mouse(canvas, QEvent.MouseMove, QPointF(50, 50), Qt.NoButton, Qt.NoButton)
    send_mouse(canvas, QEvent.MouseMove, QPointF(150, 150), Qt.NoButton, Qt.NoButton)
    assert canvas.emitted == [] and canvas.is_empty()


def test_undo_removes_the_last_stroke_and_clear_can_be_undone(canvas):
    draw_stroke(canvas, [(60, 60), (220, 60)])
    one = canvas.emitted[-1][0].copy()
    draw_stroke(canvas, [(140, 60), (140, 240)])
    assert canvas.stroke_count() == 2
    canvas.undo()
    assert canvas.stroke_count() == 1
    np.testing.assert_array_equal(canvas.emitted[-1][0], one)
    canvas.clear()
    assert canvas.is_empty() and canvas.emitted[-1][0].max() == 0
    canvas.undo()  # the clear itself is undone
    np.testing.assert_array_equal(canvas.pixels(), one)
    canvas.undo()
    canvas.undo()  # nothing left to undo: no error
    assert canvas.is_empty()


def test_undo_history_is_bounded_over_long_use(canvas):
    """Drawing and clearing for a long time keeps only UNDO_PAGES pages; undo still works."""
    for i in range(3 * UNDO_PAGES):
        draw_stroke(canvas, [(60, 40 + 3 * i), (220, 40 + 3 * i)])
        canvas.clear()
    assert len(canvas._history) <= 2 * UNDO_PAGES
    draw_stroke(canvas, [(140, 60), (140, 240)])
    drawn = canvas.pixels()
    canvas.clear()
    canvas.undo()
    np.testing.assert_array_equal(canvas.pixels(), drawn)
    for _ in range(4 * UNDO_PAGES):  # back through every kept page, to an empty canvas
        canvas.undo()
    assert canvas.is_empty()


def test_pen_width_is_clamped_and_used_for_new_strokes(canvas):
    canvas.set_pen_width(1000)
    assert canvas.pen_width == MAX_PEN_WIDTH
    canvas.set_pen_width(-5)
    assert canvas.pen_width == MIN_PEN_WIDTH
    canvas.set_pen_width(10)
    draw_stroke(canvas, [(40, 140), (240, 140)])
    thin = int((canvas.pixels()[100:180, 140] > 127).sum())
    canvas.clear()
    canvas.set_pen_width(40)
    draw_stroke(canvas, [(40, 140), (240, 140)])
    thick = int((canvas.pixels()[100:180, 140] > 127).sum())
    assert abs(thin - 10) <= 2 and abs(thick - 40) <= 2


def test_the_drawing_keeps_its_size_when_the_widget_is_resized(canvas, qtbot):
    draw_stroke(canvas, [(60, 60), (220, 220)])
    before = canvas.pixels()
    canvas.resize(700, 500)
    qtbot.wait(10)
    np.testing.assert_array_equal(canvas.pixels(), before)
    assert canvas.to_logical(canvas.to_widget(QPointF(33, 77))) == QPointF(33, 77)


def test_an_image_replaces_the_drawing_and_can_be_undone(canvas):
    draw_stroke(canvas, [(60, 60), (220, 60)])
    strokes = canvas.pixels()
    picture = np.zeros((56, 28), np.uint8)  # tall: letterboxed into the square
    picture[10:46, 10:18] = 255
    canvas.set_image(picture)
    pixels = canvas.pixels()
    assert pixels[140, 140] > 200 and pixels[140, 20] == 0 and pixels[60, 200] == 0
    canvas.undo()
    np.testing.assert_array_equal(canvas.pixels(), strokes)


def test_dropping_a_file_or_image_data_hands_it_to_the_window(canvas, tmp_path):
    dropped = []
    canvas.dropped.connect(dropped.append)
    files = QMimeData()
    files.setUrls([QUrl.fromLocalFile(str(tmp_path / "seven.png"))])
    data = QMimeData()
    image = QImage(20, 20, QImage.Format_RGB32)
    image.fill(QColor("white"))
    data.setImageData(image)
    for mime in (files, data):
        enter = QDragEnterEvent(QPoint(50, 50), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(canvas, enter)
        assert enter.isAccepted()
        event = QDropEvent(QPointF(50, 50), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(canvas, event)
    assert dropped[0] == Path(tmp_path / "seven.png")
    assert isinstance(dropped[1], QImage) and dropped[1].width() == 20


def test_qimage_to_array_keeps_alpha_for_to_mnist():
    opaque = QImage(8, 6, QImage.Format_RGB32)
    opaque.fill(QColor(10, 20, 30))
    grey = qimage_to_array(opaque)
    assert grey.shape == (6, 8) and grey.dtype == np.uint8
    clear = QImage(8, 6, QImage.Format_ARGB32)
    clear.fill(Qt.transparent)
    p = QPainter(clear)
    p.fillRect(2, 2, 3, 3, QColor("black"))
    p.end()
    rgba = qimage_to_array(clear)
    assert rgba.shape == (6, 8, 4) and rgba[0, 0, 3] == 0 and rgba[3, 3, 3] == 255


def test_default_pen_matches_mnist_stroke_thickness(qtbot, mnist):
    """Drawn as large as the box, the digits of conftest come out of to_mnist with as much ink
    as MNIST's digits have on average (strokes ~2-3 px in the 20 px box)."""
    from recognizer.inputs.preprocess import to_mnist

    mnist_ink = float(mnist.test_images.mean() / 255)  # 0.133
    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 400)
    inks = []
    for digit in DIGIT_STROKES:
        canvas.clear()
        draw_digit(canvas, digit)
        inks.append(float(to_mnist(canvas.pixels()).mean()))
    print(f"mean ink: drawn {np.mean(inks):.4f}, MNIST {mnist_ink:.4f}")
    assert np.mean(inks) == pytest.approx(mnist_ink, rel=0.1)


def test_a_pen_tablet_draws_too(canvas):
    from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent

    pen = QPointingDevice(
        "test pen", 7, QInputDevice.DeviceType.Stylus, QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure, 1, 3,
    )  # fmt: skip

    def send(kind, x, y, buttons):
        pos = canvas.to_widget(QPointF(x, y))
        event = QTabletEvent(kind, pen, pos, canvas.mapToGlobal(pos), 0.6, 0, 0, 0, 0, 0, Qt.NoModifier, Qt.LeftButton, buttons)
        QApplication.sendEvent(canvas, event)
        assert event.isAccepted()  # no synthesized mouse events on top

    send(QEvent.TabletPress, 60, 140, Qt.LeftButton)
    for x in range(70, 230, 10):
        send(QEvent.TabletMove, x, 140, Qt.LeftButton)
    send(QEvent.TabletRelease, 220, 140, Qt.NoButton)
    pixels, live = canvas.emitted[-1]
    assert live is False and canvas.stroke_count() == 1
    assert pixels[140, 60:220].min() == 255 and pixels[60, 140] == 0
