"""What a first-time user hit in the window (issue 24), each through the real widgets: the wheel
over the Train form, the window's size on a small screen, where file dialogs start, and more."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox


def wheel(widget, notches: int = 1) -> None:
    """Turn the mouse wheel over the middle of widget, through the window system as a real wheel
    would (Qt passes such an event up the parents; one sent to a widget goes to it alone).
    notches > 0 turns it away from the user (up), < 0 towards (down)."""
    top = widget.window()
    centre = QPointF(widget.mapTo(top, QPoint(widget.width() // 2, widget.height() // 2)))
    QTest.wheelEvent(top.windowHandle(), centre, QPoint(0, 120 * notches))
    QApplication.processEvents()


def value_of(widget):
    return widget.currentIndex() if isinstance(widget, QComboBox) else widget.text()


def test_the_wheel_scrolls_the_train_form_and_changes_a_setting_only_once_it_is_focused(qtbot, full_main_window):
    window = full_main_window
    window.resize(1024, 600)  # short enough that the settings column scrolls
    tab = window.train_tab
    window.tabs.setCurrentWidget(tab)
    qtbot.wait(50)
    fields = [w for w in tab.form.findChildren(QAbstractSpinBox) + tab.form.findChildren(QComboBox)
              if w.isVisibleTo(tab) and w.isEnabled()]  # fmt: skip
    assert len(fields) >= 5
    bar = tab.left_scroll.verticalScrollBar()
    assert bar.maximum() > 0
    for field in fields:
        bar.setValue(0)
        before = value_of(field)
        wheel(field, -1)  # towards the bottom of the form
        assert value_of(field) == before, field
        assert not field.hasFocus(), field
        assert bar.value() > 0, field  # the wheel scrolled the form instead
    spin = next(f for f in fields if isinstance(f, QAbstractSpinBox))
    spin.setFocus(Qt.MouseFocusReason)  # clicked into: now the wheel is for it
    before = spin.text()
    wheel(spin, 1)
    assert spin.text() != before
