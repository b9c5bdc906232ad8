"""What's This, applied once to the whole window: each widget that shows a number or a plot gets
its plain-words text from help_texts.py, found by the name of the attribute its owner keeps it
in ("StatePanel.heatmap"); the window's `?` button and Shift+F1 ask for it.

A widget that sets its own text keeps it. Texts with live values (the heatmap's unit count and
colour range) are filled in when asked (QEvent.WhatsThis), never stale.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QTabWidget, QToolButton, QWhatsThis, QWidget

from .help_texts import TEXTS, live_text


def owned(root: QWidget) -> dict[int, tuple[str, QWidget]]:
    """id(widget) -> ("OwnerClass.attribute", owner) for every widget under root kept in an
    attribute of another widget, alone or in a list, tuple or dict (the first owner found wins)."""
    found: dict[int, tuple[str, QWidget]] = {}
    for owner in [root, *root.findChildren(QWidget)]:
        for attribute, value in vars(owner).items():
            values = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
            for widget in values:
                if isinstance(widget, QWidget):
                    found.setdefault(id(widget), (f"{type(owner).__name__}.{attribute}", owner))
    return found


class _LiveText(QObject):
    """Refreshes a widget's text from its owner's current values just before Qt shows it."""

    def __init__(self, key: str, owner: QWidget, parent: QObject):
        super().__init__(parent)
        self._key, self._owner = key, owner

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.WhatsThis:
            watched.setWhatsThis(live_text(self._key, self._owner))
        return super().eventFilter(watched, event)


def explain(root: QWidget) -> None:
    """Give every widget under root that has a text in TEXTS, and none of its own, that text.
    The window calls this once, when its tabs are built (as widgets.guard_wheel)."""
    found = owned(root)
    for widget in root.findChildren(QWidget):
        key, owner = found.get(id(widget), ("", None))
        if key not in TEXTS or widget.whatsThis():
            continue
        if not widget.objectName():  # a name to find it by (tests, the tour, style sheets)
            widget.setObjectName(key.split(".", 1)[1])
        widget.setWhatsThis(live_text(key, owner))
        if "{" in TEXTS[key]:
            widget.installEventFilter(_LiveText(key, owner, widget))


def whats_this_action(window: QMainWindow) -> QAction:
    """Qt's own What's This action (Shift+F1), working with the menus closed."""
    act = QWhatsThis.createAction(window)
    act.setToolTip("What's this? Click here, then on any plot, number or control (or press Shift+F1)")
    window.addAction(act)
    return act


def question_button(act: QAction, corner_of: QTabWidget) -> QToolButton:
    """A `?` in the top-right corner of the tab bar that enters What's This mode."""
    button = QToolButton()
    button.setObjectName("whats_this_button")
    button.setDefaultAction(act)
    button.setText("?")
    button.setAutoRaise(True)
    corner_of.setCornerWidget(button)
    return button
