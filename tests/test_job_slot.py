"""The one job slot every tab's state owns (ui/job_slot.py), without a display: a new task cancels
the old, stale results are dropped, progress and errors are kept and told."""

from __future__ import annotations

from fake_runner import FakeRunner

from recognizer.ui.job_slot import JobSlot
from recognizer.ui.jobs import JobFailure


def test_a_new_task_cancels_the_old_and_the_olds_late_results_are_dropped():
    runner, done = FakeRunner(), []
    slot = JobSlot(runner)
    first = slot.start(lambda ctx: 1, done.append)
    second = slot.start(lambda ctx: 2, done.append)
    assert second == first + 1 and runner.jobs[0].cancelled and not runner.jobs[1].cancelled
    old, new = (job.callbacks for job in runner.jobs)
    old["on_progress"](0.9)
    old["on_done"]("stale")
    old["on_cancelled"]()  # the old one ended after it was cancelled: the new one is still busy
    assert done == [] and slot.busy and slot.progress == 0.0
    new["on_done"]("fresh")
    assert done == ["fresh"] and not slot.busy and slot.progress == 1.0
    new["on_done"]("twice")  # a task ends once
    assert done == ["fresh"]


def test_progress_partials_and_errors_reach_the_state_and_its_listeners():
    runner, heard, shown, failed = FakeRunner(), [], [], []
    slot = JobSlot(runner)
    for name in ("busy", "progress", "error"):
        getattr(slot.events, name).connect(lambda value, name=name: heard.append((name, value)))
    slot.start(lambda ctx: None, shown.append, on_progress=shown.append, on_partial=shown.append, on_error=failed.append)
    job = runner.jobs[-1].callbacks
    job["on_progress"](0.25)
    job["on_partial"](["a", "b"])
    job["on_error"](JobFailure("The file is too short."))
    assert slot.error == "The file is too short." and not slot.busy and failed[0].message == "The file is too short."
    assert shown == [0.25, ["a", "b"]]
    assert heard == [("busy", True), ("progress", 0.25), ("error", "The file is too short."), ("busy", False)]
    slot.start(lambda ctx: None, shown.append)  # a new task clears the old error
    assert slot.error == "" and slot.busy


def test_invalidate_drops_the_task_under_way_and_a_shut_down_runner_leaves_the_slot_idle():
    runner, done = FakeRunner(), []
    slot = JobSlot(runner)
    slot.start(lambda ctx: None, done.append)
    slot.invalidate()  # its input changed
    runner.jobs[0].callbacks["on_done"]("stale")
    assert runner.jobs[0].cancelled and done == [] and not slot.busy
    runner.closed = True
    assert slot.start(lambda ctx: None, done.append) is None and not slot.busy


def test_the_bookkeeping_alone_refuses_an_older_generation():
    slot = JobSlot()
    old = slot.begin()
    new = slot.begin()
    assert not slot.report(old, 0.5) and slot.report(new, 0.5) and slot.progress == 0.5
    assert not slot.end(old) and not slot.fail(old, "late") and slot.busy
    assert slot.end(new) and not slot.busy and not slot.end(new)


def test_the_slot_under_the_real_runner(qtbot):
    from recognizer.ui.jobs import JobRunner

    runner = JobRunner("slot-test")
    try:
        slot, done = JobSlot(runner), []
        slot.start(lambda ctx: (ctx.report(0.5), 7)[1], done.append)
        qtbot.waitUntil(lambda: done == [7], timeout=5000)
        assert not slot.busy and slot.progress == 1.0
    finally:
        assert runner.shutdown()


def test_a_task_the_runner_cancels_leaves_the_slot_idle_and_says_so():
    runner, told = FakeRunner(), []
    slot = JobSlot(runner)
    slot.start(lambda ctx: None, told.append, on_cancelled=lambda: told.append("cancelled"))
    runner.jobs[0].on_cancelled()  # the tab's runner.cancel_all(), not the slot
    assert told == ["cancelled"] and not slot.busy
