"""Get MNIST for a tab without ever blocking the window: the one "get the data" flow.

    request = ensure_mnist(parent, on_ready=lambda mnist: ..., on_give_up=lambda why: ...)

on_ready(MNIST) is called on the UI thread once the four files are loaded and checked; at once,
before ensure_mnist returns, when this folder was loaded before (the arrays are cached per folder).
Otherwise the files are read in a background thread behind a non-modal progress dialog. When they
are missing, a question offers to Download them (into the default user-data folder only, with a
cancellable progress dialog counting bytes) or to Choose a folder that holds them; a chosen folder
is remembered (QSettings "data/mnist_dir") for next time. on_give_up(reason) is called when the
user cancels ("") or gives up after an error (its message). The reading and the download run as
a job on the window's one background-job mechanism (ui/jobs.py).

Where the data is looked for: the data_dir argument, else $MNIST_DIR, else the remembered folder,
else user_data_dir()/mnist (the only folder that is ever downloaded into).

The returned MnistRequest drives the same steps from code (download(), choose_folder(path),
cancel()), which is what the tests do; its prompt and progress attributes are the open dialogs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QPushButton, QWidget

from ..datasets.download import MIRRORS, DownloadCancelled, DownloadFailed, download_mnist
from ..datasets.mnist import MNIST, default_data_dir, load_mnist, missing_files, resolve_data_dir
from ..errors import DataError
from .dialogs import start_folder
from .jobs import JobFailure, JobRunner
from .settings import app_settings, read_text

SETTINGS_KEY = "data/mnist_dir"
PROGRESS_MS = 100  # how often the progress dialog catches up with the download

OFFLINE_TEXT = "Could not reach the internet."

_cache: dict[Path, MNIST] = {}
_given: Path | None = None  # the window's --data-dir: every tab's MNIST folder, never remembered


def use_folder(folder: str | Path | None) -> None:
    """The folder given on the window's command line (--data-dir), for every tab that needs MNIST."""
    global _given
    _given = Path(folder).expanduser() if folder else None


def remembered_folder() -> Path | None:
    value = read_text(app_settings(), SETTINGS_KEY)
    if value and Path(value).is_dir():
        return Path(value)
    return None


def data_folder(explicit: str | Path | None = None) -> tuple[Path, str]:
    """Where to look for MNIST, and why: the core's rule, with the window's --data-dir as the
    argument and the folder chosen last time."""
    return resolve_data_dir(explicit or _given, remembered_folder())


def _key(folder: Path) -> Path:
    try:
        return folder.resolve()
    except OSError:
        return folder.absolute()


def cached_mnist(data_dir: str | Path | None = None) -> MNIST | None:
    """The arrays loaded before from the folder ensure_mnist would use now, if any."""
    return _cache.get(_key(data_folder(data_dir)[0]))


def forget_cache() -> None:
    _cache.clear()


def ensure_mnist(
    parent: QWidget,
    on_ready: Callable[[MNIST], None],
    *,
    on_give_up: Callable[[str], None] | None = None,
    data_dir: str | Path | None = None,
    mirrors: Sequence[str] | None = None,
) -> MnistRequest | None:
    """Load MNIST for parent's tab, asking the user when it is missing; never blocks.

    Returns None when on_ready has already been called (cached), else the request under way.
    """
    cached = cached_mnist(data_dir)
    if cached is not None:
        on_ready(cached)
        return None
    request = MnistRequest(parent, data_dir=data_dir, mirrors=mirrors)
    request.ready.connect(on_ready)
    if on_give_up is not None:
        request.gave_up.connect(on_give_up)
    request.start()
    return request


def size_text(n: int) -> str:
    """Bytes as people read them: 4.5 kB, 9.9 MB."""
    if n < 1_000_000:
        return f"{n / 1e3:.1f} kB"
    return f"{n / 1e6:.1f} MB"


class MnistRequest(QObject):
    """One attempt to get MNIST; see the module's docstring. Lives as a child of its parent."""

    ready = Signal(object)  # MNIST
    gave_up = Signal(str)  # "" when cancelled, else the reason

    def __init__(self, parent: QWidget, *, data_dir=None, mirrors: Sequence[str] | None = None):
        super().__init__(parent)
        self.parent_widget = parent
        self.data_dir = data_dir or _given
        self.mirrors = tuple(MIRRORS if mirrors is None else mirrors)
        self.folder, self.source = data_folder(data_dir)
        self.prompt: QMessageBox | None = None
        self.buttons: dict[str, QPushButton] = {}  # the prompt's: "download", "choose", "cancel"
        self.progress: QProgressDialog | None = None
        self.downloading = False
        self.done = False
        self.last_error = ""  # the last failure shown in the prompt; given up with on cancel
        self._runner = JobRunner("mnist", self, interval_ms=PROGRESS_MS)
        self._job = None
        self._files_seen: list[str] = []
        self._files_total = 0
        self._bytes_before = 0  # of the files downloaded before the current one
        self._last_done = 0

    # --- steps ----------------------------------------------------------------------------
    def start(self) -> None:
        try:
            missing = missing_files(self.folder)
        except DataError as e:
            self._ask(str(e), download=self.source != "default")
            return
        if not missing:
            self._load(self.folder, download=False)
        elif self.source == "default":
            self._ask(
                "MNIST, the 70,000 handwritten digits the network learns from, is not on this "
                "computer yet.",
                informative=f"Download it (about 11 MB) into {self.folder}, or choose a folder "
                "that already holds the four MNIST files (.gz or unpacked).",
            )
        else:
            where = {"argument": "The MNIST folder", "MNIST_DIR": "MNIST_DIR points to a folder that",
                     "remembered": "The MNIST folder chosen last time"}[self.source]  # fmt: skip
            self._ask(
                f"{where} ({self.folder}) lacks {', '.join(missing)}.",
                informative=f"Download MNIST (about 11 MB) into {default_data_dir()}, or choose "
                "another folder that holds the four files.",
            )

    def download(self) -> None:
        """Fetch the missing files into the default folder, then load them."""
        self._close_prompt()
        self.folder, self.source = default_data_dir(), "default"
        self._load(self.folder, download=True)

    def choose_folder(self, path: str | Path | None = None) -> None:
        """Use the folder at path; None opens a folder dialog (non-blocking) to pick one."""
        self._close_prompt()
        if path is None:
            self._ask_folder()
            return
        folder = Path(path)
        try:
            missing = missing_files(folder)
        except DataError as e:
            self._ask(str(e))
            return
        if missing:
            self._ask(f"{folder} lacks {', '.join(missing)} (raw or .gz).",
                      informative="Choose the folder that holds all four MNIST files, or download them.")  # fmt: skip
            return
        self.folder, self.source = folder, "argument"
        self._load(folder, download=False)

    def cancel(self) -> None:
        """Stop a download (between chunks) or drop a load; the request gives up with ""."""
        if self._job is not None and not self._job.finished:
            self._runner.cancel(self._job)  # -> _on_cancelled
        else:
            self._finish("error" if self.last_error else "cancelled", self.last_error)

    def wait(self, timeout: float | None = None) -> bool:
        """Stop and end the loader thread (for shutdown); True if it has ended."""
        return self._runner.shutdown(timeout)

    @property
    def active(self) -> bool:
        return not self.done

    # --- dialogs --------------------------------------------------------------------------
    def _ask(self, text: str, informative: str = "", download: bool = True, details: str = "") -> None:
        self._close_prompt()
        box = QMessageBox(self.parent_widget)
        box.setIcon(QMessageBox.Information)
        box.setWindowTitle("MNIST needed")
        box.setText(text)
        if informative:
            box.setInformativeText(informative)
        if details:
            box.setDetailedText(details)
        self.buttons = {}
        if download:
            self.buttons["download"] = box.addButton("Download", QMessageBox.AcceptRole)
            self.buttons["download"].setToolTip(f"Fetch the four files from the public mirrors into {default_data_dir()}.")
        self.buttons["choose"] = box.addButton("Choose folder…", QMessageBox.ActionRole)
        self.buttons["choose"].setToolTip("Pick a folder that already holds the MNIST files.")
        self.buttons["cancel"] = box.addButton(QMessageBox.Cancel)
        box.setDefaultButton(self.buttons.get("download", self.buttons["choose"]))
        box.setEscapeButton(self.buttons["cancel"])
        # Dispatch on the button itself: QMessageBox's own handling of custom buttons differs
        # between styles, and a closed box (Esc, the title bar) must count as Cancel.
        box.buttonClicked.connect(self._on_prompt_button)
        box.rejected.connect(lambda: self._prompt_closed(box))
        box.open()  # window-modal, but the event loop runs on
        self.prompt = box

    def _on_prompt_button(self, button) -> None:
        if button is self.buttons.get("download"):
            QTimer.singleShot(0, self.download)
        elif button is self.buttons.get("choose"):
            QTimer.singleShot(0, lambda: self.choose_folder(None))
        else:
            QTimer.singleShot(0, self.cancel)

    def _prompt_closed(self, box: QMessageBox) -> None:
        # Escape or the close button: no buttonClicked, so it is a cancel.
        if box is self.prompt and box.clickedButton() is None:
            QTimer.singleShot(0, self.cancel)

    def _close_prompt(self) -> None:
        box, self.prompt = self.prompt, None
        if box is not None:
            box.blockSignals(True)
            box.done(0)
            box.deleteLater()

    def _ask_folder(self) -> None:
        dialog = QFileDialog(self.parent_widget, "Choose the folder that holds MNIST")
        dialog.setFileMode(QFileDialog.Directory)
        dialog.setOption(QFileDialog.ShowDirsOnly, True)
        dialog.setDirectory(str(start_folder("mnist", remembered_folder() or "")))
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: QTimer.singleShot(0, lambda: self.choose_folder(path)))
        dialog.rejected.connect(lambda: QTimer.singleShot(0, self.cancel))
        dialog.open()
        self.folder_dialog = dialog

    def _show_progress(self, download: bool) -> None:
        dialog = QProgressDialog(self.parent_widget)
        dialog.setWindowTitle("Downloading MNIST" if download else "Loading MNIST")
        dialog.setLabelText(f"Connecting to {self.mirrors[0] if self.mirrors else 'the mirrors'}…"
                            if download else f"Reading and checking MNIST in {self.folder}…")  # fmt: skip
        dialog.setWindowModality(Qt.NonModal)  # the window stays usable (draw while it downloads)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.setMinimumWidth(440)
        dialog.setRange(0, 0)  # busy until the first bytes say how many there are
        dialog.canceled.connect(self._on_progress_cancelled)
        dialog.show()
        self.progress = dialog

    def _on_progress_cancelled(self) -> None:
        if self.progress is not None:
            self.progress.setLabelText("Cancelling…")
        self.cancel()

    def _update_progress(self, latest: tuple[str, int, int | None]) -> None:
        dialog = self.progress
        if dialog is None:
            return
        if dialog.wasCanceled():  # cancel() called on it from code: no canceled signal
            self._on_progress_cancelled()
            return
        name, done, total = latest
        if name not in self._files_seen:
            if self._files_seen:  # the file before is complete: count it in the total so far
                self._bytes_before += self._last_done
            self._files_seen.append(name)
        self._last_done = done
        index = self._files_seen.index(name) + 1
        count = max(self._files_total, index)
        size = f"{size_text(done)} of {size_text(total)}" if total else size_text(done)
        dialog.setLabelText(f"Downloading MNIST, file {index} of {count}: {name}\n"
                            f"{size} · {size_text(self._bytes_before + done)} in all so far")  # fmt: skip
        if total:
            dialog.setRange(0, total)
            dialog.setValue(min(done, total))
        else:
            dialog.setRange(0, 0)

    # --- the loading job -----------------------------------------------------------------
    def _load(self, folder: Path, download: bool) -> None:
        self.downloading = download
        self._files_seen = []
        self._bytes_before = self._last_done = 0
        try:
            self._files_total = len(missing_files(folder)) if download else 0
        except DataError:
            self._files_total = 4
        self._show_progress(download)
        mirrors = self.mirrors

        def work(ctx):
            if download:
                download_mnist(folder, mirrors, progress=lambda *bytes_: ctx.report(bytes_), should_stop=ctx.should_stop)
            return load_mnist(folder, download=False)

        self._job = self._runner.submit(
            work, on_done=self._on_loaded, on_progress=self._update_progress,
            on_error=self._on_failed, on_cancelled=self._on_cancelled,
        )  # fmt: skip

    def _on_cancelled(self) -> None:
        self._finish("cancelled", "")

    def _on_failed(self, failure: JobFailure) -> None:
        if isinstance(failure.error, DownloadCancelled):
            self._finish("cancelled", "")
            return
        error = failure.error
        offline = isinstance(error, DownloadFailed) and error.offline
        # The window's own words: no command-line hint, and no list of the system's errors when
        # the internet is simply not there (they go behind "Show Details…").
        self.last_error = OFFLINE_TEXT if offline else error.summary if isinstance(error, DownloadFailed) else failure.message
        self._close_progress()
        retry = self.downloading
        self._ask(
            self.last_error if offline else f"Cannot use MNIST: {self.last_error}",
            informative="Choose a folder that holds MNIST, or try again." if offline
            else "Try the download again, or choose a folder that holds the four files."
            if retry else "Choose a folder that holds the four MNIST files, or download them.",
            details=error.summary if offline else "",
        )  # fmt: skip
        if retry and "download" in self.buttons:
            self.buttons["download"].setText("Try again")

    def _on_loaded(self, mnist: MNIST) -> None:
        _cache[_key(self.folder)] = mnist
        if self.source == "argument" and self.data_dir is None:
            app_settings().setValue(SETTINGS_KEY, str(self.folder))  # a folder the user chose
        self._finish("ready", mnist)

    def _close_progress(self) -> None:
        dialog, self.progress = self.progress, None
        if dialog is not None:
            dialog.blockSignals(True)
            dialog.close()
            dialog.deleteLater()

    def _finish(self, kind: str, value) -> None:
        if self.done:
            return
        self.done = True
        self._close_prompt()
        self._close_progress()
        if kind == "ready":
            self.ready.emit(value)
        else:
            self.gave_up.emit(value if kind == "error" else "")
