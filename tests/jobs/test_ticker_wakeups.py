"""The job loop sleeps while nothing is due: it wakes on a kick, when the next job falls due, and, for
jobs another process wrote, when the fallback interval ends and SQLite says another connection
committed. Real SQLite files, two stores on one file standing for two processes; the loop runs on its
own thread in real time (this is about waiting), with a short fallback interval."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.clock import DatabaseClock, SystemClock
from bot.domain.job import Job
from bot.jobs.heartbeat import Heartbeat
from bot.jobs.runner import JobRunner
from bot.jobs.scheduler import HEARD_FALLBACK_S, Ticker
from bot.store.store import Store, Tx

INTERVAL = 0.1


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    worker, other = Store.open(url), Store.open(url)
    try:
        yield worker, other
    finally:
        worker.close()
        other.close()


def looping(store: Store, ran: list[str], done: threading.Event) -> tuple[Ticker, JobRunner]:
    def handler(job: Job) -> None:
        ran.append(job.key)
        done.set()

    def give_up(tx: Tx, job: Job, reason: str, now: datetime) -> None:
        raise AssertionError(reason)

    runner = JobRunner(store=store, clock=SystemClock(), handlers={"post": handler}, give_up=give_up, parallel=1)
    return Ticker(
        runner, interval=INTERVAL, timezone=ZoneInfo("UTC"), changed_elsewhere=store.changed_elsewhere
    ), runner


def enqueue(store: Store, key: str, due_at: datetime) -> None:
    with store.transaction() as tx:
        tx.jobs.enqueue(kind="post", key=key, due_at=due_at, now=datetime.now(UTC))


def test_an_idle_loop_claims_nothing_until_another_process_commits_a_job(stores: tuple[Store, Store]):
    worker, other = stores
    ran: list[str] = []
    done = threading.Event()
    ticker, _ = looping(worker, ran, done)
    ticker.start()
    try:
        assert ticker.progress.wait_for(10, timeout=10)  # ten fallback rounds have passed, idle
        assert ticker.wakeups == 1  # only the first round claimed: the idle ones made no query
        enqueue(other, "from-the-web-process", datetime.now(UTC))
        assert done.wait(5)
        assert ran == ["from-the-web-process"]
    finally:
        ticker.stop()


def test_the_loop_wakes_when_the_next_job_falls_due_and_when_kicked(stores: tuple[Store, Store]):
    worker, _ = stores
    ran: list[str] = []
    done = threading.Event()
    ticker, _ = looping(worker, ran, done)
    ticker.interval = 60.0  # no fallback in this test: only the due time or a kick can wake it
    enqueue(worker, "later", datetime.now(UTC) + timedelta(seconds=0.5))
    ticker.start()
    try:
        assert done.wait(5)
        assert ran == ["later"]
        done.clear()
        enqueue(worker, "now", datetime.now(UTC))
        ticker.kick()
        assert done.wait(5)
        assert ran == ["later", "now"]
    finally:
        ticker.stop()


def test_the_heartbeat_beating_every_second_does_not_make_the_idle_loop_read(stores: tuple[Store, Store]):
    """The beat is a commit, but on the loop's own watch connection: an idle loop that is beaten beside
    still makes no query, while a job from another process still wakes it."""
    worker, other = stores
    ran: list[str] = []
    done = threading.Event()
    ticker, runner = looping(worker, ran, done)
    reads: list[int] = []
    next_wake = runner.next_wake

    def counted() -> datetime | None:
        reads.append(1)
        return next_wake()

    runner.next_wake = counted  # type: ignore[method-assign]
    heartbeat = Heartbeat(store=worker, clock=DatabaseClock(SystemClock()), worker=runner.worker)
    ticker.start()
    try:
        assert ticker.progress.wait_for(3, timeout=10)
        before = len(reads)
        for _ in range(5):
            heartbeat.beat()
            assert heartbeat.writes_failing_for() is None
            assert ticker.progress.wait_for(ticker.progress.count + 2, timeout=10)  # a fallback round after it
        assert len(reads) == before  # five beats, ten idle rounds: no read of the job table
        assert ticker.wakeups == 1
        enqueue(other, "from-the-web-process", datetime.now(UTC))
        assert done.wait(5)
        assert ran == ["from-the-web-process"]
    finally:
        ticker.stop()


def test_a_loop_that_hears_other_processes_jobs_falls_back_less_often(stores: tuple[Store, Store]):
    """Postgres with its LISTEN connected: NOTIFY wakes the loop, so the fallback only shows it is alive."""
    worker, _ = stores
    ticker, _ = looping(worker, [], threading.Event())
    ticker.interval = 0.5
    listening = True
    ticker.hears_elsewhere = lambda: listening
    assert ticker._sleep_for(0, fresh=True) == (HEARD_FALLBACK_S, False)
    enqueue(worker, "soon", datetime.now(UTC) + timedelta(seconds=HEARD_FALLBACK_S / 2))
    seconds, due = ticker._sleep_for(0, fresh=True)
    assert due and 0 < seconds <= HEARD_FALLBACK_S / 2  # a job due sooner still wakes it on time
    listening = False  # the listener lost its connection (it kicks the loop): the short fallback again
    with worker.transaction() as tx:
        tx.session.execute(text("DELETE FROM jobs"))
    assert ticker._sleep_for(0, fresh=True) == (0.5, False)
