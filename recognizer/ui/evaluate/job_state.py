"""The bookkeeping of a page's background job, without Qt: whether it runs, how far it is, what
went wrong; and which job is the current one, so that a late result of an older one is refused.
FlowState and ComparisonState build on it."""

from __future__ import annotations


class JobState:
    def __init__(self):
        self.job = None  # the job under way (or the last one); results of any other are refused
        self.running = False
        self.progress = 0.0
        self.error = ""

    def _begin(self, job):
        self.job = job
        self.running, self.progress, self.error = True, 0.0, ""
        return job

    def report(self, job, fraction: float) -> None:
        if job == self.job:
            self.progress = float(fraction)

    def _end(self, job) -> bool:
        """Whether job is the current one; if so it is over."""
        if job != self.job:
            return False
        self.running, self.progress = False, 1.0
        return True

    def fail(self, job, message: str) -> bool:
        if job != self.job:
            return False
        self.running, self.error = False, message
        return True

    def stop(self) -> None:
        self.running = False
