"""The drawing canvas's history, as undo sees it: strokes, pictures and clears, newest last. A
picture or a clear starts a new page (what was before it no longer shows); undo pops the newest
item, so a clear or an opened picture can be undone too. Only UNDO_PAGES pages are kept, so that
hours of drawing do not pile up every stroke ever made.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QImage

from .live_stroke import Stroke

UNDO_PAGES = 20


@dataclass
class ImageLayer:
    """An opened, dropped, pasted or inspected picture: it replaces what was drawn before it."""

    image: QImage  # Grayscale8, CANVAS_SIZE square, ink high


class Clear:
    """A clear in the history, so that undo can bring the drawing back."""


class History:
    def __init__(self):
        self.items: list[Stroke | ImageLayer | Clear] = []

    def __len__(self) -> int:
        return len(self.items)

    def append(self, stroke: Stroke) -> None:
        self.items.append(stroke)

    def pop(self) -> None:
        self.items.pop()

    def new_page(self, item: Clear | ImageLayer) -> None:
        """Start a new page, forgetting pages beyond UNDO_PAGES back."""
        self.items.append(item)
        starts = [i for i, it in enumerate(self.items) if isinstance(it, (Clear, ImageLayer))]
        if len(starts) > UNDO_PAGES:
            # Everything before the oldest kept page start is hidden by it: safe to drop.
            del self.items[: starts[-UNDO_PAGES]]

    def visible(self) -> list:
        """What shows: the items since the last clear, or from the last picture on."""
        for i in range(len(self.items) - 1, -1, -1):
            item = self.items[i]
            if isinstance(item, Clear):
                return self.items[i + 1 :]
            if isinstance(item, ImageLayer):
                return self.items[i:]
        return self.items
