"""A stand-in for ui/jobs.py's JobRunner under a JobSlot, for tests without a display: it keeps
each submitted job, and the test delivers its callbacks by hand, in any order."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeJob:
    work: object
    callbacks: dict
    cancelled: bool = False

    def __getattr__(self, name):  # job.on_done(result), job.on_progress(0.5), ...
        try:
            return self.callbacks[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class FakeRunner:
    jobs: list = field(default_factory=list)
    closed: bool = False

    def submit(self, work, **callbacks):
        if self.closed:
            return None
        self.jobs.append(FakeJob(work, callbacks))
        return self.jobs[-1]

    def cancel(self, job):
        job.cancelled = True
