"""The report feed's thread is woken once per burst of sales, not once per commit: a nudge while the
last one has not reached the thread's loop adds nothing, and once it has, the next commit wakes it again
(api/report_feed_thread.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from api.report_feed_thread import ReportFeedThread
from domain.clock import system_clock


class Loop:
    """The thread's loop: what was handed to it, not yet run."""

    def __init__(self) -> None:
        self.calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def call_soon_threadsafe(self, call: Callable[..., Any], *args: Any) -> None:
        self.calls.append((call, args))

    def run(self) -> None:
        calls, self.calls = self.calls, []
        for call, args in calls:
            call(*args)


class Feeder:
    def __init__(self) -> None:
        self.nudges = 0

    def nudge(self) -> None:
        self.nudges += 1


def test_a_burst_of_nudges_wakes_the_thread_once_and_the_next_commit_again() -> None:
    thread = ReportFeedThread("unused: no thread is started", ZoneInfo("UTC"), 60.0, system_clock)
    loop, feeder = Loop(), Feeder()
    thread._loop, thread._feeder = loop, feeder  # type: ignore[assignment]
    for _ in range(5):
        thread.nudge()
    assert len(loop.calls) == 1
    loop.run()
    assert feeder.nudges == 1
    thread.nudge()  # a commit after the thread took the last nudge
    assert len(loop.calls) == 1
    loop.run()
    assert feeder.nudges == 2


def test_a_nudge_before_the_thread_runs_is_not_left_pending() -> None:
    thread = ReportFeedThread("unused: no thread is started", ZoneInfo("UTC"), 60.0, system_clock)
    thread.nudge()  # no loop yet: nothing to wake, and nothing marked as on its way
    loop, feeder = Loop(), Feeder()
    thread._loop, thread._feeder = loop, feeder  # type: ignore[assignment]
    thread.nudge()
    assert len(loop.calls) == 1
    closed = asyncio.new_event_loop()
    closed.close()
    thread._loop = closed
    thread._nudge_pending = False
    thread.nudge()  # the thread's loop has closed: not pending, so a later loop would be woken
    assert not thread._nudge_pending
