"""Qt's own file dialog (what Linux gets without a desktop's native one) under the window's theme:
its toolbar buttons show their icons. The theme's button padding left them no room: blank."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication, QFileDialog, QToolButton

from recognizer.ui import theme
from recognizer.ui.app import make_application
from recognizer.ui.inspect.image_arrays import qimage_to_array


def test_the_file_dialogs_toolbar_buttons_show_their_icons(qtbot, tmp_path):
    make_application()
    theme.apply(QApplication.instance())
    dialog = QFileDialog(None, "Open", str(tmp_path))
    dialog.setOption(QFileDialog.DontUseNativeDialog, True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    buttons = [b for b in dialog.findChildren(QToolButton) if b.isVisible() and not b.icon().isNull()]
    assert len(buttons) >= 4  # back, forward, up, new folder, list and detail views
    for button in buttons:
        pixels = qimage_to_array(button.grab().toImage())[..., :3].astype(int).sum(axis=-1)
        centre = pixels[pixels.shape[0] // 4 : -pixels.shape[0] // 4, pixels.shape[1] // 4 : -pixels.shape[1] // 4]
        assert np.ptp(centre) > 20, button.toolTip()  # something drawn in the middle, not a flat button
    dialog.close()
