"""The first-run tour, through the real window and real clicks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from window_tabs import placeholder_tabs

from recognizer.ui.settings import app_settings
from recognizer.ui.tour import target_of
from recognizer.ui.tour_state import SEEN_KEY, STEPS


def first_launch() -> None:
    app_settings().remove(SEEN_KEY)  # conftest marks the tour seen for every other test


def launch(qtbot, model_path):
    from recognizer.ui.main_window import MainWindow

    window = MainWindow(model_path=model_path)
    qtbot.addWidget(window)
    window.resize(1024, 740)
    window.show()
    qtbot.waitExposed(window)
    window.ensure_ready()
    return window


def beside(callout: QWidget, target: QWidget) -> bool:
    """The callout does not cover its target and touches the band around it."""
    window = callout.parentWidget()
    box = callout.geometry()
    rect = target.rect().translated(target.mapTo(window, target.rect().topLeft()))
    return not box.intersects(rect) and box.intersects(rect.adjusted(-30, -30, 30, 30))


def test_the_tour_shows_on_a_first_launch_and_points_at_each_area_then_not_on_the_second(qtbot, model_path, monkeypatch):
    placeholder_tabs(monkeypatch)
    first_launch()
    window = launch(qtbot, model_path)
    tour = window.menus.tour
    assert tour.isVisible() and tour.title.text() == STEPS[0].title
    for i, step in enumerate(STEPS):
        target = target_of(window, step.target)
        assert tour.counter.text() == f"{i + 1} of {len(STEPS)}"
        assert target.isVisible() and beside(tour, target), step.title
        assert tour.height() >= tour.layout().totalHeightForWidth(tour.width()), f"{step.title}: its words are cut"
        qtbot.mouseClick(tour.next_button, Qt.LeftButton)
    assert not tour.isVisible()
    window.close()
    again = launch(qtbot, model_path)
    assert not again.menus.tour.isVisible()
    again.close()


def test_back_goes_back_and_skip_ends_the_tour(qtbot, main_window):
    tour = main_window.menus.tour
    assert not tour.isVisible()  # seen already
    main_window.menus.tour_action.trigger()
    qtbot.mouseClick(tour.next_button, Qt.LeftButton)
    qtbot.mouseClick(tour.back_button, Qt.LeftButton)
    assert tour.title.text() == STEPS[0].title and not tour.back_button.isEnabled()
    qtbot.mouseClick(tour.skip_button, Qt.LeftButton)
    assert not tour.isVisible()


def test_help_opens_the_tour_again_on_draw_and_inspect(qtbot, main_window):
    window = main_window
    window.tabs.setCurrentIndex(2)
    bar = window.menuBar()
    help_menu = window.menus.help_menu
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.actionGeometry(help_menu.menuAction()).center())
    qtbot.waitUntil(help_menu.isVisible)
    qtbot.mouseClick(help_menu, Qt.LeftButton, pos=help_menu.actionGeometry(window.menus.tour_action).center())
    tour = window.menus.tour
    qtbot.waitUntil(tour.isVisible)
    assert window.tabs.currentWidget() is window.inspect_tab and tour.title.text() == STEPS[0].title


def test_on_another_tab_the_tour_waits_and_comes_back_on_draw_and_inspect(qtbot, main_window):
    window = main_window
    tour = window.menus.tour
    window.menus.tour_action.trigger()
    qtbot.mouseClick(tour.next_button, Qt.LeftButton)
    bar = window.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(1).center())
    assert window.tabs.currentIndex() == 1 and not tour.isVisible()
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(0).center())
    assert tour.isVisible() and tour.title.text() == STEPS[1].title
