"""What's This, everywhere (issue 26): a walk of the real window's widget tree, all five tabs
built, finds every widget that shows a number or a plot and asks for its text."""

from __future__ import annotations

import re

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QProgressBar,  # fmt: skip
    QScrollBar,
    QWhatsThis,
    QWidget,
)

from recognizer.ui.help_texts import TEXTS
from recognizer.ui.whats_this import owned
from recognizer.ui.widgets import TextLine


def _painted_by_us(widget: QWidget) -> bool:
    return any("paintEvent" in vars(c) for c in type(widget).__mro__ if c.__module__.startswith("recognizer."))


def shows_a_number_or_a_plot(widget: QWidget) -> bool:
    """Precisely, one of: a pyqtgraph view (PlotWidget, ImageView's view, every GraphicsView); a
    slider (not a scroll bar), a spin box or a progress bar; a table or list view (the digit
    grids, the runs table), not a combo box's pop-up list; a QLabel showing a picture; a QLabel
    or TextLine whose text holds a digit 0-9 at the time of the walk (a digit drawn and read to
    its last row); any widget of this project that paints itself (the canvas, the pen preview).
    Labels without a digit are words, not numbers. Any widget passes with its own setWhatsThis."""
    if isinstance(widget, pg.GraphicsView):
        return True
    if isinstance(widget, QScrollBar):
        return False
    if isinstance(widget, (QAbstractSlider, QAbstractSpinBox, QProgressBar)):
        return True
    if isinstance(widget, QAbstractItemView):
        return not isinstance(widget.parent() and widget.parent().parent(), QComboBox)
    if isinstance(widget, QLabel) and not widget.pixmap().isNull():
        return True  # a picture: a digit, a thumbnail
    if isinstance(widget, (QLabel, TextLine)):
        return bool(re.search(r"\d", widget.text()))
    return _painted_by_us(widget)


def unexplained(window: QWidget) -> list[str]:
    """Each widget that shows a number or a plot with no What's This text, named by its class,
    object name and the path of its parents. One inside another such widget (a plot's legend, the
    pen preview's ring) is answered by the outer one: Qt passes the question on to the parent."""
    missing, names = [], owned(window)
    for widget in window.findChildren(QWidget):
        if not shows_a_number_or_a_plot(widget) or widget.whatsThis():
            continue
        outer = widget.parentWidget()
        while outer is not None and not shows_a_number_or_a_plot(outer):
            outer = outer.parentWidget()
        if outer is not None:
            continue
        key = names.get(id(widget), ("(kept in no attribute)", None))[0]
        missing.append(f"{type(widget).__name__} {widget.objectName()!r}: {key}: {getattr(widget, 'text', str)()[:50]!r}")
    return missing


def test_every_widget_that_shows_a_number_or_a_plot_says_what_it_is(qtbot, full_main_window, draw):
    window = full_main_window
    draw(window.inspect_tab.canvas, 7)
    window.inspect_tab.go_to_row(27)
    assert not unexplained(window), "\n".join(unexplained(window))
    keys = {key for key, _ in owned(window).values()}
    assert not set(TEXTS) - keys, f"texts for no widget: {sorted(set(TEXTS) - keys)}"


def popups() -> list[QWidget]:
    """Qt's own What's This pop-ups on screen (class QWhatsThat)."""
    return [w for w in QApplication.topLevelWidgets() if w.metaObject().className() == "QWhatsThat" and w.isVisible()]


def test_the_question_mark_then_a_click_on_the_heatmap_explains_it_with_its_units_and_colour_range(qtbot, main_window, draw):
    window = main_window
    draw(window.inspect_tab.canvas, 3)
    window.inspect_tab.go_to_row(27)
    panel = window.inspect_tab.state_panel
    units = window.inspect_tab.trace.layers[0].h.shape[1]
    lo, hi = panel.colorbar.levels()
    qtbot.mouseClick(window.menus.whats_this_button, Qt.LeftButton)
    assert QWhatsThis.inWhatsThisMode()
    viewport = panel.heatmap.viewport()
    qtbot.mouseClick(viewport, Qt.LeftButton, pos=viewport.rect().center())
    qtbot.waitUntil(lambda: bool(popups()))
    assert not QWhatsThis.inWhatsThisMode()
    text = panel.heatmap.whatsThis()
    assert f"{units} hidden units of layer 1" in text and f"from {lo:g} (blue)" in text and f"to {hi:g}" in text
    QWhatsThis.hideText()


def test_the_live_text_follows_the_model_and_the_series(qtbot, main_window, stacked_model_path, draw):
    window = main_window
    window.load_model_file(stacked_model_path)  # 16 then 8 units
    draw(window.inspect_tab.canvas, 3)
    window.inspect_tab.go_to_row(27)
    panel = window.inspect_tab.state_panel
    panel.set_series("forget")  # 0 (closed) to 1 (open)
    QApplication.sendEvent(panel.heatmap, QHelpEvent(QEvent.WhatsThis, QPoint(5, 5), panel.heatmap.mapToGlobal(QPoint(5, 5))))
    text = panel.heatmap.whatsThis()
    assert "16 hidden units of layer 1" in text and "forget gate f of" in text and "from 0 (dark purple" in text
    QWhatsThis.hideText()


def test_shift_f1_enters_whats_this_mode(qtbot, main_window):
    main_window.activateWindow()
    qtbot.keyClick(main_window.inspect_tab.canvas, Qt.Key_F1, Qt.ShiftModifier)
    assert QWhatsThis.inWhatsThisMode()
    QWhatsThis.leaveWhatsThisMode()
