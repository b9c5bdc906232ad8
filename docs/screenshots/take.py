"""Take the README's screenshots from the real window on a real X server (Xvfb), at one screen size.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/screenshots/take.py 1600x1000
    xvfb-run -a -s "-screen 0 1024x768x24" .venv/bin/python docs/screenshots/take.py 1024x768

The window fills the screen (as it does on a screen of that size); drawings are drawn with mouse
events through the canvas, as in the tests (tests/drawing.py, tests/shapes.py); the picture is
the X server's whole screen (ImageMagick's `import -window root`), so what is saved is what a
person would see. Names: NAME.png at 1600x1000, NAME-1024x768.png at 1024x768. Needs MNIST
($MNIST_DIR) for the Train picture. Run it with XDG_CONFIG_HOME and XDG_DATA_HOME pointing at
empty folders, so that no remembered window, pen or run of yours is in the pictures.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
from drawing import DIGIT_STROKES, draw_stroke  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from shapes import non_digits  # noqa: E402


def wait(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def wait_until(done, limit: float) -> None:
    """Wait for done() (a job at its end), at most limit seconds: a loaded machine is slower."""
    end = time.monotonic() + limit
    while not done() and time.monotonic() < end:
        wait(0.1)


def shoot(name: str, size: str) -> None:
    wait(0.4)
    out = HERE / (f"{name}.png" if size == "1600x1000" else f"{name}-{size}.png")
    subprocess.run(["import", "-window", "root", str(out)], check=True)
    print("wrote", out.relative_to(ROOT))


def draw(window, strokes, settle: float = 0.6) -> None:
    canvas = window.inspect_tab.canvas
    canvas.clear()
    for stroke in strokes:
        draw_stroke(canvas, [tuple(p) for p in np.asarray(stroke, float)])
    wait(settle)


def placed(digits, x0=18.0, width=62.0, gap=6.0, height=110.0, top=85.0):
    """Digits of DIGIT_STROKES side by side on the canvas, each scaled into a width x height box."""
    strokes = []
    for k, d in enumerate(digits):
        for s in DIGIT_STROKES[d]:
            s = np.asarray(s, float) / 280.0
            strokes.append(np.stack([x0 + k * (width + gap) + s[:, 0] * width, top + s[:, 1] * height], axis=1))
    return strokes


def main(size: str) -> None:
    from recognizer.ui.app import make_application
    from recognizer.ui.main_window import MainWindow
    from recognizer.ui.settings import app_settings
    from recognizer.ui.tour_state import SEEN_KEY

    app = make_application()
    app_settings().setValue(SEEN_KEY, True)  # the tour gets a picture of its own, below
    screen = app.primaryScreen().availableGeometry()
    window = MainWindow()
    window.setGeometry(screen)
    window.show()
    window.ensure_ready()
    wait(2.0)
    tab = window.inspect_tab
    tab.set_auto_play(False)

    window.menus.tour.start()
    wait(0.5)
    shoot("tour", size)
    window.menus.tour.skip_button.click()

    draw(window, DIGIT_STROKES[4])
    tab.go_to_row(17)
    shoot("inspect", size)

    star = next(s for name, s in non_digits(seed=7, per_family=3) if name == "star")
    draw(window, star)
    shoot("inspect-not-a-digit", size)

    unsure = _first_unsure(window)
    if unsure is not None:
        draw(window, unsure)
        shoot("inspect-unsure", size)

    draw(window, placed([2, 0, 2, 6]))
    shoot("number", size)

    draw(window, DIGIT_STROKES[9])
    tab.state_panel.series_combo.setCurrentIndex(tab.state_panel.series_combo.findData("forget"))
    wait(0.5)
    shoot("gates", size)
    tab.state_panel.series_combo.setCurrentIndex(0)

    draw(window, DIGIT_STROKES[7])
    window.tabs.setCurrentWidget(window.lab_tab)
    wait_until(lambda: not window.lab_tab.state.ranking_job.busy, 60.0)  # the units that decide, ranked
    shoot("lab", size)

    window.tabs.setCurrentWidget(window.train_tab)
    form = window.train_tab.form
    form.epochs_spin.setValue(3)
    form.subset_spin.setValue(12000)
    window.train_tab.start()
    wait_until(lambda: window.train_tab.curves.epochs.n >= 1, 300.0)  # mid-run: a first epoch, the run's progress
    wait(3.0)
    shoot("train", size)
    window.train_tab.stop()
    wait_until(lambda: not window.train_tab.running, 120.0)  # else closing asks whether to stop it
    window.close()


def _first_unsure(window):
    """The first drawing the model in use is unsure of, among the tests' digits with one stroke
    cut short (a 0 left open, a 5 without its bar...), found with the verdict itself."""
    from recognizer.inputs.strokes import render_strokes, strokes_extent
    from recognizer.trust.verdict import judge_batch

    candidates = []
    for strokes in DIGIT_STROKES.values():
        for k in range(len(strokes)):  # any of its strokes cut short
            for share in np.linspace(0.1, 0.98, 45):
                cut = [np.asarray(x, float) for x in strokes]
                cut[k] = cut[k][: max(2, int(len(cut[k]) * share))]
                candidates.append(cut)
    loaded = window.current_model
    verdicts = judge_batch(loaded.model, np.stack([render_strokes(c) for c in candidates]), loaded.trust,
                           extents=[strokes_extent(c) for c in candidates])  # fmt: skip
    unsure = [(c, v) for c, v in zip(candidates, verdicts) if v.kind == "unsure"]
    # the README's picture is "a 3 or a 5": that pair first, when the model is unsure of one
    pair = [c for c, v in unsure if {v.best, v.runner_up} == {3, 5}]
    return pair[0] if pair else unsure[0][0] if unsure else None


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "1600x1000")
