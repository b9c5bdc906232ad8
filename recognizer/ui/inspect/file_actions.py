"""Draw & Inspect's own actions, which the menus, the canvas and other tabs call: open an image
file, paste, take a drop, show an image another tab sends, save the trace, keep the drawing in My
digits. They belong to the tab, not to the window; the window only hands in what is its own
(the one Keeper, a way to make sure the model is loaded, the model's name) and shows the tab
when asked (show_requested) and the status line (status_message).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from ...errors import RecognizerError
from ...files.trace_export import save_trace
from ..dialogs import DIALOGS
from .image_arrays import qimage_to_array
from .keeping import Keeper
from .tab import InspectTab

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.pgm *.ppm *.webp *.tif *.tiff);;All files (*)"
TRACE_FILTER = "CSV table (*.csv);;NumPy archive (*.npz)"
NOTHING_TO_SAVE = "Draw a digit first: there is no trace to save yet."


class InspectActions(QObject):
    """tab: the Draw & Inspect tab; keeper: the window's Keeper (My digits' records); prepare():
    called before an input is read, so that the model is loaded by then; model_name(): the model
    in use's name, or None, written beside a kept drawing."""

    show_requested = Signal()  # an input is about to replace the one shown: bring the tab to the front
    status_message = Signal(str)

    def __init__(self, tab: InspectTab, keeper: Keeper, prepare: Callable[[], None],
                 model_name: Callable[[], str | None], parent: QObject | None = None):  # fmt: skip
        super().__init__(parent)
        self.tab, self.keeper = tab, keeper
        self._prepare, self._model_name = prepare, model_name
        tab.open_requested.connect(self.open_image_dialog)
        tab.canvas.dropped.connect(self.take_drop)
        tab.keep_button.keep_requested.connect(self.keep_drawing)

    def _say(self, kind: str, title: str, text: str) -> None:
        DIALOGS.show_message(self.tab.window(), kind, title, text)

    def inspect_image(self, image28, caption: str, picture=None) -> None:
        """Show a 28x28 image (ink high, values in [0, 1]) and play its trace; the canvas shows
        picture (ink high, [0, 1], any size) when given: what the digit was read from."""
        self._prepare()
        image = np.asarray(image28, dtype=np.float32)
        if image.max(initial=0) > 1.0:  # uint8-style values
            image = image / 255.0
        self.show_requested.emit()
        self.tab.inspect_image(image, caption, play=True, picture=picture)

    def open_image(self, path: str | Path) -> bool:
        """Read a digit from an image file onto the canvas; a dialog says why when it cannot."""
        from ...inputs.image_files import read_image

        self._prepare()
        path = Path(path)
        try:
            array = read_image(path)
        except (RecognizerError, OSError, ValueError) as e:
            self._say("warning", "Cannot open image", str(e))
            return False
        return self.place_image(array, f"Opened {path.name}")

    def paste(self) -> bool:
        mime = QApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            return self.place_image(qimage_to_array(QImage(mime.imageData())), "Pasted image")
        files = [u.toLocalFile() for u in (mime.urls() if mime is not None else []) if u.isLocalFile()]
        if files:
            return self.open_image(files[0])
        self._say("information", "Nothing to paste", "The clipboard holds no image.")
        return False

    def take_drop(self, item) -> None:
        """A file or an image dropped on the canvas."""
        if isinstance(item, Path):
            self.open_image(item)
        elif isinstance(item, QImage) and not item.isNull():
            self.place_image(qimage_to_array(item), "Dropped image")

    def place_image(self, array: np.ndarray, caption: str) -> bool:
        """A picture of a digit (any size, grey or colour) framed as MNIST's and read."""
        from ...inputs.preprocess import frame_ink, ink_image

        self._prepare()
        try:
            ink = ink_image(array)
            image28 = None if ink is None else frame_ink(ink)
        except ValueError as e:
            self._say("warning", "Cannot read the image", str(e))
            return False
        if image28 is None:
            self._say("warning", "No digit found", f"{caption}: there is nothing to read in it (blank, or too faint).")
            return False
        self.show_requested.emit()
        self.tab.inspect_image(image28, caption, play=self.tab.auto_play, picture=ink)
        return True

    def save_trace_file(self, path: str | Path) -> Path | None:
        trace = self.tab.trace
        if trace is None:
            self._say("information", "Nothing to save", NOTHING_TO_SAVE)
            return None
        try:
            written = save_trace(path, trace)
        except OSError as e:
            self._say("critical", "Cannot save trace", f"Cannot write {path}: {e.strerror or e}")
            return None
        self.status_message.emit(f"Saved the trace to {written}")
        return written

    def open_image_dialog(self) -> None:
        path = DIALOGS.ask_open_path(self.tab.window(), "Open an image of a digit", IMAGE_FILTER)
        if path:
            self.open_image(path)

    def save_trace_dialog(self) -> None:
        if self.tab.trace is None:
            self._say("information", "Nothing to save", NOTHING_TO_SAVE)
            return
        path = DIALOGS.ask_save_path(self.tab.window(), "Save the trace", "trace.csv", TRACE_FILTER)
        if path:
            self.save_trace_file(path)

    def keep_drawing(self, label: int) -> int | None:
        """Keep the input shown in My digits as label (keeping.py); its id, or None."""
        self._prepare()
        return self.keeper.keep(label, self._model_name())
