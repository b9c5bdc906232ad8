"""Draw & Inspect's middle and right columns laid out in their titled boxes: what the network
sees and its answer at this row; row by row (each digit, or what the answer depends on) and
inside the network. The tab makes the views, connects them and adds Compare beside them."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QVBoxLayout, QWidget

from ..page_switch import PageSwitch
from ..widgets import group_box
from .neighbour_strip import NeighbourStrip


def middle_column(input_view: QWidget, bars: QWidget, tab: QWidget) -> tuple[QVBoxLayout, NeighbourStrip]:
    """The column and, under the bars, the strip of the training digits it is reminded of."""
    sees_box, sees_layout = group_box(
        "What the network sees", "Your drawing as the network gets it: 28 rows of 28 pixels, read top to bottom."
    )
    sees_layout.addWidget(input_view)
    bars_box, bars_layout = group_box("Its answer at this row", "The probability of each digit after the current row.")
    bars_layout.addWidget(bars)
    strip = NeighbourStrip(tab)
    strip_box, strip_layout = group_box("The digits it is reminded of", strip.whatsThis())
    strip_layout.addWidget(strip)
    middle = QVBoxLayout()
    middle.setSpacing(10)
    middle.addWidget(sees_box, 3)
    middle.addWidget(bars_box, 2)
    middle.addWidget(strip_box, 2)
    return middle, strip


def right_column(trajectories: QWidget, flow_view: QWidget, state_panel: QWidget
                 ) -> tuple[QVBoxLayout, QGroupBox, QGroupBox, PageSwitch]:  # fmt: skip
    """The column, its two boxes (Compare takes their place when shown) and the row-by-row pages."""
    traj_box, traj_layout = group_box("Row by row", "Ten lines, one per digit; or the memory the answer depends on.")
    row_pages = PageSwitch([("Each digit", "Ten lines, one per digit.", trajectories),
                            ("Depends on", flow_view.toolTip(), flow_view)])  # fmt: skip
    traj_layout.addLayout(row_pages.button_row())
    traj_layout.addWidget(row_pages)
    state_box, state_layout = group_box(
        "Inside the network", "The values inside the network's memory cells after every row read."
    )
    state_layout.addWidget(state_panel)
    right = QVBoxLayout()
    right.setSpacing(10)
    right.addWidget(traj_box, 3)
    right.addWidget(state_box, 5)
    return right, traj_box, state_box, row_pages
