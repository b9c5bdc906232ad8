"""What the Train tab's "Inside the training" page shows (Qt-free): one run's distributions and
gradient flow (recognizer/training/insight.py's record), the block, kind and epoch chosen, and the arrays and
sentences each plot draws.
"""

from __future__ import annotations

import numpy as np

KINDS = {"weights": "Weights", "gradients": "Gradients"}
FLOW_KEYS = {"h": "‖∂loss/∂h‖", "c": "‖∂loss/∂c‖"}
EMPTY_TEXT = "No distributions yet: they appear after the first epoch of a run (and for recorded runs that kept them)."


def _edges(summary: dict) -> np.ndarray:
    return np.linspace(summary["lo"], summary["hi"], len(summary["hist"]) + 1)


def _density(summary: dict) -> np.ndarray:
    """Counts as a density (area 1), so that histograms of different ranges compare."""
    counts = np.asarray(summary["hist"], dtype=float)
    width = (summary["hi"] - summary["lo"]) / len(counts)
    return counts / max(counts.sum() * width, 1e-300)


class InsightState:
    def __init__(self):
        self.record: dict | None = None
        self.kind = "weights"
        self.block: str | None = None
        self.epoch: int | None = None  # None: the newest
        self.flow_key = "h"

    # --- choices ---------------------------------------------------------------------------
    def set_record(self, record: dict | None) -> None:
        """A run's record (or None); the block chosen stays when the new run has it."""
        self.record = record if record and record.get("blocks") else None
        blocks = self.blocks
        if self.block not in blocks:
            self.block = blocks[0] if blocks else None
        if self.epoch is not None and self.epoch not in self.epochs:
            self.epoch = None

    @property
    def empty(self) -> bool:
        return self.record is None

    @property
    def blocks(self) -> list[str]:
        return list(self.record["blocks"]) if self.record else []

    @property
    def epochs(self) -> list[int]:
        """The epochs the chosen kind has (the weights have 0, the start, the gradients not)."""
        return list(self.record[self.kind]["epochs"]) if self.record else []

    @property
    def shown_epoch(self) -> int | None:
        epochs = self.epochs
        return self.epoch if self.epoch in epochs else (epochs[-1] if epochs else None)

    def choose(self, *, kind: str | None = None, block: str | None = None, epoch: int | None = None,
               flow_key: str | None = None) -> None:  # fmt: skip
        if kind in KINDS:
            self.kind = kind
        if block in self.blocks:
            self.block = block
        if epoch is not None:
            self.epoch = epoch
        if flow_key in FLOW_KEYS:
            self.flow_key = flow_key

    # --- what the plots draw ---------------------------------------------------------------
    def bands(self) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, (epochs, quantiles)) of the chosen kind and block; empty arrays when none."""
        if self.record is None or self.block is None:
            return np.zeros(0), np.zeros((0, 9))
        series = self.record[self.kind]
        q = np.array([s["q"] for s in series["blocks"][self.block]], dtype=float).reshape(len(series["epochs"]), -1)
        return np.asarray(series["epochs"], dtype=float), q

    def histograms(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None:
        """((edges, density) of the chosen epoch, the same of the first one); None when none."""
        epoch, epochs = self.shown_epoch, self.epochs
        if epoch is None or self.block is None:
            return None
        summaries = self.record[self.kind]["blocks"][self.block]
        chosen, first = summaries[epochs.index(epoch)], summaries[0]
        return (_edges(chosen), _density(chosen)), (_edges(first), _density(first))

    def norms(self) -> tuple[np.ndarray, np.ndarray]:
        """The chosen block's gradient norm per batch, against the batch's step; x in epochs."""
        if self.record is None or self.block is None:
            return np.zeros(0), np.zeros(0)
        norms = self.record["grad_norms"]
        steps = np.asarray(norms["step"], dtype=float)
        batches = self._batches_per_epoch()
        return steps / batches if batches else steps, np.asarray(norms["blocks"][self.block], dtype=float)

    def _batches_per_epoch(self) -> int:
        gradients = self.record["gradients"]["epochs"]
        steps = self.record["grad_norms"]["step"]
        # The per-batch steps are spread evenly over the run, and its last one closes its last epoch.
        return round(steps[-1] / gradients[-1]) if gradients and steps else 0

    @property
    def layer(self) -> int:
        """0-based: the chosen block's layer; the readout's is the last."""
        if self.block and self.block.startswith("layer "):
            return int(self.block.split()[1]) - 1
        return max(0, self.layers - 1)

    @property
    def layers(self) -> int:
        flow = self.record["gradient_flow"]["h"] if self.record else []
        return len(flow[0]) if flow else 0

    def flow_map(self) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, (epochs, 28) log10 of the chosen norm for the chosen layer) for the heatmap."""
        if self.record is None or not self.layers:
            return np.zeros(0), np.zeros((0, 28))
        flow = self.record["gradient_flow"]
        values = np.array(flow[self._flow_key(flow)], dtype=float)[:, self.layer, :]
        return np.asarray(flow["epochs"], dtype=float), np.log10(np.maximum(values, 1e-12))

    def flow_line(self) -> np.ndarray:
        """The chosen norm after each row (28,), at the chosen epoch (the newest when the
        chosen epoch has none, as the gradient kind's epochs start at 1)."""
        epochs, _ = self.flow_map()
        if not len(epochs):
            return np.zeros(0)
        flow = self.record["gradient_flow"]
        epoch = self.shown_epoch
        index = flow["epochs"].index(epoch) if epoch in flow["epochs"] else len(flow["epochs"]) - 1
        return np.asarray(flow[self._flow_key(flow)][index][self.layer], dtype=float)

    def _flow_key(self, flow: dict) -> str:
        """The chosen norm, or h's where the run has no cell state (a GRU or a plain RNN)."""
        return self.flow_key if flow.get(self.flow_key) else "h"

    def caption(self) -> str:
        if self.record is None:
            return EMPTY_TEXT
        epoch = self.shown_epoch
        first = self.epochs[0] if self.epochs else None
        against = "the start" if first == 0 else f"epoch {first}"
        what = "its values" if self.kind == "weights" else "its gradient (last batch of the epoch, before clipping)"
        return (f"{self.block}: {what}, as quantile bands over the epochs (0/7/16/31/50/69/84/93/100 %), and the "
                f"histogram of epoch {epoch} against {against}. Gradient flow: how much the answer depends on "
                f"the memory after each row, on a fixed batch of training images.")  # fmt: skip
