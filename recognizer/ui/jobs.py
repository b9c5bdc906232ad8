"""The one way the window runs work off the UI thread: every background job goes through a JobRunner.

    runner = JobRunner("evaluate", parent=tab)
    job = runner.submit(work, on_done=show, on_progress=bar, on_error=complain, key="saliency")

work(ctx) runs on the runner's own thread, one job at a time in submission order, and talks back
through its JobContext:
    ctx.report(payload)   progress: only the latest payload of each tick reaches on_progress;
    ctx.send(item)        a partial result: every item reaches on_partial, in order, as a list per
                          tick (a training run sends every batch, the UI draws them ~20 times a
                          second instead of once per batch);
    ctx.stopped           True once the job is cancelled; pass ctx.should_stop to core functions.
Its return value goes to on_done(result); an exception to on_error(JobFailure) with a message for
the user and, for a bug, the traceback as details. A job that fails or ends after it was
cancelled is dropped: nothing a cancelled job sends reaches the UI; on_cancelled is called once,
when its function has returned (so a download has removed its partial file by then).
A key makes a job latest-only: submitting another with the same key cancels the earlier one.

Delivery is pulled, not pushed per event: the thread appends to a queue and wakes the UI thread
with at most one queued signal pending, and the UI drains the queue at most every interval_ms.
However fast a job reports, the event loop sees one small task per tick.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from ..errors import RecognizerError

DEFAULT_INTERVAL_MS = 50


@dataclass(frozen=True)
class JobFailure:
    message: str  # one line for the user
    details: str = ""  # the traceback when it was a bug, else ""
    error: BaseException | None = None


def describe_failure(error: BaseException) -> JobFailure:
    """The user's message for an exception: ours and the system's as they are, a bug with its
    traceback (printed on stderr too, where a developer looks)."""
    if isinstance(error, (RecognizerError, ValueError)):
        return JobFailure(str(error), "", error)
    if isinstance(error, MemoryError):
        return JobFailure("Not enough memory for this job.", "", error)
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return JobFailure(f"{where}{error.strerror or error}", "", error)
    details = "".join(traceback.format_exception(error))
    traceback.print_exception(error)
    return JobFailure(f"{type(error).__name__}: {error}", details, error)


class JobContext:
    """What a job function sees, on the runner's thread."""

    def __init__(self, job: Job, runner: JobRunner):
        self._job, self._runner = job, runner

    @property
    def stopped(self) -> bool:
        return self._job.cancelled

    def should_stop(self) -> bool:
        return self._job.cancelled

    def report(self, payload: Any) -> None:
        if not self._job.cancelled:
            self._runner._post(self._job, "progress", payload)

    def send(self, item: Any) -> None:
        if not self._job.cancelled:
            self._runner._post(self._job, "partial", item)


@dataclass(eq=False)
class Job:
    """A submitted job, as the UI thread holds it."""

    id: int
    fn: Callable[[JobContext], Any]
    on_done: Callable[[Any], None] | None = None
    on_progress: Callable[[Any], None] | None = None
    on_partial: Callable[[list], None] | None = None
    on_error: Callable[[JobFailure], None] | None = None
    on_cancelled: Callable[[], None] | None = None
    key: str | None = None
    finished: bool = False  # on_done, on_error or on_cancelled has been called
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class JobRunner(QObject):
    """A thread of its own that runs jobs one at a time; results come back on the UI thread."""

    _wake = Signal()

    def __init__(self, name: str, parent: QObject | None = None, interval_ms: int = DEFAULT_INTERVAL_MS):
        super().__init__(parent)
        self.name = name
        self._tasks: queue.Queue[Job | None] = queue.Queue()
        self._events: deque[tuple[Job, str, Any]] = deque()
        self._wake_pending = threading.Event()
        self._jobs: dict[int, Job] = {}  # not yet finished, as the UI thread sees them
        self._next_id = 0
        self._closed = False
        self._interval_ms = interval_ms
        self._last_drain = 0.0
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._drain)
        self._wake.connect(self._on_wake)
        self._thread = threading.Thread(target=self._loop, name=f"recognizer-{name}", daemon=True)
        self._thread.start()

    # --- the UI thread's side ----------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def submit(self, fn: Callable[[JobContext], Any], *, on_done=None, on_progress=None, on_partial=None,
               on_error=None, on_cancelled=None, key: str | None = None) -> Job | None:  # fmt: skip
        """Queue fn(ctx); returns its Job, or None once the runner is shut down."""
        if self._closed:
            return None
        if key is not None:
            for job in list(self._jobs.values()):
                if job.key == key:
                    self.cancel(job)
        self._next_id += 1
        job = Job(self._next_id, fn, on_done, on_progress, on_partial, on_error, on_cancelled, key)
        self._jobs[job.id] = job
        self._tasks.put(job)
        return job

    def cancel(self, job: Job | None) -> None:
        """Stop a job: nothing more reaches its callbacks but on_cancelled, which follows once the
        function has seen ctx.stopped and returned (at once for a job still waiting its turn)."""
        if job is None or job.finished:
            return
        job._cancel.set()
        self._finish(job)

    def cancel_all(self) -> None:
        for job in list(self._jobs.values()):
            self.cancel(job)

    def shutdown(self, timeout: float | None = 5.0) -> bool:
        """Cancel everything and end the thread; True if it ended within timeout."""
        self._closed = True
        self.cancel_all()
        self._tasks.put(None)
        self._timer.stop()
        if threading.current_thread() is self._thread:
            return False
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued job has run and its results were delivered (for tests and
        shutdown paths that must not leave work behind)."""
        deadline = time.monotonic() + timeout
        while self._jobs and time.monotonic() < deadline:
            time.sleep(0.005)
            self._drain()
        return not self._jobs

    def _finish(self, job: Job) -> None:
        job.finished = True
        self._jobs.pop(job.id, None)

    def _on_wake(self) -> None:
        if self._timer.isActive():
            return
        wait = self._interval_ms - (time.monotonic() - self._last_drain) * 1000
        self._timer.start(max(0, int(wait)))

    def _drain(self) -> None:
        self._wake_pending.clear()  # before reading: an event posted from now on wakes us again
        self._last_drain = time.monotonic()
        events, latest, partials = [], {}, {}
        while self._events:
            events.append(self._events.popleft())
        for job, kind, payload in events:  # progress: the last of the tick; partials: all, in order
            if kind == "progress":
                latest[job] = payload
            elif kind == "partial":
                partials.setdefault(job, []).append(payload)
        delivered = set()
        for job, kind, payload in events:
            if kind == "cancelled":
                if job.on_cancelled is not None:
                    job.on_cancelled()
                continue
            if job.finished:
                continue
            if kind in ("progress", "partial") and job not in delivered:
                delivered.add(job)
                if job in partials and job.on_partial is not None:
                    job.on_partial(partials[job])
                if job in latest and job.on_progress is not None and not job.finished:
                    job.on_progress(latest[job])
            elif kind == "done":
                self._finish(job)
                if job.on_done is not None:
                    job.on_done(payload)
            elif kind == "failed":
                self._finish(job)
                if job.on_error is not None:
                    job.on_error(payload)

    # --- the runner's thread -----------------------------------------------------------------
    def _post(self, job: Job, kind: str, payload: Any) -> None:
        self._events.append((job, kind, payload))
        if not self._wake_pending.is_set():
            self._wake_pending.set()
            try:
                self._wake.emit()
            except RuntimeError:  # the runner's QObject is gone with its window
                pass

    def _loop(self) -> None:
        while True:
            job = self._tasks.get()
            if job is None:
                return
            if not job.cancelled:
                try:
                    result = job.fn(JobContext(job, self))
                except BaseException as e:  # noqa: BLE001: every failure is reported, none kills the thread
                    outcome = ("failed", describe_failure(e)) if not job.cancelled else None
                else:
                    outcome = ("done", result) if not job.cancelled else None
                if outcome is not None:
                    self._post(job, *outcome)
                    continue
            self._post(job, "cancelled", None)
