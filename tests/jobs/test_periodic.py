"""The planners' thread (APScheduler's) sleeps until the next planner is due: it wakes to run something,
never to look. Real threads and waits (this is about waiting), with short periods."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from bot.jobs.periodic import Periodic


def counter(name: str, ran: list[str], enough: threading.Event | None = None, *, after: int = 0) -> Callable[[], None]:
    def run() -> None:
        ran.append(name)
        if enough is not None and ran.count(name) >= after:
            enough.set()

    return run


def test_the_thread_wakes_only_when_a_planner_is_due_and_runs_it() -> None:
    periodic = Periodic()
    ran: list[str] = []
    woken: list[int] = []  # the thread's wake-ups so far, as each run of "often" starts
    enough = threading.Event()

    def often() -> None:
        woken.append(periodic.wakeups)
        if len(woken) == 10:
            enough.set()

    periodic.every("often", 0.02, often)
    periodic.every("hourly", 3600, counter("hourly", ran), at_start=False)
    periodic.start()
    try:
        assert enough.wait(10)
    finally:
        periodic.stop()
    assert "hourly" not in ran  # not due: never run, and its hour of sleep never woke the thread
    # One wake-up per run: the thread does not poll between them, and runs the planner itself (no pool
    # thread woken beside it).
    assert woken[:10] == list(range(1, 11))


def test_an_idle_thread_sleeps_until_the_next_due_time() -> None:
    periodic = Periodic()
    ran: list[str] = []
    periodic.every("handoffs", 60, counter("handoffs", ran))  # at start, then a minute later
    periodic.every("reload", 10, counter("reload", ran), at_start=False)
    periodic.start()
    try:
        wait_for(lambda: periodic.runs == 1)
        assert ran == ["handoffs"]
        left = periodic.next_due_in()
        assert left is not None and 5 < left <= 10  # the reload, ten seconds after start: asleep until then
        assert periodic.wakeups == 1  # the start's run only
    finally:
        periodic.stop()


def test_a_failing_planner_is_logged_and_runs_again(caplog: pytest.LogCaptureFixture) -> None:
    periodic = Periodic()
    calls: list[int] = []
    again = threading.Event()

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the store is away")
        again.set()

    periodic.every("plan_digests", 0.01, flaky)
    periodic.start()
    try:
        assert again.wait(10)
    finally:
        periodic.stop()
    assert "plan_digests failed" in caplog.text


def test_a_removed_planner_stops_and_a_replaced_one_runs_in_its_place() -> None:
    periodic = Periodic()
    ran: list[str] = []
    enough = threading.Event()
    periodic.every("reload_config", 0.01, counter("old", ran))
    periodic.start()
    try:
        wait_for(lambda: "old" in ran)
        periodic.every("reload_config", 0.01, counter("new", ran, enough, after=3))
        assert enough.wait(10)
        periodic.remove("reload_config")
        assert not periodic.has("reload_config")
        runs = periodic.runs
        assert periodic.next_due_in() is None  # nothing left to wait for: the thread sleeps until told
    finally:
        periodic.stop()
    assert periodic.runs <= runs + 1  # at most the run in hand when it was removed
    old = ran.index("new")
    assert "old" not in ran[old:]  # the replaced one never ran again


def wait_for(condition: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(1000):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("timed out")


def test_a_planner_told_to_run_runs_at_once_and_its_period_is_asked_after_each_run() -> None:
    periodic = Periodic()
    ran: list[str] = []
    heard = threading.Event()  # stands for the Postgres listener being connected
    told = threading.Event()

    def drafts() -> None:
        ran.append("drafts")
        if len(ran) == 2:
            told.set()

    periodic.every("guide_drafts", lambda: 3600.0 if heard.is_set() else 0.01, drafts, at_start=False)
    periodic.start()
    try:
        wait_for(lambda: len(ran) >= 1)  # every 10 ms while nothing is heard
        heard.set()
        wait_for(lambda: (periodic.next_due_in() or 0) > 60)  # connected: the next look in an hour
        runs = len(ran)
        periodic.run_soon("guide_drafts")  # an approval heard
        wait_for(lambda: len(ran) == runs + 1)
        left = periodic.next_due_in()
        assert left is not None and left > 60  # and then it sleeps again: one entry, an hour away
        assert periodic.has("guide_drafts")
    finally:
        periodic.stop()
    assert told.is_set()
