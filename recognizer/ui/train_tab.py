"""The "Train" tab: train a new model on MNIST, watch it learn, and use it at once.

Left: the settings (from quick_config, remembered with QSettings), Start / Pause / Stop with a
progress bar (epoch, batch, images/s, time left), and the result of the last run (test accuracy,
Use this model, Save model as…, where its best epoch was saved automatically). Right: live
pyqtgraph plots of the loss per batch (raw and smoothed), the learning rate, the loss and accuracy
per epoch (train and test), with the previous run as a faint dashed overlay, the last run's
confusion matrix, and an Export curves… button that writes every curve to one CSV.

Training runs on a TrainingWorker thread. The plots follow it on a 10 Hz timer that drains the
worker's queue: items are created once and only get setData, so a redraw costs the same whether
one batch or fifty arrived since the last.

Every message goes through show_message(kind, title, text), which never blocks (tests replace it);
every file dialog through ask_save_path(title, suggestion, filter).
"""

from __future__ import annotations

import csv
import math
import re
import threading
import time
from collections import deque
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGraphicsItem,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..data import MNIST
from ..hidden_sizes import format_hidden_sizes, parse_hidden_sizes
from ..modelfile import LoadedModel, make_metadata, save_model
from ..paths import user_data_dir
from ..train import SCHEDULES, BatchProgress, EpochResult, TrainConfig, quick_config
from . import theme
from .data_dialog import MnistRequest, app_settings, ensure_mnist
from .training_worker import RunOutcome, TrainingWorker, default_torch_threads, training_dict
from .widgets import muted_label

REFRESH_MS = 100  # plots and progress follow the worker 10 times a second: smooth enough for
# curves, and it leaves the UI thread ~5% of one core on a 2-core machine (bench_gui_training.py)
RATE_WINDOW_S = 3.0  # the images/s shown is measured over this many seconds
SMOOTHING = 0.9  # exponential moving average of the batch loss (about 10 batches), debiased
MODEL_FILTER = "Recognizer models (*.safetensors);;All files (*)"
CSV_FILTER = "CSV table (*.csv);;All files (*)"
MAX_SUBSET = 60_000
SETTINGS_PREFIX = "train/"
JOIN_SECONDS = 60.0  # shutdown() waits this long for the run to wind down (a test pass included)

# Colours: train blue, test amber (as elsewhere in the app), the learning rate violet.
TRAIN_COLOUR = theme.SELECTION
TEST_COLOUR = theme.ACCENT
LR_COLOUR = "#a78bfa"
RAW_ALPHA, PREVIOUS_ALPHA = 80, 70

TIPS = {
    "hidden_sizes": "Hidden units of each LSTM layer, bottom first: \"128\" is one layer of 128,\n"
    "\"32, 64\" two layers. More units learn more but train slower.",
    "epochs": "Passes over the training images. Three reach about 98.6% on the full set.",
    "batch_size": "Images per gradient step. Larger batches run faster per image but take\n"
    "fewer steps per epoch.",
    "learning_rate": "Peak step size of the AdamW optimizer, e.g. 0.003 or 3e-3. Too high and the\n"
    "loss jumps or becomes NaN; too low and learning crawls.",
    "schedule": "How the learning rate changes over the run. cosine: a linear warm-up, then a\n"
    "smooth decay to zero at the end. constant: the same rate throughout.",
    "warmup_steps": "Batches over which the cosine schedule ramps the rate up from zero.",
    "weight_decay": "AdamW's weight decay (0 switches it off): pulls weights towards zero.",
    "grad_clip": "Largest gradient norm per step; larger gradients are scaled down.\n"
    "0 switches clipping off.",
    "augment": "Shift, rotate and scale each training image a little, differently every\n"
    "epoch, so that the network also reads digits drawn off-centre or slanted.",
    "train_subset": "Train on the first N of the 60,000 training images only, for a quick run.\n"
    "The test accuracy is always measured on all 10,000 test images.",
    "seed": "Random seed for the initial weights, the shuffling and the augmentation:\n"
    "the same settings and seed give the same model.",
    "device": "Where to train. The GPU appears only when PyTorch can use one here.",
}


# --- settings ---------------------------------------------------------------------------------
def parse_hidden_field(text: str) -> tuple[int, ...]:
    try:
        return parse_hidden_sizes(text)
    except ValueError as e:
        raise ValueError(f"Hidden sizes: {e}") from None


def parse_float(text: str, label: str, *, positive: bool = False) -> float:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"{label}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"{label}: must be {'greater than zero' if positive else 'zero or more'}")
    return value


_preload_thread: threading.Thread | None = None


def preload_training_modules() -> threading.Thread:
    """Import, on a background thread, what the first training run would otherwise import on
    its worker: building an optimizer pulls in torch._dynamo (some 800 modules, ~1 s). Done then,
    its imports and the garbage collections they set off stall the UI (~100-170 ms at a time);
    done while the window sits idle, nobody notices. Once per process."""
    global _preload_thread
    if _preload_thread is None:
        def work():
            try:
                import torch._dynamo  # noqa: F401
            except Exception:  # only a head start: the run imports it anyway, and reports failures
                pass

        _preload_thread = threading.Thread(target=work, name="recognizer-preload", daemon=True)
        _preload_thread.start()
    return _preload_thread


def available_devices() -> list[tuple[str, str]]:
    """(config value, label) of each device to offer: the CPU, and CUDA only when it works."""
    devices = [("cpu", "CPU")]
    if torch.cuda.is_available():
        devices.insert(0, ("cuda", f"GPU ({torch.cuda.get_device_name(0)})"))
    return devices


def _int_setting(raw, default: int, lo: int, hi: int) -> int:
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        return default
    if not math.isfinite(value) or value != int(value) or not lo <= value <= hi:
        return default
    return int(value)


def _float_setting(raw, default: float, positive: bool) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        return default
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        return default
    return value


def _bool_setting(raw, default: bool) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    return True if text in ("true", "1") else False if text in ("false", "0") else default


def read_train_settings(store: QSettings) -> TrainConfig:
    """The settings stored by the tab; each missing, corrupt or out-of-range value is the
    default's (quick_config), and an unusable device falls back to the best one present."""
    d = quick_config()
    best_device = available_devices()[0][0]
    get = lambda key: store.value(SETTINGS_PREFIX + key)  # noqa: E731
    try:
        hidden = parse_hidden_sizes(str(get("hidden_sizes"))) if get("hidden_sizes") is not None else d.hidden_sizes
    except ValueError:
        hidden = d.hidden_sizes
    schedule = get("schedule")
    device = get("device")
    values = dict(
        hidden_sizes=hidden,
        epochs=_int_setting(get("epochs"), d.epochs, 1, 1000),
        batch_size=_int_setting(get("batch_size"), d.batch_size, 1, 8192),
        learning_rate=_float_setting(get("learning_rate"), d.learning_rate, positive=True),
        schedule=schedule if schedule in SCHEDULES else d.schedule,
        warmup_steps=_int_setting(get("warmup_steps"), d.warmup_steps, 0, 1_000_000),
        weight_decay=_float_setting(get("weight_decay"), d.weight_decay, positive=False),
        grad_clip=_float_setting(get("grad_clip"), d.grad_clip, positive=False),
        augment=_bool_setting(get("augment"), d.augment) if get("augment") is not None else d.augment,
        train_subset=_int_setting(get("train_subset"), d.train_subset, 0, MAX_SUBSET),
        seed=_int_setting(get("seed"), d.seed, 0, 2**31 - 1),
        device=device if device in {v for v, _ in available_devices()} else best_device,
    )
    try:
        return TrainConfig(**values)
    except ValueError:
        return quick_config(device=best_device)


def write_train_settings(store: QSettings, config: TrainConfig) -> None:
    for key, value in config.to_dict().items():
        if key == "hidden_sizes":
            value = format_hidden_sizes(value)
        store.setValue(SETTINGS_PREFIX + key, value)
    store.sync()


# --- curves -----------------------------------------------------------------------------------
class Series:
    """Growable columns of floats (amortised appends; views for setData without copies)."""

    def __init__(self, columns: int):
        self._data = np.empty((256, columns))
        self.n = 0

    def extend(self, rows) -> None:
        rows = np.asarray(rows, dtype=float).reshape(-1, self._data.shape[1])
        need = self.n + len(rows)
        if need > len(self._data):
            grown = np.empty((max(need, 2 * len(self._data)), self._data.shape[1]))
            grown[: self.n] = self._data[: self.n]
            self._data = grown
        self._data[self.n : need] = rows
        self.n = need

    def column(self, i: int) -> np.ndarray:
        return self._data[: self.n, i]

    def copy(self) -> Series:
        other = Series(self._data.shape[1])
        other.extend(self._data[: self.n])
        return other


class RunCurves:
    """Everything one run plotted: per batch (x in epochs, step, epoch, batch, loss, smoothed loss,
    learning rate) and per epoch (epoch, train loss, test loss, train and test accuracy in %)."""

    BATCH = ("x", "step", "epoch", "batch", "loss", "smoothed", "lr")
    EPOCH = ("epoch", "train_loss", "test_loss", "train_acc", "test_acc")

    def __init__(self):
        self.batches = Series(len(self.BATCH))
        self.epochs = Series(len(self.EPOCH))
        self._ema = 0.0
        self._ema_weight = 0.0

    def add(self, events) -> None:
        batch_rows, epoch_rows = [], []
        for e in events:
            if isinstance(e, BatchProgress):
                self._ema = SMOOTHING * self._ema + (1 - SMOOTHING) * e.loss
                self._ema_weight = SMOOTHING * self._ema_weight + (1 - SMOOTHING)
                step = self.batches.n + len(batch_rows) + 1
                x = (e.epoch - 1) + e.batch / e.batches_per_epoch
                batch_rows.append((x, step, e.epoch, e.batch, e.loss, self._ema / self._ema_weight, e.learning_rate))
            elif isinstance(e, EpochResult):
                epoch_rows.append((e.epoch, e.train_loss, e.test_loss, 100 * e.train_accuracy, 100 * e.test_accuracy))
        if batch_rows:
            self.batches.extend(batch_rows)
        if epoch_rows:
            self.epochs.extend(epoch_rows)

    def b(self, name: str) -> np.ndarray:
        return self.batches.column(self.BATCH.index(name))

    def e(self, name: str) -> np.ndarray:
        return self.epochs.column(self.EPOCH.index(name))

    @property
    def empty(self) -> bool:
        return self.batches.n == 0 and self.epochs.n == 0

    def copy(self) -> RunCurves:
        other = RunCurves()
        other.batches, other.epochs = self.batches.copy(), self.epochs.copy()
        return other

    def rows(self, run: str):
        """CSV rows: one per batch, then one per epoch; blanks where a column does not apply."""
        for i in range(self.batches.n):
            yield [run, "batch", int(self.b("step")[i]), int(self.b("epoch")[i]), int(self.b("batch")[i]),
                   f"{self.b('x')[i]:.6g}", f"{self.b('loss')[i]:.6g}", f"{self.b('smoothed')[i]:.6g}",
                   f"{self.b('lr')[i]:.6g}", "", "", "", ""]  # fmt: skip
        for i in range(self.epochs.n):
            yield [run, "epoch", "", int(self.e("epoch")[i]), "", f"{self.e('epoch')[i]:.6g}", "", "", "",
                   f"{self.e('train_loss')[i]:.6g}", f"{self.e('test_loss')[i]:.6g}",
                   f"{self.e('train_acc')[i] / 100:.6g}", f"{self.e('test_acc')[i] / 100:.6g}"]  # fmt: skip


CSV_HEADER = ["run", "kind", "step", "epoch", "batch", "x_epochs", "batch_loss", "smoothed_loss", "learning_rate",
              "train_loss", "test_loss", "train_accuracy", "test_accuracy"]  # fmt: skip


def write_curves_csv(path: str | Path, current: RunCurves, previous: RunCurves | None) -> Path:
    """All curves in one CSV: run is "current" or "previous", kind "batch" or "epoch"; losses are
    cross-entropy in nats, accuracies fractions, x_epochs the position on the plots' x axis."""
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADER)
        writer.writerows(current.rows("current"))
        if previous is not None:
            writer.writerows(previous.rows("previous"))
    return path


# --- widgets ----------------------------------------------------------------------------------
def _pen(colour: str, width: float = 1.5, alpha: int = 255, dashed: bool = False):
    c = QColor(colour)
    c.setAlpha(alpha)
    pen = pg.mkPen(c, width=width)
    if dashed:
        pen.setStyle(Qt.DashLine)
    pen.setCosmetic(True)
    return pen


def _muted(text: str = "") -> QLabel:
    return muted_label(text, wrap=True)


def _plot(title: str, left: str, tip: str) -> pg.PlotWidget:
    widget = pg.PlotWidget()
    item = widget.getPlotItem()
    item.setTitle(title, size="10pt")
    item.setLabel("bottom", "epoch")
    item.setLabel("left", left)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setMenuEnabled(True)
    widget.setToolTip(tip + "\nDrag to pan, wheel to zoom, right-click › Export… for CSV or images.")
    widget.setMinimumSize(260, 170)
    for name in ("left", "bottom"):
        # An axis draws its grid lines across the whole plot, so every curve update repaints it:
        # from a cached pixmap, it is a copy instead of redrawing every line and label (~4 ms).
        item.getAxis(name).setCacheMode(QGraphicsItem.DeviceCoordinateCache)
    return widget


def nice_ceiling(value: float) -> float:
    """The next round number at or above value (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k)."""
    if not (value > 0 and math.isfinite(value)):
        return 1.0
    exponent = math.floor(math.log10(value))
    mantissa = value / 10**exponent
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if mantissa <= step * (1 + 1e-9):
            return step * 10**exponent
    return 10 ** (exponent + 1)


class ConfusionTable(QTableWidget):
    """10×10 counts: rows the true digit, columns the prediction; the diagonal (right answers)
    shaded by recall, the mistakes in red by how common they are."""

    def __init__(self, parent=None):
        super().__init__(10, 10, parent)
        labels = [str(i) for i in range(10)]
        self.setHorizontalHeaderLabels(labels)
        self.setVerticalHeaderLabels(labels)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.NoSelection)
        self.setFocusPolicy(Qt.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        font = QFont()
        font.setPointSize(8)
        self.setFont(font)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.Stretch)
            header.setMinimumSectionSize(16)
            header.setDefaultAlignment(Qt.AlignCenter)
            header.setFont(font)
        self.horizontalHeader().setToolTip("The digit the network answered.")
        self.verticalHeader().setToolTip("The true digit.")
        self.setTextElideMode(Qt.ElideNone)  # a clipped count beats "1…"
        self.setStyleSheet("QTableWidget::item { padding: 0px; }")
        self.setMinimumHeight(200)
        self.matrix: np.ndarray | None = None
        for r in range(10):
            for c in range(10):
                item = QTableWidgetItem("")
                item.setTextAlignment(Qt.AlignCenter)
                self.setItem(r, c, item)

    def set_matrix(self, m: np.ndarray | None) -> None:
        self.matrix = None if m is None else np.asarray(m)
        worst = 1
        if m is not None:
            off = m.copy()
            np.fill_diagonal(off, 0)
            worst = max(1, int(off.max()))
        for r in range(10):
            row_total = int(m[r].sum()) if m is not None else 0
            for c in range(10):
                item = self.item(r, c)
                if m is None:
                    item.setText("")
                    item.setBackground(QBrush())
                    item.setToolTip("")
                    continue
                n = int(m[r, c])
                item.setText(str(n) if n else "·")
                share = n / row_total if row_total else 0.0
                if r == c:
                    colour = QColor(theme.ACCENT)
                    colour.setAlpha(int(40 + 150 * share))
                    item.setForeground(QBrush(QColor(theme.BACKGROUND if share > 0.5 else theme.TEXT)))
                else:
                    colour = QColor("#ef4444")
                    colour.setAlpha(int(200 * (n / worst) ** 0.7) if n else 0)
                    item.setForeground(QBrush(QColor(theme.TEXT if n else theme.MUTED_TEXT)))
                item.setBackground(QBrush(colour))
                item.setToolTip(f"true {r}, read as {c}: {n} image{'s' if n != 1 else ''} ({share:.1%} of the {r}s)")


class TrainTab(QWidget):
    """Signals: model_ready(LoadedModel) when the user picks "Use this model"; run_finished(object)
    (a RunOutcome) when a run ends, completed or stopped; run_failed(str) with the message shown."""

    model_ready = Signal(object)
    run_finished = Signal(object)
    run_failed = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        data: MNIST | None = None,
        data_dir: str | Path | None = None,
        mirrors=None,
        models_dir: str | Path | None = None,
        torch_threads: int | None = None,
        refresh_ms: int = REFRESH_MS,
    ):
        """data: use these arrays instead of asking for MNIST (tests, benchmarks); data_dir and
        mirrors go to ensure_mnist; models_dir: where the best epoch is saved (default
        user_data_dir()/models, looked up at each run); torch_threads: intra-op threads for
        training (default: default_torch_threads)."""
        super().__init__(parent)
        self.data = data
        self.data_dir = data_dir
        self.mirrors = mirrors
        self.models_dir = Path(models_dir) if models_dir is not None else None
        self.torch_threads = torch_threads
        self.worker: TrainingWorker | None = None
        self.data_request: MnistRequest | None = None
        self.outcome: RunOutcome | None = None  # of the last run that ended
        self.saved_path: Path | None = None  # where "Save model as…" last wrote that run's model
        self.curves = RunCurves()
        self._drawn = (-1, -1)  # batches and epochs of self.curves on the plots
        self._y_tops: dict[int, float] = {}  # the y range's top of the per-batch plots
        self.previous: RunCurves | None = None
        self._previous_in_legend = False
        self.last_message: tuple[str, str, str] | None = None
        self.plot_updates = 0  # how many times the plots were redrawn (tests, benchmark)
        self._state = "idle"  # idle, loading, running, paused, stopping
        self._shut_down = False
        self._config: TrainConfig | None = None
        self._run_started = 0.0
        self._paused_since: float | None = None
        self._paused_total = 0.0
        self._latest: BatchProgress | None = None
        self._latest_at = 0.0
        self._images_seen = 0  # of the whole run, epochs before this one included
        self._rate_points: deque[tuple[float, int]] = deque()  # (time, images seen) per tick
        self._last_rate: float | None = None
        self._epochs_done = 0
        self._images = self._test_images = 0
        self._eval_seconds: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self._refresh)

        self._build()
        self.set_config(read_train_settings(app_settings()))
        self._sync_controls()
        QTimer.singleShot(0, self, preload_training_modules)  # once the window is up

    # --- building -----------------------------------------------------------------------------
    def _build(self) -> None:
        d = quick_config()
        self.hidden_edit = QLineEdit()
        self.hidden_edit.setPlaceholderText("e.g. 128 or 32, 64")
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 1000)
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 8192)
        self.lr_edit = QLineEdit()
        self.lr_edit.setPlaceholderText("e.g. 0.003")
        self.schedule_combo = QComboBox()
        for name in SCHEDULES:
            self.schedule_combo.addItem(name, name)
        self.warmup_spin = QSpinBox()
        self.warmup_spin.setRange(0, 1_000_000)
        self.warmup_spin.setSuffix(" batches")
        self.decay_edit = QLineEdit()
        self.clip_edit = QLineEdit()
        self.augment_check = QCheckBox("shift, rotate, scale")
        self.subset_spin = QSpinBox()
        self.subset_spin.setRange(0, MAX_SUBSET)
        self.subset_spin.setSingleStep(1000)
        self.subset_spin.setSpecialValueText("all 60,000")
        self.subset_spin.setSuffix(" images")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.device_combo = QComboBox()
        for value, label in available_devices():
            self.device_combo.addItem(label, value)

        self.defaults_button = QPushButton("Defaults")
        self.defaults_button.setToolTip(
            f"Back to the quick recipe: LSTM {format_hidden_sizes(d.hidden_sizes)}, {d.epochs} epochs, "
            f"learning rate {d.learning_rate:g} ({d.schedule}), augmentation on, all images."
        )
        self.defaults_button.clicked.connect(lambda: self.set_config(quick_config(device=available_devices()[0][0])))
        self.augment_check.setText("shift, rotate, scale")

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(5)
        self._form_widgets: dict[str, list[QWidget]] = {}

        def tip(widget: QWidget, key: str) -> QWidget:
            widget.setToolTip(TIPS[key])
            self._form_widgets.setdefault(key, []).append(widget)
            return widget

        def row(label: str, key: str, *rest) -> None:
            """One form row: label and field for key, then optional (label, field, key) pairs or
            plain widgets beside it, so that small settings share a line."""
            line = QHBoxLayout()
            line.setSpacing(6)
            for part in rest:
                if isinstance(part, tuple):
                    text, widget, other = part
                    if text:
                        line.addWidget(tip(QLabel(text), other))
                    line.addWidget(tip(widget, other), 1)
                elif part is None:
                    line.addStretch(1)
                else:
                    line.addWidget(part)
            form.addRow(tip(QLabel(label), key), line)

        row("Hidden sizes", "hidden_sizes", ("", self.hidden_edit, "hidden_sizes"))
        row("Epochs", "epochs", ("", self.epochs_spin, "epochs"), ("Batch", self.batch_spin, "batch_size"))
        row("Learning rate", "learning_rate", ("", self.lr_edit, "learning_rate"), ("", self.schedule_combo, "schedule"))
        row("Warm-up", "warmup_steps", ("", self.warmup_spin, "warmup_steps"))
        row("Weight decay", "weight_decay", ("", self.decay_edit, "weight_decay"), ("Clip", self.clip_edit, "grad_clip"))
        row("Augmentation", "augment", ("", self.augment_check, "augment"), self.defaults_button)
        row("Training subset", "train_subset", ("", self.subset_spin, "train_subset"))
        row("Seed", "seed", ("", self.seed_spin, "seed"), ("Device", self.device_combo, "device"))
        self.schedule_combo.currentIndexChanged.connect(self._sync_controls)
        self.settings_error = QLabel("")
        self.settings_error.setWordWrap(True)
        self.settings_error.setStyleSheet("color: #f87171;")
        self.settings_error.hide()
        settings_box = QGroupBox("Settings")
        settings_box.setToolTip("How the next run trains. Hover over a setting for what it does.")
        settings_layout = QVBoxLayout(settings_box)
        settings_layout.setContentsMargins(8, 10, 8, 8)
        settings_layout.setSpacing(4)
        settings_layout.addLayout(form)
        settings_layout.addWidget(self.settings_error)
        self.settings_box = settings_box

        # Control
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Train a new model with these settings (MNIST is loaded, or offered for download, first).")
        self.start_button.clicked.connect(self.start)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Hold the run after the current batch; Resume goes on where it stopped.")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("End the run after the current batch. The result so far is measured and kept.")
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        for b in (self.start_button, self.pause_button, self.stop_button):
            b.setMinimumWidth(60)
            buttons.addWidget(b, 1)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat("%p%")
        self.progress_bar.setToolTip("Of the whole run: all epochs and their test passes.")
        self.progress_label = _muted("Press Start to train a model.")
        self.progress_label.setMinimumHeight(34)
        self.progress_label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        control_box = QGroupBox("Run")
        control_layout = QVBoxLayout(control_box)
        control_layout.setContentsMargins(8, 10, 8, 8)
        control_layout.setSpacing(6)
        control_layout.addLayout(buttons)
        control_layout.addWidget(self.progress_bar)
        control_layout.addWidget(self.progress_label)

        # Result
        self.accuracy_label = QLabel("—")
        self.accuracy_label.setFont(theme.big_font(20))
        self.accuracy_label.setToolTip("Accuracy on the 10,000 MNIST test images, which training never sees.")
        self.result_label = _muted("No run yet.")
        self.confusion = ConfusionTable()
        self.confusion.setToolTip("Rows: the true digit. Columns: what the network read. Off the diagonal: its mistakes.")
        self.use_button = QPushButton("Use this model")
        self.use_button.setToolTip("Use the weights of this run on Draw && Inspect and Evaluate right away.")
        self.use_button.clicked.connect(self.use_model)
        self.save_button = QPushButton("Save model as…")
        self.save_button.setToolTip("Write the weights of this run, with its settings and accuracy, to a .safetensors file.")
        self.save_button.clicked.connect(self.save_model_dialog)
        result_buttons = QHBoxLayout()
        result_buttons.addWidget(self.use_button, 1)
        result_buttons.addWidget(self.save_button, 1)
        self.autosave_label = _muted("")
        self.autosave_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        result_box = QGroupBox("Result of the last run")
        result_layout = QVBoxLayout(result_box)
        result_layout.setContentsMargins(8, 10, 8, 8)
        result_layout.setSpacing(4)
        result_layout.addWidget(self.accuracy_label)
        result_layout.addWidget(self.result_label)
        result_layout.addLayout(result_buttons)
        result_layout.addWidget(self.autosave_label)
        result_layout.addStretch(1)
        confusion_box = QGroupBox("Confusion matrix of the last run")
        confusion_box.setToolTip(self.confusion.toolTip())
        confusion_layout = QVBoxLayout(confusion_box)
        confusion_layout.setContentsMargins(6, 10, 6, 6)
        confusion_layout.setSpacing(4)
        confusion_layout.addWidget(_muted("Every test image, counted once. Rows: the true digit; columns: the answer."))
        confusion_layout.addWidget(self.confusion, 1)

        # Plots
        self.loss_plot = _plot("Training loss per batch", "loss (cross-entropy, nats)",
                               "The loss of every training batch (faint) and its moving average.")  # fmt: skip
        self.lr_plot = _plot("Learning rate", "learning rate",
                             "The learning rate the schedule gave each batch.")  # fmt: skip
        self.epoch_loss_plot = _plot("Loss per epoch", "loss (cross-entropy, nats)",
                                     "Mean training loss over each epoch, and the loss on the test images after it.")  # fmt: skip
        self.accuracy_plot = _plot("Accuracy per epoch", "accuracy (%)",
                                   "Share of training images read right during each epoch, and of test images after it.")  # fmt: skip
        self.lr_plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)  # 0.003, not 3 (x0.001)
        self._make_curves()

        self.export_button = QPushButton("Export curves…")
        self.export_button.setToolTip("Write every curve (this run and the previous one) to one CSV file.")
        self.export_button.clicked.connect(self.export_curves_dialog)
        plot_bar = QHBoxLayout()
        plot_bar.addWidget(_muted("Dashed, faint curves: the previous run, for comparison. Right-click a plot to export it."), 1)
        plot_bar.addWidget(self.export_button)
        plots = QGridLayout()
        plots.setSpacing(8)
        plots.addWidget(self.loss_plot, 0, 0, 1, 2)
        plots.addWidget(self.lr_plot, 0, 2)
        plots.addWidget(self.epoch_loss_plot, 1, 0)
        plots.addWidget(self.accuracy_plot, 1, 1)
        plots.addWidget(confusion_box, 1, 2)
        for column, stretch in enumerate((5, 5, 6)):
            plots.setColumnStretch(column, stretch)
        right = QVBoxLayout()
        right.setSpacing(6)
        right.addLayout(plot_bar)
        right.addLayout(plots, 1)

        left_widget = QWidget()
        left = QVBoxLayout(left_widget)
        left.setContentsMargins(0, 0, 4, 0)
        left.setSpacing(8)
        left.addWidget(settings_box)
        left.addWidget(control_box)
        left.addWidget(result_box, 1)
        scroll = QScrollArea()
        scroll.setWidget(left_widget)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setMinimumWidth(330)
        scroll.setMaximumWidth(370)
        scroll.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Expanding)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(10)
        layout.addWidget(scroll)
        layout.addLayout(right, 1)

    def _make_curves(self) -> None:
        """Every plot item, made once; updates only ever call setData on them."""
        lp, lr, el, ac = (p.getPlotItem() for p in (self.loss_plot, self.lr_plot, self.epoch_loss_plot, self.accuracy_plot))
        for item in (lp, lr, el, ac):
            item.addLegend(offset=(-6, 6), labelTextSize="8pt")
        # Faint previous-run curves first, so that the current ones draw on top.
        self.prev_loss = lp.plot(pen=_pen(TRAIN_COLOUR, 1.5, PREVIOUS_ALPHA, dashed=True))
        self.prev_lr = lr.plot(pen=_pen(LR_COLOUR, 1.5, PREVIOUS_ALPHA, dashed=True))
        self.prev_epoch_train = el.plot(pen=_pen(TRAIN_COLOUR, 1.5, PREVIOUS_ALPHA, dashed=True))
        self.prev_epoch_test = el.plot(pen=_pen(TEST_COLOUR, 1.5, PREVIOUS_ALPHA, dashed=True))
        self.prev_acc_train = ac.plot(pen=_pen(TRAIN_COLOUR, 1.5, PREVIOUS_ALPHA, dashed=True))
        self.prev_acc_test = ac.plot(pen=_pen(TEST_COLOUR, 1.5, PREVIOUS_ALPHA, dashed=True))
        # The densest curve, redrawn most often: no antialiasing (it is faint and thin anyway).
        self.raw_loss = lp.plot(pen=_pen(TRAIN_COLOUR, 1, RAW_ALPHA), name="each batch", antialias=False)
        self.raw_loss.setClipToView(True)
        self.raw_loss.setDownsampling(auto=True, method="peak")
        self.smooth_loss = lp.plot(pen=_pen(TRAIN_COLOUR, 2.2), name="smoothed")
        self.lr_curve = lr.plot(pen=_pen(LR_COLOUR, 2), name="this run")
        marker = dict(symbol="o", symbolSize=7)
        self.epoch_train = el.plot(pen=_pen(TRAIN_COLOUR, 2), symbolBrush=TRAIN_COLOUR, symbolPen=None, name="train", **marker)
        self.epoch_test = el.plot(pen=_pen(TEST_COLOUR, 2), symbolBrush=TEST_COLOUR, symbolPen=None, name="test", **marker)
        self.acc_train = ac.plot(pen=_pen(TRAIN_COLOUR, 2), symbolBrush=TRAIN_COLOUR, symbolPen=None, name="train", **marker)
        self.acc_test = ac.plot(pen=_pen(TEST_COLOUR, 2), symbolBrush=TEST_COLOUR, symbolPen=None, name="test", **marker)
        # Accuracy climbs towards the top right: its legend goes bottom right. The learning rate
        # rises and falls: bottom centre is free.
        ac.legend.anchor(itemPos=(1, 1), parentPos=(1, 1), offset=(-6, -6))
        lr.legend.anchor(itemPos=(0.5, 1), parentPos=(0.5, 1), offset=(0, -6))
        for item in (lp, lr, el, ac):
            item.setXRange(0, quick_config().epochs, padding=0.02)

    # --- settings -----------------------------------------------------------------------------
    def set_config(self, config: TrainConfig) -> None:
        """Show config in the form."""
        self.hidden_edit.setText(format_hidden_sizes(config.hidden_sizes))
        self.epochs_spin.setValue(config.epochs)
        self.batch_spin.setValue(config.batch_size)
        self.lr_edit.setText(f"{config.learning_rate:g}")
        self.schedule_combo.setCurrentIndex(max(0, self.schedule_combo.findData(config.schedule)))
        self.warmup_spin.setValue(config.warmup_steps)
        self.decay_edit.setText(f"{config.weight_decay:g}")
        self.clip_edit.setText(f"{config.grad_clip:g}")
        self.augment_check.setChecked(config.augment)
        self.subset_spin.setValue(min(config.train_subset, MAX_SUBSET))
        self.seed_spin.setValue(config.seed)
        index = self.device_combo.findData(config.device)
        self.device_combo.setCurrentIndex(index if index >= 0 else 0)
        self.settings_error.hide()

    def config(self) -> TrainConfig:
        """The form as a TrainConfig; ValueError names the field that is wrong."""
        return TrainConfig(
            hidden_sizes=parse_hidden_field(self.hidden_edit.text()),
            epochs=self.epochs_spin.value(),
            batch_size=self.batch_spin.value(),
            learning_rate=parse_float(self.lr_edit.text(), "Learning rate", positive=True),
            schedule=self.schedule_combo.currentData(),
            warmup_steps=self.warmup_spin.value(),
            weight_decay=parse_float(self.decay_edit.text(), "Weight decay"),
            grad_clip=parse_float(self.clip_edit.text(), "Gradient clip"),
            augment=self.augment_check.isChecked(),
            train_subset=self.subset_spin.value(),
            seed=self.seed_spin.value(),
            device=self.device_combo.currentData(),
        )

    def save_settings(self) -> None:
        try:
            config = self.config()
        except ValueError:
            return  # keep what was stored rather than a form the user is halfway through
        write_train_settings(app_settings(), config)

    # --- public API ---------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    def start(self) -> bool:
        """Start a run with the form's settings; False (with the reason shown) if it cannot."""
        if self._state != "idle" or self._shut_down:
            return False
        try:
            config = self.config()
        except ValueError as e:
            self.settings_error.setText(str(e))
            self.settings_error.show()
            return False
        self.settings_error.hide()
        write_train_settings(app_settings(), config)
        self._config = config
        if self.data is not None:
            self._begin(self.data)
            return True
        self._set_state("loading")
        self.progress_label.setText("Getting MNIST…")
        self.data_request = ensure_mnist(self, self._on_data_ready, on_give_up=self._on_data_gave_up,
                                         data_dir=self.data_dir, mirrors=self.mirrors)  # fmt: skip
        return True

    def toggle_pause(self) -> None:
        if self._state == "running":
            self.pause()
        elif self._state == "paused":
            self.resume()

    def pause(self) -> None:
        if self._state == "running" and self.worker is not None:
            self.worker.pause()
            self._rate_points.clear()
            self._paused_since = time.perf_counter()
            self._set_state("paused")
            self._update_progress()

    def resume(self) -> None:
        if self._state == "paused" and self.worker is not None:
            self._paused_total += time.perf_counter() - (self._paused_since or time.perf_counter())
            self._paused_since = None
            self._rate_points.clear()
            self.worker.resume()
            self._set_state("running")

    def stop(self) -> None:
        if self._state in ("running", "paused") and self.worker is not None:
            if self._paused_since is not None:
                self._paused_total += time.perf_counter() - self._paused_since
                self._paused_since = None
            self.worker.stop()
            self._set_state("stopping")
            self.progress_label.setText("Stopping after this batch, then measuring the model on the test images…")
        elif self._state == "loading" and self.data_request is not None:
            self.data_request.cancel()

    def shutdown(self, timeout: float = JOIN_SECONDS) -> bool:
        """Stop any run and wait for its thread (the window is closing). True if it has ended."""
        self._shut_down = True
        self._timer.stop()
        self.save_settings()
        ended = True
        if _preload_thread is not None:
            _preload_thread.join(10.0)  # not left importing while the interpreter shuts down
        if self.data_request is not None:
            ended = self.data_request.wait(5.0) and ended
        if self.worker is not None:
            self.worker.stop()
            ended = self.worker.join(timeout) and ended
        return ended

    def use_model(self) -> LoadedModel | None:
        """Emit model_ready with the last run's model (the weights after its last batch)."""
        loaded = self.result_model()
        if loaded is not None:
            self.model_ready.emit(loaded)
            self.result_label.setText(self._result_text() + "\nIn use on Draw & Inspect.")
        return loaded

    def result_model(self) -> LoadedModel | None:
        if self.outcome is None:
            return None
        result = self.outcome.result
        metadata = make_metadata(result.model, training_dict(result.config, result, "last"), result.test_accuracy)
        return LoadedModel(model=result.model, metadata=metadata, path=self.saved_path)

    def save_model_to(self, path: str | Path) -> Path | None:
        loaded = self.result_model()
        if loaded is None:
            return None
        try:
            written = save_model(path, loaded.model, loaded.metadata)
        except OSError as e:
            self.show_message("critical", "Cannot save the model", f"Cannot write {path}: {e.strerror or e}")
            return None
        self.saved_path = written
        self.autosave_label.setText(self._autosave_text() + f"\nSaved as {written}.")
        return written

    def save_model_dialog(self) -> None:
        if self.outcome is None:
            return
        result = self.outcome.result
        sizes = "x".join(str(h) for h in result.config.hidden_sizes)
        acc = result.test_accuracy or 0.0
        suggestion = str(Path.home() / f"lstm{sizes}-{100 * acc:.1f}.safetensors")
        path = self.ask_save_path("Save the model", suggestion, MODEL_FILTER)
        if path:
            if not Path(path).suffix:
                path += ".safetensors"
            self.save_model_to(path)

    def export_curves(self, path: str | Path) -> Path | None:
        try:
            return write_curves_csv(path, self.curves, self.previous)
        except OSError as e:
            self.show_message("critical", "Cannot export the curves", f"Cannot write {path}: {e.strerror or e}")
            return None

    def export_curves_dialog(self) -> None:
        path = self.ask_save_path("Export the curves", str(Path.home() / "training-curves.csv"), CSV_FILTER)
        if path:
            if not Path(path).suffix:
                path += ".csv"
            self.export_curves(path)

    # --- dialogs (tests replace these) --------------------------------------------------------
    def show_message(self, kind: str, title: str, text: str, details: str = "") -> None:
        """kind: 'information', 'warning' or 'critical'. Never blocks: inside a window that has its
        own show_message (MainWindow) the message goes there, else a non-modal box opens."""
        self.last_message = (kind, title, text)
        host = self.window()
        if host is not self and callable(getattr(host, "show_message", None)):
            host.show_message(kind, title, text)
            return
        icon = {"information": QMessageBox.Information, "warning": QMessageBox.Warning}.get(kind, QMessageBox.Critical)
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        if details:
            box.setDetailedText(details)
        box.setWindowModality(Qt.NonModal)
        box.show()

    def ask_save_path(self, title: str, suggestion: str, file_filter: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, suggestion, file_filter)
        return path or None

    # --- the run ------------------------------------------------------------------------------
    def _on_data_ready(self, data: MNIST) -> None:
        self.data_request = None
        if self._shut_down or self._state != "loading":
            return
        self._begin(data)

    def _on_data_gave_up(self, reason: str) -> None:
        self.data_request = None
        if self._shut_down:
            return
        self._set_state("idle")
        self.progress_label.setText("No training data: " + reason if reason else "Cancelled: no MNIST, no training.")

    def _begin(self, data: MNIST) -> None:
        config = self._config
        if not self.curves.empty:
            self.previous = self.curves.copy()
        self.curves = RunCurves()
        self._drawn = (-1, -1)
        self._latest = None
        self._images_seen = 0
        self._rate_points.clear()
        self._last_rate = None
        self._epochs_done = 0
        self._paused_total = 0.0
        self._paused_since = None
        models_dir = self.models_dir if self.models_dir is not None else user_data_dir() / "models"
        threads = self.torch_threads if self.torch_threads is not None else default_torch_threads(config.device)
        self.worker = TrainingWorker(config, data, autosave_dir=models_dir, torch_threads=threads, parent=self)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        span = max(config.epochs, int(self.previous.e("epoch").max()) if self.previous and self.previous.epochs.n else 0)
        for widget in (self.loss_plot, self.lr_plot, self.epoch_loss_plot, self.accuracy_plot):
            # Epoch markers sit on whole epochs, the last one on the edge: give them room.
            pad = 0.02 if widget in (self.loss_plot, self.lr_plot) else 0.05
            widget.getPlotItem().setXRange(0, span, padding=pad)
        self._y_tops.clear()
        self._fit_y(self.loss_plot, 2.3)  # about ln 10, where an untrained network starts
        self._fit_y(self.lr_plot, config.learning_rate)
        self._draw_previous()
        self._draw_curves()
        self.progress_bar.setValue(0)
        n = config.train_subset or len(data.train_images)
        self._images = min(n, len(data.train_images))
        self._test_images = len(data.test_images)
        self._eval_seconds = None
        self.progress_label.setText(f"Starting: {self._images:,} training images, {config.epochs} epoch(s)…")
        self._run_started = time.perf_counter()
        self._set_state("running")
        self.worker.start()
        self._timer.start()

    def _refresh(self) -> None:
        """Timer tick: take what the worker reported since the last tick and draw it."""
        if self.worker is None:
            return
        events = self.worker.drain()
        if events:
            self._take(events)
            self._draw_curves()
            if self._state == "running" and not self._measuring():
                now = time.perf_counter()
                points = self._rate_points
                points.append((now, self._images_seen))
                while len(points) > 2 and now - points[0][0] > RATE_WINDOW_S:
                    points.popleft()
        self._update_progress()

    def _take(self, events) -> None:
        self.curves.add(events)
        for e in events:
            if isinstance(e, BatchProgress):
                self._latest = e
                self._latest_at = time.perf_counter()
                batch_size = self._config.batch_size if self._config else 1
                self._images_seen = (e.epoch - 1) * self._images + min(e.batch * batch_size, self._images)
            else:
                self._epochs_done = e.epoch
                self._rate_points.clear()  # the gap before the next batch holds a test pass
                b = self._latest
                if b is not None and b.samples_per_second > 0:
                    # The epoch's seconds are its batches plus the test pass after them.
                    self._eval_seconds = max(0.0, e.seconds - self._images / b.samples_per_second)

    def _draw_curves(self) -> None:
        """setData on the items whose data grew: the per-batch curves on every tick with news,
        the per-epoch ones only when an epoch ended (so their plots are not repainted for nothing)."""
        c = self.curves
        if c.batches.n != self._drawn[0]:
            x = c.b("x")
            self.raw_loss.setData(x, c.b("loss"))
            self.smooth_loss.setData(x, c.b("smoothed"))
            self.lr_curve.setData(x, c.b("lr"))
            if c.batches.n:
                self._fit_y(self.loss_plot, float(c.b("loss").max()))
                self._fit_y(self.lr_plot, float(c.b("lr").max()))
        if c.epochs.n != self._drawn[1]:
            ex = c.e("epoch")
            self.epoch_train.setData(ex, c.e("train_loss"))
            self.epoch_test.setData(ex, c.e("test_loss"))
            self.acc_train.setData(ex, c.e("train_acc"))
            self.acc_test.setData(ex, c.e("test_acc"))
        self._drawn = (c.batches.n, c.epochs.n)
        self.plot_updates += 1

    def _fit_y(self, widget: pg.PlotWidget, top: float) -> None:
        """The per-batch plots run from 0 to a round number above everything on them, which
        changes rarely: unlike auto-range, this does not re-layout the axis on every update."""
        if self.previous is not None and self.previous.batches.n:
            name = "smoothed" if widget is self.loss_plot else "lr"
            top = max(top, float(self.previous.b(name).max()))
        top = nice_ceiling(top * 1.05)  # a little headroom: a peak never sits on the frame
        if self._y_tops.get(id(widget)) != top:
            self._y_tops[id(widget)] = top
            widget.getPlotItem().setYRange(0, top, padding=0.02)

    def _draw_previous(self) -> None:
        p = self.previous or RunCurves()
        if not p.empty and not self._previous_in_legend:
            # Named only once there is one, so that a first run's legends hold only what is drawn.
            for item in (self.prev_loss, self.prev_lr, self.prev_epoch_train, self.prev_acc_train):
                item.getViewBox().parentItem().legend.addItem(item, "previous run")
            self._previous_in_legend = True
        x = p.b("x")
        self.prev_loss.setData(x, p.b("smoothed"))
        self.prev_lr.setData(x, p.b("lr"))
        ex = p.e("epoch")
        self.prev_epoch_train.setData(ex, p.e("train_loss"))
        self.prev_epoch_test.setData(ex, p.e("test_loss"))
        self.prev_acc_train.setData(ex, p.e("train_acc"))
        self.prev_acc_test.setData(ex, p.e("test_acc"))

    def _rate(self) -> float | None:
        """Training images per second over the last few seconds of training, pauses and test
        passes left out (the Trainer's own figure counts from the epoch's start, pauses included)."""
        points = self._rate_points
        if len(points) >= 2 and points[-1][0] - points[0][0] >= 0.5:
            (t0, n0), (t1, n1) = points[0], points[-1]
            if n1 > n0:
                self._last_rate = (n1 - n0) / (t1 - t0)
        if self._last_rate is None and self._latest is not None and self._latest.samples_per_second > 0:
            return self._latest.samples_per_second
        return self._last_rate

    def _seconds_left(self) -> float | None:
        """Images still to train at the current rate, plus the test passes still to come (timed
        after the first epoch; until then guessed as a forward pass at three times the speed)."""
        b, c, rate = self._latest, self._config, self._rate()
        if b is None or not rate:
            return None
        images_left = c.epochs * self._images - self._images_seen
        test_pass = self._eval_seconds if self._eval_seconds is not None else self._test_images / (3 * rate)
        left = images_left / rate + (c.epochs - self._epochs_done) * test_pass
        if self._measuring():
            left -= min(test_pass, time.perf_counter() - self._latest_at)
        return max(0.0, left)

    def _measuring(self) -> bool:
        b = self._latest
        return b is not None and b.batch == b.batches_per_epoch and self._epochs_done < b.epoch

    def _update_progress(self) -> None:
        if self._state not in ("running", "paused") or self._config is None:
            return
        b, epochs = self._latest, self._config.epochs
        if b is None:
            return
        active = time.perf_counter() - self._run_started - self._paused_total
        left = self._seconds_left()
        if left is not None:
            percent = int(100 * active / max(active + left, 1e-9))
            if percent != self.progress_bar.value():  # setValue repaints at once (~3 ms): only on change
                self.progress_bar.setValue(percent)
        if self._state == "paused":
            self.progress_label.setText(f"Paused in epoch {b.epoch} of {epochs}, after batch {b.batch} of "
                                        f"{b.batches_per_epoch}. Resume to go on, Stop to end the run here.")  # fmt: skip
            return
        parts = [f"Epoch {b.epoch} of {epochs}", f"batch {b.batch} of {b.batches_per_epoch}",
                 f"{self._rate() or b.samples_per_second:,.0f} images/s"]  # fmt: skip
        if self._measuring():
            parts[1] = f"testing on {self._test_images:,} images"
        if left is not None and active > 1.0:
            parts.append(f"about {_duration(left)} left")
        self.progress_label.setText(" · ".join(parts))

    def _on_finished(self, outcome: RunOutcome) -> None:
        if self._shut_down:
            return
        self._end_run()
        self.outcome = outcome
        self.saved_path = None
        result = outcome.result
        self.progress_bar.setValue(100 if not result.stopped else self.progress_bar.value())
        self.progress_label.setText(
            f"{'Stopped' if result.stopped else 'Finished'} after {_duration(outcome.seconds)}."
        )
        self.accuracy_label.setText(f"{result.test_accuracy:.2%}" if result.test_accuracy is not None else "—")
        self.result_label.setText(self._result_text())
        self.confusion.set_matrix(result.evaluation.confusion if result.evaluation is not None else None)
        self.autosave_label.setText(self._autosave_text())
        if outcome.autosave_error:
            self.show_message("warning", "Best epoch not saved", f"Could not save the best epoch: {outcome.autosave_error}")
        self._sync_controls()
        self.run_finished.emit(outcome)

    def _on_failed(self, kind: str, message: str, details: str) -> None:
        if self._shut_down:
            return
        self._end_run()
        self.progress_label.setText("The run failed: " + message)
        if kind == "training":
            self.show_message("warning", "Training stopped", f"Training stopped: {message}.")
        elif kind == "error":
            self.show_message("critical", "Cannot train", message)
        else:
            self.show_message("critical", "Training crashed",
                              f"Training stopped on an unexpected error: {message}\n\nThe window keeps working; "
                              "the details below help a bug report.", details)  # fmt: skip
        self.run_failed.emit(message)

    def _end_run(self) -> None:
        self._timer.stop()
        if self.worker is not None:
            self._take(self.worker.drain())
            self.worker.join(5.0)  # it has emitted its last signal: only the return is left
            self.worker.deleteLater()
            self.worker = None
        self._draw_curves()
        self._set_state("idle")

    def _result_text(self) -> str:
        if self.outcome is None:
            return "No run yet."
        r = self.outcome.result
        c = r.config
        images = f"{c.train_subset:,}" if c.train_subset else "60,000"
        done = len(r.history)
        when = (f"stopped during epoch {done + 1} of {c.epochs}" if r.stopped else f"after {c.epochs} epoch(s)")
        return (f"on the {self._test_images:,} test images, {when}.\nLSTM {format_hidden_sizes(c.hidden_sizes)}, "
                f"{images} training images, learning rate {c.learning_rate:g} ({c.schedule}).")  # fmt: skip

    def _autosave_text(self) -> str:
        o = self.outcome
        self.autosave_label.setToolTip("")
        if o is None:
            return ""
        r = o.result
        if o.autosaved is not None:
            acc = r.history[r.best_epoch - 1].test_accuracy
            self.autosave_label.setToolTip(f"Saved as {o.autosaved}\n(File › Load model… reads it back.)")
            return f"Best epoch ({r.best_epoch}, {acc:.2%}) saved automatically in {_home(o.autosaved.parent)} as {o.autosaved.name}"
        if r.best_epoch is None:
            return "No epoch finished, so nothing was saved automatically."
        return "The best epoch was not saved."

    # --- state --------------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        self._state = state
        self._sync_controls()

    def _sync_controls(self) -> None:
        state = getattr(self, "_state", "idle")
        idle = state == "idle"
        for widgets in self._form_widgets.values():
            for w in widgets:
                w.setEnabled(idle)
        self.warmup_spin.setEnabled(idle and self.schedule_combo.currentData() == "cosine")
        self.defaults_button.setEnabled(idle)
        self.start_button.setEnabled(idle)
        self.pause_button.setEnabled(state in ("running", "paused"))
        self.pause_button.setText("Resume" if state == "paused" else "Pause")
        self.pause_button.setCheckable(False)
        self.stop_button.setEnabled(state in ("running", "paused", "loading"))
        has_result = self.outcome is not None if hasattr(self, "outcome") else False
        self.use_button.setEnabled(idle and has_result)
        self.save_button.setEnabled(idle and has_result)


def _home(path: Path) -> str:
    """path with the home folder written ~, as people read it."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    hours, m = divmod(minutes, 60)
    return f"{hours} h {m:02d} min"
