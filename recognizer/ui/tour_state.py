"""The first-run tour's steps and where it stands: Qt-free (the callout in ui/tour.py shows it).

Each step names the widget it points at by its attribute path from the main window
("inspect_tab.canvas"; a method in the path is called: "tabs.tabBar").
"""

from __future__ import annotations

from dataclasses import dataclass

SEEN_KEY = "tour/seen"  # in the one settings store: shown on the first launch only


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    target: str


STEPS = (
    Step("Draw a digit", "Draw one digit, 0 to 9, with the mouse or a pen, about as tall as this box. "
         "The network reads it again after every stroke.", "inspect_tab.canvas"),
    Step("The 28×28 it sees", "Your drawing, shrunk to 28×28 pixels and centred like the MNIST digits "
         "the network learned from. This small picture is all it gets.", "inspect_tab.input_view"),
    Step("Row by row", "The network reads the picture one row of 28 pixels at a time, top to bottom: 28 steps. "
         "Play, pause, or drag here to stop at any row (← and → step).", "inspect_tab.row_slider"),
    Step("Inside the network", "Its memory after each row: one line per hidden unit, one column per row read, "
         "coloured by the unit's value. This memory is all it keeps of the rows before.",
         "inspect_tab.state_panel.heatmap"),
    Step("The verdict", "After the last row the memory becomes ten probabilities, one per digit: the highest is "
         "the answer, shown with how sure the network is.", "inspect_tab.prediction"),
    Step("Where to go next", "Train your own model, measure it on 10,000 test digits in Evaluate, silence units in "
         "the Lab, keep your own digits in My digits. To ask what any plot or number is, press Shift+F1 (or the ? "
         "at the top right) and click it. Help › Show the tour brings this tour back.", "tabs.tabBar"),
)  # fmt: skip


class TourState:
    """Which step is shown, or None once the tour ended (Skip, or Done on the last step)."""

    def __init__(self, steps: tuple[Step, ...] = STEPS):
        self.steps = steps
        self.index: int | None = None

    @property
    def step(self) -> Step | None:
        return None if self.index is None else self.steps[self.index]

    @property
    def last(self) -> bool:
        return self.index == len(self.steps) - 1

    def start(self) -> None:
        self.index = 0

    def next(self) -> None:
        """On to the next step; past the last one the tour ends."""
        if self.index is not None:
            self.index = None if self.last else self.index + 1

    def back(self) -> None:
        if self.index:
            self.index -= 1

    def skip(self) -> None:
        self.index = None

    def counter(self) -> str:
        return "" if self.index is None else f"{self.index + 1} of {len(self.steps)}"
