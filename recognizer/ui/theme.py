"""The window's look: one dark palette for Qt widgets and pyqtgraph plots alike.

The colours follow the app icon: slate panels, white ink, amber for "the row being read".
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyle

from ..files.paths import resources_dir

# Slate greys, darkest first.
BACKGROUND = "#111827"  # window
PANEL = "#1f2937"  # group boxes, plots
RAISED = "#374151"  # buttons, inputs
BORDER = "#4b5563"
MUTED_TEXT = "#9ca3af"
TEXT = "#f3f4f6"
INK = "#f9fafb"
PAPER = "#0b1220"  # the drawing canvas and the image the network sees
ACCENT = "#f59e0b"  # amber: the row being read, the leading class
ACCENT_SOFT = "#fbbf24"
SELECTION = "#60a5fa"  # a picked hidden unit

STYLE_SHEET = f"""
QMainWindow, QDialog {{ background: {BACKGROUND}; }}
QWidget {{ color: {TEXT}; }}
QToolTip {{ color: {TEXT}; background: {PANEL}; border: 1px solid {BORDER}; padding: 4px; }}
QTabWidget::pane {{ border: 1px solid {RAISED}; border-radius: 6px; top: -1px; background: {BACKGROUND}; }}
QTabBar::tab {{ background: {PANEL}; color: {MUTED_TEXT}; padding: 7px 18px; margin-right: 2px;
    border: 1px solid {RAISED}; border-bottom: none; border-top-left-radius: 6px; border-top-right-radius: 6px; }}
QTabBar[documentMode="true"]::tab {{ padding: 6px 10px; }}
QTabBar::tab:selected {{ background: {BACKGROUND}; color: {TEXT}; border-color: {BORDER}; }}
QTabBar::tab:hover {{ color: {TEXT}; }}
QGroupBox {{ background: {PANEL}; border: 1px solid {RAISED}; border-radius: 8px; margin-top: 14px;
    padding: 10px 8px 8px 8px; font-weight: 600; }}
QGroupBox::title {{ subcontrol-origin: margin; subcontrol-position: top left; left: 10px; padding: 0 4px;
    color: {MUTED_TEXT}; }}
QPushButton, QToolButton {{ background: {RAISED}; border: 1px solid {BORDER}; border-radius: 5px;
    padding: 5px 12px; }}
QFileDialog QToolButton {{ padding: 2px; }}
QPushButton:hover, QToolButton:hover {{ background: {BORDER}; }}
QPushButton:pressed, QToolButton:pressed {{ background: {PANEL}; }}
QPushButton:checked, QToolButton:checked {{ background: {ACCENT}; color: {BACKGROUND}; border-color: {ACCENT}; }}
QPushButton:disabled, QToolButton:disabled {{ color: {BORDER}; }}
QComboBox {{ background: {RAISED}; border: 1px solid {BORDER}; border-radius: 5px; padding: 4px 8px; }}
QComboBox:disabled {{ color: {MUTED_TEXT}; }}
QComboBox QAbstractItemView {{ background: {PANEL}; selection-background-color: {BORDER}; }}
QSlider::groove:horizontal {{ height: 6px; background: {RAISED}; border-radius: 3px; }}
QSlider::sub-page:horizontal {{ background: {ACCENT}; border-radius: 3px; }}
QSlider::handle:horizontal {{ background: {TEXT}; width: 14px; margin: -5px 0; border-radius: 7px; }}
QSlider::sub-page:horizontal:disabled {{ background: {BORDER}; }}
QSlider::handle:horizontal:disabled {{ background: {BORDER}; }}
QCheckBox::indicator {{ width: 15px; height: 15px; }}
QStatusBar {{ background: {PANEL}; color: {MUTED_TEXT}; }}
QStatusBar QLabel {{ color: {MUTED_TEXT}; padding: 0 8px; }}
QMenuBar {{ background: {PANEL}; }}
QMenuBar::item:selected {{ background: {RAISED}; }}
QMenu {{ background: {PANEL}; border: 1px solid {BORDER}; }}
QMenu::item:selected {{ background: {RAISED}; }}
QLabel#prediction {{ color: {INK}; }}
QLabel[role="muted"] {{ color: {MUTED_TEXT}; }}
QLabel[role="caption"] {{ color: {TEXT}; font-size: 11pt; }}
"""


def palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.Window: BACKGROUND,
        QPalette.WindowText: TEXT,
        QPalette.Base: PANEL,
        QPalette.AlternateBase: RAISED,
        QPalette.Text: TEXT,
        QPalette.Button: RAISED,
        QPalette.ButtonText: TEXT,
        QPalette.ToolTipBase: PANEL,
        QPalette.ToolTipText: TEXT,
        QPalette.Highlight: ACCENT,
        QPalette.HighlightedText: BACKGROUND,
        QPalette.PlaceholderText: MUTED_TEXT,
        QPalette.Link: SELECTION,
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, QColor(BORDER))
    return p


def apply(app: QApplication) -> None:
    """Give the application (every tab, dialog and plot made after this) the dark theme. Once:
    setting a style sheet again would re-polish every widget alive."""
    if app.property("recognizer_theme"):
        return
    app.setProperty("recognizer_theme", True)
    app.setStyle("Fusion")  # the same look on every platform, and it honours the palette
    app.setPalette(palette())
    app.setStyleSheet(STYLE_SHEET)
    pg.setConfigOptions(antialias=True, background=PANEL, foreground=MUTED_TEXT)


def big_font(point_size: int, bold: bool = True) -> QFont:
    font = QFont()
    font.setPointSize(point_size)
    font.setBold(bold)
    return font


def app_icon() -> QIcon:
    return QIcon(str(resources_dir() / "icon.svg"))


_STANDARD_ICONS: dict[QStyle.StandardPixmap, QIcon] = {}


def standard_icon(which: QStyle.StandardPixmap) -> QIcon:
    """The style's icon, made once. Every new QIcon gets new pixmap-cache keys: a play button
    given a fresh one twice per drawing grew memory by about 2 MB per 1,000 drawings."""
    if which not in _STANDARD_ICONS:
        _STANDARD_ICONS[which] = QApplication.style().standardIcon(which)
    return _STANDARD_ICONS[which]
