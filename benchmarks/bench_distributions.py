"""What recording the distributions and gradient flow (recognizer/training/insight.py) costs training: the
same run with recording on and off, side by side, rounds interleaved (off, on, off, on, ...) so
that changes in the machine's load hit both alike.

    python benchmarks/bench_distributions.py [--subset N] [--rounds R] [--hidden 128]

A small warm-up run comes first, not counted (the first optimizer imports torch._dynamo). Each
run is one epoch of LSTM-128, batch 128, the Train tab's settings otherwise (augmentation on).
Throughput is training images per second over the epoch's training: every batch plus, with
recording on, the end-of-epoch snapshots and gradient flow; the test pass after the epoch is the
same in both and left out (it is timed and subtracted). Also printed: the batch loop alone (the
Trainer's own images/s at the epoch's last batch, before the end-of-epoch work).
Target: overhead <= 5%.

Then the parts, timed apart in one loop of --steps batches (less at the mercy of the machine's
load, which slows both alike): a training step, Recorder.after_backward beside it, the last
batch's gradient summaries and end_epoch; and what they add to a 469-batch epoch.
"""

from __future__ import annotations

import argparse
import statistics
import time

import common  # noqa: F401  (puts the checkout on sys.path)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import recognizer.training.trainer as train_module  # noqa: E402
from recognizer.datasets.mnist import load_mnist  # noqa: E402
from recognizer.network.model import ModelConfig, RowRNN  # noqa: E402
from recognizer.training.insight import Recorder  # noqa: E402
from recognizer.training.trainer import TrainConfig, Trainer  # noqa: E402

TARGET_PERCENT = 5.0


class TimedEvaluate:
    """recognizer.training.trainer's evaluate, timed, so that the test pass can be left out of both sides."""

    def __init__(self, evaluate):
        self.evaluate, self.seconds = evaluate, 0.0

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.evaluate(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def one_run(data, config, record: bool) -> dict:
    timed = TimedEvaluate(train_module.evaluate)
    train_module.evaluate = timed
    last_batch, epochs = [], []
    try:
        Trainer(config, data, on_batch=lambda p: last_batch.append(p.samples_per_second), on_epoch=epochs.append,
                record_distributions=record).run()  # fmt: skip
    finally:
        train_module.evaluate = timed.evaluate
    images = min(config.train_subset or len(data.train_images), len(data.train_images))
    # The epoch's seconds include its one test pass; the run's last evaluation (none here, as it
    # was not stopped) and the trust fitting come after on_epoch and are not in them.
    training = epochs[0].seconds - timed.seconds
    return {"images_per_s": images / training, "batch_loop_images_per_s": last_batch[-1], "epoch_s": training}


def parts(data, hidden: int, steps: int, batch: int = 128) -> dict:
    torch.manual_seed(0)
    model = RowRNN(ModelConfig((hidden,)))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    images = torch.as_tensor(data.train_images[: batch * steps])
    labels = torch.as_tensor(data.train_labels[: batch * steps], dtype=torch.long)
    recorder = Recorder(model, images, labels)
    step_s, record_s = [], []
    for b in range(steps):
        x, y = images[b * batch : (b + 1) * batch].float() / 255.0, labels[b * batch : (b + 1) * batch]
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        t1 = time.perf_counter()
        recorder.after_backward(last_in_epoch=b == steps - 1)
        t2 = time.perf_counter()
        optimizer.step()
        loss.item()
        step_s.append(t1 - t0 + time.perf_counter() - t2)
        record_s.append(t2 - t1)
    t0 = time.perf_counter()
    recorder.end_epoch(1)
    end_s = time.perf_counter() - t0
    step, record = statistics.median(step_s[2:]), statistics.median(record_s[2:-1])
    epoch_percent = 100 * (469 * record + record_s[-1] + end_s) / (469 * step)
    print(f"\nparts: training step {step * 1000:.1f} ms, after_backward {record * 1000:.3f} ms "
          f"({100 * record / step:.2f} % of a step), last batch's gradient summaries {record_s[-1] * 1000:.1f} ms, "
          f"end_epoch {end_s * 1000:.0f} ms: {epoch_percent:.2f} % of a 469-batch epoch")  # fmt: skip
    return {"step_ms": step * 1000, "after_backward_ms": record * 1000, "last_batch_summaries_ms": record_s[-1] * 1000,
            "end_epoch_ms": end_s * 1000, "epoch_overhead_percent": epoch_percent}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subset", type=int, default=0, help="training images per epoch (default: all 60,000)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20, help="batches of the parts' loop")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    data = load_mnist(args.data_dir)
    config = TrainConfig(epochs=1, train_subset=args.subset, hidden_sizes=(args.hidden,), device="cpu")
    one_run(data, TrainConfig(epochs=1, train_subset=2 * config.batch_size, device="cpu"), True)  # warm-up, not counted
    runs = {False: [], True: []}
    for r in range(args.rounds):
        for record in (False, True):
            runs[record].append(one_run(data, config, record))
            print(f"round {r + 1}, recording {'on' if record else 'off'}: {runs[record][-1]}", flush=True)
    median = {record: {key: statistics.median(run[key] for run in rs) for key in rs[0]} for record, rs in runs.items()}
    overhead = 100 * (median[False]["images_per_s"] / median[True]["images_per_s"] - 1)
    loop_overhead = 100 * (median[False]["batch_loop_images_per_s"] / median[True]["batch_loop_images_per_s"] - 1)
    common.print_table(
        f"Training throughput, LSTM-{args.hidden}, one epoch of {config.train_subset or len(data.train_images):,} "
        f"images, median of {args.rounds} interleaved rounds",
        ["recording", "images/s (epoch, test pass left out)", "images/s (batch loop)", "epoch s"],
        [[("on" if record else "off"), m["images_per_s"], m["batch_loop_images_per_s"], m["epoch_s"]]
         for record, m in median.items()],
    )  # fmt: skip
    verdict = "met" if overhead <= TARGET_PERCENT else "NOT met"
    print(f"\noverhead: {overhead:+.2f} % over the epoch, {loop_overhead:+.2f} % in the batch loop "
          f"(target <= {TARGET_PERCENT:g} %: {verdict})")  # fmt: skip
    breakdown = parts(data, args.hidden, args.steps)
    common.write_json("bench_distributions", {"parts": breakdown,
        "config": config.to_dict(), "rounds": {"off": runs[False], "on": runs[True]},
        "median": {"off": median[False], "on": median[True]}, "overhead_percent": overhead,
        "batch_loop_overhead_percent": loop_overhead, "target_percent": TARGET_PERCENT})  # fmt: skip


if __name__ == "__main__":
    main()
