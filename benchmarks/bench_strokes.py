"""Cost of one mouse move at the end of a long stroke on the Draw & Inspect canvas.

    python benchmarks/bench_strokes.py
    BENCH_LENGTHS=100,1000,3000 python benchmarks/bench_strokes.py   (other stroke lengths)

Issue 25, cause 10: each move used to re-render the whole stroke (on the 2-core machine of the
fix: 1.4, 18.9 and 82 ms a move at 100, 1,000 and 3,000 points; 10,000 took too long to grow).
A stroke is grown to N points with real mouse events (sent without painting), then MOVES more
moves are timed, each with what a move costs the window: the event, a repaint of the canvas,
and the pixels a live update hands out (canvas.pixels()). Past strokes.MAX_STROKE_POINTS a move
is refused (the canvas says so), so the 10,000 row times moves beyond the bound.
"""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

import common

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

LENGTHS = tuple(int(n) for n in os.environ.get("BENCH_LENGTHS", "100,1000,10000").split(","))
MOVES = 50


def spiral(n: int) -> list[tuple[float, float]]:
    """n canvas points 2 units apart (more than strokes.MIN_STEP, so every move is kept)."""
    points, angle = [], 0.0
    for i in range(n):
        radius = 30 + 100 * ((i * 0.37) % 100) / 100
        angle += 2.0 / radius
        points.append((140 + radius * math.cos(angle), 140 + radius * math.sin(angle)))
    return points


def bench_length(canvas, n: int) -> dict:
    from drawing import send_mouse
    from PySide6.QtCore import QEvent, QPointF, Qt

    canvas.clear()
    points = [canvas.to_widget(QPointF(x, y)) for x, y in spiral(n + MOVES)]
    send_mouse(canvas, QEvent.MouseButtonPress, points[0], Qt.LeftButton, Qt.LeftButton)
    for p in points[1:n]:
        send_mouse(canvas, QEvent.MouseMove, p, Qt.NoButton, Qt.LeftButton)
    seconds = []
    for p in points[n:]:
        t = time.perf_counter()
        send_mouse(canvas, QEvent.MouseMove, p, Qt.NoButton, Qt.LeftButton)
        canvas.repaint()
        canvas.pixels()
        seconds.append(time.perf_counter() - t)
    kept = len(canvas.strokes()[-1])
    send_mouse(canvas, QEvent.MouseButtonRelease, points[-1], Qt.LeftButton, Qt.NoButton)
    return {"points": n, "kept": kept, **common.stats_ms(seconds)}


def main() -> None:
    from recognizer.ui.app import make_application
    from recognizer.ui.inspect.canvas import DrawingCanvas

    make_application()
    canvas = DrawingCanvas()
    canvas.resize(380, 380)
    canvas.show()
    rows = [bench_length(canvas, n) for n in LENGTHS]
    common.print_table(f"one mouse move at the end of a stroke ({MOVES} moves each)",
                       ["stroke points", "kept", "median ms", "p95 ms", "max ms"],
                       [[r["points"], r["kept"], r["median_ms"], r["p95_ms"], r["max_ms"]] for r in rows])  # fmt: skip
    common.write_json("strokes", {"moves": MOVES, "rows": rows})


if __name__ == "__main__":
    main()
