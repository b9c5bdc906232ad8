"""The one background-job runner: results, progress, partials, errors with details, cancel,
latest-only keys and shutdown, all delivered on the UI thread."""

from __future__ import annotations

import threading
import time

import pytest

from recognizer.errors import DataError
from recognizer.ui.jobs import JobRunner


@pytest.fixture
def runner(qapp):
    r = JobRunner("test", interval_ms=10)
    yield r
    r.shutdown()


def test_result_progress_and_partials_arrive_on_the_ui_thread(qtbot, runner):
    ui_thread = threading.current_thread()
    seen = {"threads": set(), "progress": [], "partial": [], "done": None}

    def work(ctx):
        seen["threads"].add(threading.current_thread())
        for i in range(50):
            ctx.report(i / 50)
            ctx.send(i)
        return "result"

    def record(kind):
        def callback(value):
            assert threading.current_thread() is ui_thread
            if kind == "done":
                seen["done"] = value
            else:
                seen[kind].extend(value) if kind == "partial" else seen[kind].append(value)
        return callback

    job = runner.submit(work, on_done=record("done"), on_progress=record("progress"), on_partial=record("partial"))
    qtbot.waitUntil(lambda: seen["done"] == "result", timeout=5000)
    assert ui_thread not in seen["threads"]
    assert seen["partial"] == list(range(50))  # every item, in order
    assert 1 <= len(seen["progress"]) <= 50 and seen["progress"][-1] == pytest.approx(49 / 50)
    assert job.finished and not runner.busy


def test_errors_carry_a_message_and_for_bugs_the_traceback(qtbot, runner):
    failures = []
    runner.submit(lambda ctx: (_ for _ in ()).throw(DataError("The file is short.")), on_error=failures.append)
    runner.submit(lambda ctx: {}["missing"], on_error=failures.append)
    qtbot.waitUntil(lambda: len(failures) == 2, timeout=5000)
    assert failures[0].message == "The file is short." and failures[0].details == ""
    assert "KeyError" in failures[1].message and "Traceback" in failures[1].details
    assert "missing" in failures[1].details


def test_a_cancelled_job_sends_nothing_more(qtbot, runner):
    release = threading.Event()
    got, cancelled = [], []

    def work(ctx):
        release.wait(5)
        ctx.report("late")
        return "late"

    job = runner.submit(work, on_done=got.append, on_progress=got.append, on_cancelled=lambda: cancelled.append(1))
    runner.cancel(job)
    release.set()
    done = []
    runner.submit(lambda ctx: "next", on_done=done.append)
    qtbot.waitUntil(lambda: done == ["next"], timeout=5000)
    assert got == [] and cancelled == [1] and job.cancelled


def test_a_key_keeps_only_the_latest_job(qtbot, runner):
    started, done = threading.Event(), []

    def slow(ctx):
        started.set()
        while not ctx.stopped:
            time.sleep(0.001)
        return "slow"

    runner.submit(slow, on_done=done.append, key="saliency")
    started.wait(5)
    runner.submit(lambda ctx: "fast", on_done=done.append, key="saliency")
    qtbot.waitUntil(lambda: done == ["fast"], timeout=5000)
    assert done == ["fast"]


def test_shutdown_ends_the_thread_and_refuses_new_jobs(qapp):
    runner = JobRunner("closing")
    runner.submit(lambda ctx: [time.sleep(0.001) for _ in range(10_000) if not ctx.stopped])
    assert runner.shutdown(timeout=5)
    assert runner.submit(lambda ctx: None) is None
