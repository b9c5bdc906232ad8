"""One step, with its numbers (issue 26): how fast the step panel shows a unit's arithmetic.

    python benchmarks/bench_step.py

Target: click on a heatmap cell -> the panel painted within one frame (16 ms) at p95. Measured
through the real window with real mouse clicks on random cells (unit, row) of the heatmap over
the tests' digits 0-9, ← / → steps, and the core computation alone (step_arithmetic.step, and
the panel's words) for each cell kind. "Painted" means the event loop has run until the panel has
painted itself whole (its UpdateRequest handled, offscreen platform); the tab's row views follow
on the next turn of the event loop and are not counted (bench_inspect.py times those).
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path

import common
import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def bench_clicks(clicks: int, rng) -> dict:
    from drawing import draw_digit
    from PySide6.QtCore import QEvent, QObject, QPointF, Qt
    from PySide6.QtTest import QTest

    from recognizer.ui.app import make_application
    from recognizer.ui.main_window import MainWindow

    app = make_application()
    window = MainWindow()
    window.ensure_ready()
    window.resize(1280, 800)
    window.show()
    tab = window.inspect_tab
    tab.set_auto_play(False)
    panel, plot = tab.step_panel, tab.state_panel.heatmap
    vb = plot.getPlotItem().vb

    class Painted(QObject):
        """The time the panel's first whole paint after a click or key ended: Qt paints a window
        in one UpdateRequest, handled here so that its end can be timed."""

        at = None
        inside = False

        def eventFilter(self, obj, event):
            if obj is panel and event.type() == QEvent.UpdateRequest and not self.inside:
                self.inside = True
                obj.event(event)
                self.inside = False
                if self.at is None:
                    self.at = time.perf_counter()
                return True
            return False

    painted = Painted()
    panel.installEventFilter(painted)

    def until_painted() -> float:
        painted.at = None
        for _ in range(4):  # everything asked for is done, the tab's row views too
            app.processEvents()
        if painted.at is None:
            raise RuntimeError("the panel was never painted")
        return painted.at

    click_s, key_s, frame_s = [], [], []
    units = None
    for digit in range(10):
        tab.canvas.clear()
        draw_digit(tab.canvas, digit)
        while not tab.views_in_sync():
            app.processEvents()
        units = tab.trace.layers[0].h.shape[1]
        for k in range(clicks // 10):
            unit, row = int(rng.integers(units)), int(rng.integers(28))
            pos = plot.mapFromScene(vb.mapViewToScene(QPointF(row + 1, unit)))
            t = time.perf_counter()
            QTest.mouseClick(plot.viewport(), Qt.LeftButton, pos=pos)
            click_s.append(until_painted() - t)
            assert (panel.state.unit, panel.state.row) == (unit, row)
            t = time.perf_counter()
            QTest.keyClick(panel, Qt.Key_Left if row else Qt.Key_Right)
            key_s.append(until_painted() - t)
            for _ in range(4):
                app.processEvents()
            # The tab's own frame for a row change, the panel following: the cost it would have
            # added had it painted before the panel.
            t = time.perf_counter()
            tab.go_to_row(int(rng.integers(28)))
            for _ in range(4):
                app.processEvents()
            frame_s.append(time.perf_counter() - t)
    window.close()
    return {"click_to_painted": common.stats_ms(click_s[5:]), "key_to_painted": common.stats_ms(key_s[5:]),
            "tab_row_change": common.stats_ms(frame_s[5:]),
            "units": units}  # fmt: skip


def bench_core(calls: int, rng) -> dict:
    import torch

    from recognizer.files.model_file import load_model
    from recognizer.files.paths import default_model_path
    from recognizer.network.model import ModelConfig, RowRNN
    from recognizer.network.step_arithmetic import step
    from recognizer.network.trace import Tracer
    from recognizer.ui.step_state import StepState

    image = rng.random((28, 28), dtype=np.float32)
    shipped = load_model(default_model_path()).model
    models = {f"shipped {shipped.describe()}": shipped}
    for cell in ("gru", "rnn"):
        torch.manual_seed(0)
        model = RowRNN(ModelConfig((128, 128), cell))
        models[model.describe()] = model
    out = {}
    for name, model in models.items():
        tracer = Tracer(model)
        trace = tracer(image)
        sizes = tracer.hidden_sizes
        picks = [(int(rng.integers(len(sizes))), int(rng.integers(28))) for _ in range(calls)]
        picks = itertools.cycle([(layer, int(rng.integers(sizes[layer])), row) for layer, row in picks])
        state = StepState()
        state.set_trace(tracer, trace)

        def words():
            state.open(*next(picks))
            state.gate_texts(), state.update_text()

        arithmetic = common.time_calls(lambda: step(tracer, trace, *next(picks)), calls)
        out[name] = {"step": common.stats_ms(arithmetic), "step_and_words": common.stats_ms(common.time_calls(words, calls))}
    return out


def main():
    rng = np.random.default_rng(0)
    core = bench_core(500, rng)
    gui = bench_clicks(200, rng)
    rows = [[f"core step ({name})", r["step"]["median_ms"], r["step"]["p95_ms"], r["step"]["max_ms"]] for name, r in core.items()]
    rows += [[f"core step + words ({name})", r["step_and_words"]["median_ms"], r["step_and_words"]["p95_ms"],
              r["step_and_words"]["max_ms"]] for name, r in core.items()]  # fmt: skip
    for label, key in (("click on heatmap → panel painted", "click_to_painted"), ("← / → → panel painted", "key_to_painted"),
                       ("for comparison: the tab's row change, all painted", "tab_row_change")):
        rows.append([label, gui[key]["median_ms"], gui[key]["p95_ms"], gui[key]["max_ms"]])
    common.print_table("One step, with its numbers (ms)", ["what", "median", "p95", "max"], rows)
    p95 = gui["click_to_painted"]["p95_ms"]
    print(f"\nclick → painted p95 {p95:.1f} ms (target ≤ 16 ms): {'met' if p95 <= 16 else 'NOT met'}")
    common.write_json("step", {"core": core, "gui": gui, "target_click_p95_ms": 16})


if __name__ == "__main__":
    main()
