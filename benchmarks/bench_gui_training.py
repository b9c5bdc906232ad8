"""Training through the window: throughput of the real Train tab and its job runner's thread beside a
bare PyTorch loop over the same model and batch size, and how late the UI's event loop runs while
it trains. Offscreen, in one process, the two sides interleaved round by round so that changes in
the machine's load hit both alike.

    python benchmarks/bench_gui_training.py      (MNIST from --data-dir, $MNIST_DIR or the user folder)

Like for like: both sides train LSTM-128 with batch 128 on the same images, augmentation off,
gradient clipping off, a constant learning rate (Adam(W) without weight decay). The Train tab's
throughput is the Trainer's own count (images / seconds from the epoch's start to its last batch),
so its test pass after the epoch is left out, as the bare loop has none; the bare loop is timed
over the same span. The tab is shown (offscreen) at 1280×800 and redraws its plots as in use.
Each side has one small warm-up run first, not counted.

The bare loop runs in a child process of its own, on its main thread (see bare_loop_server for
why), while this process runs the window and no torch work on its UI thread, as the app does.

Event-loop latency: a 10 ms QTimer runs on the UI thread for the whole GUI run; each tick's
lateness is how much longer than 10 ms it took since the previous one (p50/p95/max).
Targets: throughput ratio >= 0.9, latency p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import common  # noqa: E402,F401  (puts the checkout on sys.path)
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from recognizer.datasets.mnist import MNIST, load_mnist  # noqa: E402
from recognizer.evaluation.accuracy import as_float_images  # noqa: E402
from recognizer.network.model import ModelConfig, RowRNN  # noqa: E402

TARGET_RATIO = 0.9
TARGET_P95_MS = 50.0
TICK_MS = 10


def bare_loop(images: torch.Tensor, labels: torch.Tensor, batch_size: int, lr: float, seed: int) -> float:
    """The plain loop: same model, Adam, shuffled batches, nothing else. Samples per second."""
    torch.manual_seed(seed)
    model = RowRNN(ModelConfig((128,)))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    model.train()
    start = time.perf_counter()
    for b in range(0, len(images), batch_size):
        idx = order[b : b + batch_size]
        loss = F.cross_entropy(model(images[idx]), labels[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return len(images) / (time.perf_counter() - start)


def bare_loop_server(conn, data_dir, n_images: int, lr: float) -> None:
    """A child process that runs the bare loop on its main thread whenever asked (seed in,
    samples/s out; None ends it). A process of its own, because a process in which two threads
    have run torch's parallel kernels holds two OpenMP thread teams, and on a small machine the
    second one slows the first: the bare loop on the GUI process's main thread would make the
    Train tab's training thread look slower than it is in the app, where the UI thread runs no such work."""
    data = load_mnist(data_dir)
    images = as_float_images(data.train_images[:n_images])
    labels = torch.as_tensor(data.train_labels[:n_images], dtype=torch.long)
    bare_loop(images[:2560], labels[:2560], 128, lr, seed=12345)  # warm-up, not counted
    conn.send(torch.get_num_threads())
    while (seed := conn.recv()) is not None:
        conn.send(bare_loop(images, labels, 128, lr, seed))


def lateness_stats(late_ms: list[float]) -> dict:
    ms = sorted(late_ms)
    pick = lambda q: ms[min(len(ms) - 1, int(round(q * (len(ms) - 1))))]  # noqa: E731
    return {"p50_ms": pick(0.5), "p95_ms": pick(0.95), "max_ms": ms[-1], "ticks": len(ms)}


class LatencyProbe:
    """A 10 ms PreciseTimer on the UI thread that records how late each tick comes."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.late_ms: list[float] = []
        self._last = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self):
        now = time.perf_counter()
        if self._last is not None:
            self.late_ms.append(max(0.0, (now - self._last) * 1000 - TICK_MS))
        self._last = now

    def start(self):
        self.late_ms, self._last = [], None
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.late_ms


def gui_run(app, tab, probe, n_images: int, lr: float, seed: int, threads) -> dict:
    """One epoch through the real Start button's code path; returns throughput and latency."""
    from PySide6.QtCore import QEventLoop, QTimer

    tab.torch_threads = threads
    form = tab.form
    form.subset_spin.setValue(n_images)
    form.epochs_spin.setValue(1)
    form.batch_spin.setValue(128)
    form.hidden_edit.setText("128")
    form.lr_edit.setText(f"{lr:g}")
    form.schedule_combo.setCurrentIndex(form.schedule_combo.findData("constant"))
    form.clip_edit.setText("0")
    form.decay_edit.setText("0")
    form.augment_check.setChecked(False)
    form.sources_check.setChecked(False)
    form.outliers_check.setChecked(False)
    form.seed_edit.setText(str(seed))
    loop = QEventLoop()
    ended = []
    tab.run_finished.connect(loop.quit)
    tab.run_finished.connect(ended.append)
    tab.run_failed.connect(loop.quit)
    updates_before = tab.plots.plot_updates
    probe.start()
    started = time.perf_counter()
    ui_cpu_before = time.thread_time()  # CPU time of this, the UI, thread
    assert tab.start(), form.settings_error.text()
    QTimer.singleShot(30 * 60 * 1000, loop.quit)  # a safety net, never reached in a normal run
    loop.exec()
    seconds = time.perf_counter() - started
    ui_cpu = time.thread_time() - ui_cpu_before
    late = probe.stop()
    tab.run_finished.disconnect(loop.quit)
    tab.run_finished.disconnect(ended.append)
    tab.run_failed.disconnect(loop.quit)
    if not ended:
        raise SystemExit(f"the GUI run failed: {tab.progress_label.text()}")
    last_batch = tab.clock.latest  # the Trainer's own count for the epoch: images / (start .. last batch)
    return {
        "samples_per_s": last_batch.samples_per_second,
        "latency": lateness_stats(late),
        "plot_redraws_per_s": (tab.plots.plot_updates - updates_before) / seconds,
        "ui_thread_cpu_share": ui_cpu / seconds,  # of one core, the latency probe's ticks included
        "seconds_with_test_pass": seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir")
    parser.add_argument("--images", type=int, default=12800, help="training images per run (default 12,800: 100 batches)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (bare, GUI, ...), medians reported")
    parser.add_argument("--threads", default="default,1",
                        help="torch threads for the GUI runs, comma-separated: 'default' (torch's, one per core) or a number")  # fmt: skip
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    thread_options = [None if t.strip() == "default" else int(t) for t in args.threads.split(",")]

    from PySide6.QtWidgets import QApplication

    from recognizer.ui import theme
    from recognizer.ui.dialogs import DIALOGS
    from recognizer.ui.train.tab import TrainTab

    app = QApplication.instance() or QApplication([])
    theme.apply(app)
    data = load_mnist(args.data_dir)
    n = min(args.images, len(data.train_images))
    sub = MNIST(data.train_images[:n], data.train_labels[:n], data.test_images, data.test_labels)
    # No torch work on this (the UI) thread, as in the app: the bare loop runs in its own process.
    context = multiprocessing.get_context("spawn")
    conn, child_conn = context.Pipe()
    child = context.Process(target=bare_loop_server, args=(child_conn, args.data_dir, n, args.lr), daemon=True)
    child.start()
    bare_threads = conn.recv()

    models_dir = tempfile.mkdtemp(prefix="bench-gui-models-")
    tab = TrainTab(data=sub, models_dir=models_dir)
    DIALOGS.show_message = lambda parent, *a, **k: print("message:", a)
    tab.resize(1280, 800)
    tab.show()
    probe = LatencyProbe()
    # As in the app, where the window sits idle for a while before anyone presses Start: the
    # tab's background import of what training needs (a job on its runner) has finished.
    app.processEvents()
    tab.runner.wait_idle(60)

    # The event loop with nothing running, for reference.
    from PySide6.QtCore import QEventLoop, QTimer

    probe.start()
    idle = QEventLoop()
    QTimer.singleShot(2000, idle.quit)
    idle.exec()
    idle_latency = lateness_stats(probe.stop())

    gui_run(app, tab, probe, 2560, args.lr, 0, None)  # warm-up (first-run costs), not counted
    load_before = os.getloadavg()
    bare_runs: list[float] = []
    gui_runs: dict[str, list[dict]] = {str(t or "default"): [] for t in thread_options}
    for r in range(args.rounds):
        conn.send(r)
        bare_runs.append(conn.recv())
        print(f"round {r + 1}: bare loop {bare_runs[-1]:,.0f} samples/s", flush=True)
        for threads in thread_options:
            run = gui_run(app, tab, probe, n, args.lr, r, threads)
            gui_runs[str(threads or "default")].append(run)
            print(f"round {r + 1}: Train tab (torch threads {threads or 'default'}) {run['samples_per_s']:,.0f} samples/s, "
                  f"event loop p95 {run['latency']['p95_ms']:.1f} ms", flush=True)  # fmt: skip
    load_after = os.getloadavg()
    tab.shutdown()
    conn.send(None)
    child.join(30)

    bare = float(np.median(bare_runs))
    rows = [["bare PyTorch loop (own process, main thread, no UI)", f"{bare_threads} (default)", bare, 1.0, "", "", ""]]
    summary = {}
    for key, runs in gui_runs.items():
        sps = float(np.median([r["samples_per_s"] for r in runs]))
        lat = {k: float(np.median([r["latency"][k] for r in runs])) for k in ("p50_ms", "p95_ms", "max_ms")}
        worst_max = max(r["latency"]["max_ms"] for r in runs)
        redraws = float(np.median([r["plot_redraws_per_s"] for r in runs]))
        ui_share = float(np.median([r["ui_thread_cpu_share"] for r in runs]))
        summary[key] = {
            "samples_per_s": sps,
            "ratio_to_bare": sps / bare,
            "event_loop_lateness_ms": {**lat, "worst_max_ms": worst_max},
            "plot_redraws_per_s": redraws,
            "ui_thread_cpu_share": ui_share,
            "meets_ratio_target": sps / bare >= TARGET_RATIO,
            "meets_latency_target": lat["p95_ms"] <= TARGET_P95_MS,
            "runs": runs,
        }
        label = "default (one per core)" if key == "default" else key
        rows.append(["Train tab + its job runner, offscreen", label, sps, sps / bare,
                     f"{lat['p50_ms']:.1f}", f"{lat['p95_ms']:.1f}", f"{worst_max:.0f}"])  # fmt: skip

    common.print_table(
        f"GUI training vs bare loop: LSTM-128, batch 128, CPU, {n:,} images, augmentation OFF and gradient "
        f"clipping OFF on both sides\n({args.rounds} interleaved rounds, medians; event-loop lateness of a "
        f"{TICK_MS} ms QTimer while training; targets: ratio >= {TARGET_RATIO}, p95 <= {TARGET_P95_MS:.0f} ms)",
        ["loop", "torch threads", "samples/s", "ratio", "late p50 ms", "late p95 ms", "late max ms"],
        rows,
    )
    print(f"\nidle event loop (no training): p50 {idle_latency['p50_ms']:.1f} ms, p95 {idle_latency['p95_ms']:.1f} ms, "
          f"max {idle_latency['max_ms']:.1f} ms")  # fmt: skip
    print("plot redraws per second while training: "
          + ", ".join(f"{k}: {v['plot_redraws_per_s']:.1f}" for k, v in summary.items()))  # fmt: skip
    print("UI thread's CPU time while training (share of one core, probe included): "
          + ", ".join(f"{k}: {v['ui_thread_cpu_share']:.1%}" for k, v in summary.items()))  # fmt: skip
    print(f"load average (1 min) before / after: {load_before[0]:.2f} / {load_after[0]:.2f} on {os.cpu_count()} CPUs")
    common.write_json("gui_training", {
        "images": n, "batch_size": 128, "model": "LSTM-128", "augmentation": False, "grad_clip": 0,
        "rounds": args.rounds, "targets": {"ratio": TARGET_RATIO, "p95_ms": TARGET_P95_MS},
        "bare_loop_samples_per_s": bare, "bare_runs": bare_runs,
        "gui": summary, "idle_event_loop_lateness_ms": idle_latency,
        "load_average_before_after": [load_before[0], load_after[0]],
    })  # fmt: skip


if __name__ == "__main__":
    main()
