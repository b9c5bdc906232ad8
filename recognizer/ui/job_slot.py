"""A tab's background task, without Qt (Orange's ConcurrentWidgetMixin habit): one slot holds one
task; starting another cancels the one under way; busy, progress and error are observed values
(observable.py) the widgets show; a result, progress or failure that arrives for any task but the
latest is dropped, by its generation number. Each tab's Qt-free state owns its slots; ui/jobs.py's
JobRunner stays the one thread runner underneath (handed in, so the slot is tested without it).

    slot = JobSlot(runner)
    slot.start(work, on_done=show, on_progress=bar)   # work(ctx) on the runner's thread
    slot.invalidate()   # the input changed: whatever the task under way sends is now stale

A state that decides on its own when a task begins and ends (a page whose job the tab submits)
uses the bookkeeping alone: g = slot.begin(); slot.report(g, 0.5); if slot.end(g): take the result.
"""

from __future__ import annotations

from numbers import Real
from typing import Any, Callable

from .observable import Events, observed


class JobSlot:
    busy = observed()
    progress = observed()  # a fraction in [0, 1] when the task reports numbers
    error = observed()  # the last task's failure, in a line for the user; "" when none

    def __init__(self, runner=None):
        """runner: anything with JobRunner's submit(fn, on_done=, on_progress=, on_partial=,
        on_error=, on_cancelled=) -> job or None, and cancel(job)."""
        self.events = Events("busy", "progress", "error")
        self.runner = runner
        self.generation = 0  # of the latest task; a result of any other is stale
        self.busy, self.progress, self.error = False, 0.0, ""
        self._job = None

    # --- the bookkeeping ------------------------------------------------------------------------
    def begin(self) -> int:
        """A new task: the previous one's results are stale from now on. Returns its generation."""
        self.generation += 1
        self.progress, self.error = 0.0, ""
        self.busy = True
        return self.generation

    def is_current(self, generation: int) -> bool:
        return generation == self.generation

    def report(self, generation: int, value: Any) -> bool:
        if not (self.is_current(generation) and self.busy):
            return False
        self.progress = float(value) if isinstance(value, Real) else value
        return True

    def end(self, generation: int) -> bool:
        """Whether the task of this generation is the latest; if so it is over."""
        if not (self.is_current(generation) and self.busy):
            return False
        self._job = None
        self.progress = 1.0
        self.busy = False
        return True

    def fail(self, generation: int, message: str) -> bool:
        if not (self.is_current(generation) and self.busy):
            return False
        self._job = None
        self.error = message
        self.busy = False
        return True

    def invalidate(self) -> None:
        """What the task under way computes is of no use any more (its input changed): stop it
        and drop whatever it still sends."""
        self._cancel()
        self.generation += 1
        self.busy = False

    def _cancel(self) -> None:
        if self._job is not None and self.runner is not None:
            self.runner.cancel(self._job)
        self._job = None

    # --- with the runner ------------------------------------------------------------------------
    def start(self, work: Callable, on_done: Callable[[Any], None], *, on_progress: Callable[[Any], None] | None = None,
              on_partial: Callable[[list], None] | None = None, on_error: Callable | None = None,
              on_cancelled: Callable[[], None] | None = None) -> int | None:  # fmt: skip
        """Run work(ctx) on the runner in place of the task under way (cancelled). The callbacks
        hear only from this task, and only while it is the latest: on_done(result) once it is over,
        on_error(JobFailure) once it has failed (error holds its message), on_cancelled() once the
        runner stopped it (cancel_all, shut down) rather than this slot. Returns the task's
        generation, or None when the runner is shut down."""
        self._cancel()
        generation = self.begin()  # and the cancelled task's results are stale

        def done(result):
            if self.end(generation):
                on_done(result)

        def progress(value):
            if self.report(generation, value) and on_progress is not None:
                on_progress(value)

        def partial(items):
            if self.is_current(generation) and self.busy:
                on_partial(items)

        def failed(failure):
            if self.fail(generation, failure.message) and on_error is not None:
                on_error(failure)

        def cancelled():  # by the runner, not by this slot: nothing more will come
            if self.is_current(generation) and self.busy:
                self._job = None
                self.busy = False
                if on_cancelled is not None:
                    on_cancelled()

        self._job = self.runner.submit(work, on_done=done, on_progress=progress, on_error=failed, on_cancelled=cancelled,
                                       on_partial=None if on_partial is None else partial)  # fmt: skip
        if self._job is None:
            self.busy = False
            return None
        return generation
