"""A batch of escalation-like steps (sendless jobs of different cases) commits in one transaction, each
under its own savepoint: one effect that fails rolls back alone and is retried; the others are kept.
Real SQLite file; the wall clock is frozen (freezegun) so retry times are exact."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from bot.clock import FakeClock, SystemClock
from bot.domain.events import EventKind
from bot.domain.job import Job
from bot.jobs.runner import JobRunner
from bot.store.store import Store, Tx

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'jobs.db'}")
    try:
        yield store
    finally:
        store.close()


def step(job: Job) -> Callable[[Tx, datetime], None]:
    """Plans the next job; the step named `bad` fails while writing its plan."""

    def effect(tx: Tx, now: datetime) -> None:
        tx.jobs.enqueue(kind="post", key=f"after:{job.key}", due_at=now + timedelta(hours=1), now=now)
        if job.key == "bad":
            raise RuntimeError("a planning bug")

    return effect


def test_a_failing_step_in_a_batch_is_retried_alone_and_the_others_are_committed(db: Store):
    with freeze_time(T0):
        with db.transaction() as tx:
            for key in ("one", "bad", "two"):
                tx.jobs.enqueue(kind="step", key=key, due_at=T0, now=T0)
        runner = JobRunner(
            store=db,
            clock=SystemClock(),
            handlers={"step": step},
            give_up=lambda tx, job, reason, now: None,
            sendless_kinds=frozenset({"step"}),
            parallel=4,
            jitter=0.0,
            retry_base=timedelta(seconds=2),
        )
        try:
            assert runner.run_due(rounds=1) == 3
        finally:
            runner.close()
        with db.read() as tx:
            states = tx.jobs.states()
            first_due, _ = tx.jobs.next_wake()
    assert states == {
        "one": "done",
        "two": "done",
        "after:one": "pending",
        "after:two": "pending",
        "bad": "pending",  # rolled back to its savepoint (its planned job too), to be tried again
    }
    assert first_due == T0 + timedelta(seconds=2)  # the retry: after retry_base, the others an hour on


def test_page_dms_are_claimed_before_steps_and_steps_before_bookkeeping_whatever_their_due_times(db: Store):
    with db.transaction() as tx:
        tx.jobs.enqueue(kind="case.thread_note", key="note", due_at=T0 - timedelta(seconds=30), now=T0)
        tx.jobs.enqueue(kind="page.escalate", key="step", due_at=T0 - timedelta(seconds=20), now=T0)
        tx.jobs.enqueue(kind="page.send", key="dm", due_at=T0 - timedelta(seconds=10), now=T0)
    tiers = ({"page.send"}, {"page.escalate"})
    claimed = []
    for _ in range(3):
        with db.transaction() as tx:
            jobs = tx.jobs.claim_due(now=T0, worker="w", lease=timedelta(minutes=1), limit=1, priority=tiers)
        claimed += [job.key for job in jobs]
    assert claimed == ["dm", "step", "note"]
    with db.transaction() as tx:  # without tiers: due order, as before
        tx.jobs.enqueue(kind="page.send", key="dm2", due_at=T0, now=T0)
        tx.jobs.enqueue(kind="case.thread_note", key="note2", due_at=T0 - timedelta(seconds=1), now=T0)
        assert [j.key for j in tx.jobs.claim_due(now=T0, worker="w", lease=timedelta(minutes=1), limit=1)] == ["note2"]


def test_sends_to_several_cases_go_out_in_one_round_and_are_recorded_in_one_transaction(db: Store):
    """Page DMs of different cases, each alone in its batch: sent side by side, then every send's
    record (job done, its effect) in one transaction; nothing is left for a second round."""
    sent: list[str] = []
    recorded_in: set[int] = set()

    def send(job: Job) -> Callable[[Tx, datetime], None]:
        sent.append(job.key)

        def effect(tx: Tx, now: datetime) -> None:
            recorded_in.add(id(tx))
            tx.jobs.enqueue(kind="note", key=f"sent:{job.key}", due_at=now + timedelta(hours=1), now=now)

        return effect

    with freeze_time(T0):
        with db.transaction() as tx:
            for n in range(6):
                tx.jobs.enqueue(kind="page.send", key=f"dm{n}", due_at=T0, now=T0)
        runner = JobRunner(
            store=db,
            clock=SystemClock(),
            handlers={"page.send": send},
            give_up=lambda tx, job, reason, now: None,
            page_kinds=frozenset({"page.send"}),
            parallel=4,
        )
        try:
            assert runner.run_due(rounds=1) == 6
        finally:
            runner.close()
        with db.read() as tx:
            states = tx.jobs.states()
    assert sorted(sent) == [f"dm{n}" for n in range(6)]
    assert len(recorded_in) == 1  # one transaction for the batch's records
    assert {k: v for k, v in states.items() if k.startswith("dm")} == {f"dm{n}": "done" for n in range(6)}
    assert sum(1 for k in states if k.startswith("sent:")) == 6


def test_a_send_whose_record_fails_fails_alone_and_is_not_sent_again(db: Store):
    """The batch's one transaction meets a failing effect: it is redone with each record under its own
    savepoint; the others are kept, and the failed one is failed (a person hears), never resent."""
    sent: list[str] = []
    gave_up: list[str] = []

    def send(job: Job) -> Callable[[Tx, datetime], None]:
        sent.append(job.key)

        def effect(tx: Tx, now: datetime) -> None:
            tx.jobs.enqueue(kind="note", key=f"sent:{job.key}", due_at=now + timedelta(hours=1), now=now)
            if job.key == "bad":
                raise RuntimeError("a recording bug")

        return effect

    with freeze_time(T0):
        with db.transaction() as tx:
            for key in ("one", "bad", "two"):
                tx.jobs.enqueue(kind="page.send", key=key, due_at=T0, now=T0)
        runner = JobRunner(
            store=db,
            clock=SystemClock(),
            handlers={"page.send": send},
            give_up=lambda tx, job, reason, now: gave_up.append(job.key),
            page_kinds=frozenset({"page.send"}),
            parallel=4,
        )
        try:
            runner.run_due()
        finally:
            runner.close()
        with db.read() as tx:
            states = tx.jobs.states()
    assert sorted(sent) == ["bad", "one", "two"]  # once each
    assert states == {"one": "done", "two": "done", "bad": "failed", "sent:one": "pending", "sent:two": "pending"}
    assert gave_up == ["bad"]


def test_while_page_dms_are_due_a_batch_takes_only_a_few_later_jobs_beside_them(db: Store):
    with db.transaction() as tx:
        for n in range(15):
            tx.jobs.enqueue(kind="page.send", key=f"dm{n}", due_at=T0 - timedelta(seconds=1), now=T0)
        for n in range(15):
            tx.jobs.enqueue(kind="page.escalate", key=f"step{n}", due_at=T0 - timedelta(seconds=30), now=T0)
    tiers = ({"page.send"}, {"page.escalate"})
    with db.transaction() as tx:
        jobs = tx.jobs.claim_due(now=T0, worker="w", lease=timedelta(minutes=1), limit=20, priority=tiers)
    assert sorted(j.kind for j in jobs) == ["page.escalate"] * 2 + ["page.send"] * 15  # limit // 10 beside
    with db.transaction() as tx:  # no page DM due: a whole batch of steps
        jobs = tx.jobs.claim_due(now=T0, worker="w", lease=timedelta(minutes=1), limit=20, priority=tiers)
    assert [j.kind for j in jobs] == ["page.escalate"] * 13


def test_a_job_due_within_plan_ahead_is_planned_once_and_runs_at_its_time(db: Store):
    """`ahead` handlers run once per job when it comes within `plan_ahead` (the loop wakes for that);
    the job itself stays pending and runs when due."""
    clock = FakeClock(T0)
    planned: list[str] = []
    ran: list[str] = []

    def plan(job: Job) -> Callable[[Tx, datetime], None]:
        planned.append(job.key)

        def effect(tx: Tx, now: datetime) -> None:
            tx.jobs.enqueue(kind="page.send", key=f"dm:{job.key}", due_at=job.due_at, now=now)

        return effect

    def step(job: Job) -> None:
        ran.append(job.key)

    with db.transaction() as tx:
        tx.jobs.enqueue(kind="step", key="s1", due_at=T0 + timedelta(seconds=60), now=T0)
    runner = JobRunner(
        store=db,
        clock=clock,
        wall_clock=clock,
        handlers={"step": step, "page.send": lambda job: None},
        give_up=lambda tx, job, reason, now: None,
        sendless_kinds=frozenset({"step"}),
        ahead={"step": plan},
        plan_ahead=timedelta(seconds=15),
    )
    try:
        assert runner.next_wake() == T0 + timedelta(seconds=45)  # when s1 comes within plan_ahead
        runner.run_due()
        assert planned == []
        clock.set(T0 + timedelta(seconds=45))
        runner.run_due()
        runner.run_due()
        assert planned == ["s1"] and ran == []
        with db.read() as tx:
            assert tx.jobs.states() == {"s1": "pending", "dm:s1": "pending"}
        assert runner.next_wake() == T0 + timedelta(seconds=60)
        clock.set(T0 + timedelta(seconds=60))
        runner.run_due()
        assert planned == ["s1"] and ran == ["s1"]
        with db.read() as tx:
            assert tx.jobs.states() == {"s1": "done", "dm:s1": "done"}
    finally:
        runner.close()


@pytest.mark.parametrize("record_beside", [True, False])
def test_a_batch_is_recorded_while_the_next_is_sent_and_a_case_waits_for_its_record(db: Store, record_beside: bool):
    """Batch after batch: the next batch is claimed and sent while the last one's records are being
    committed (`record_beside`; without it, before), but never a job of a case still being recorded: a
    case's second send sees its first one done. When run_due returns, every record is committed."""
    from tests.store.test_cases import intake

    seen: dict[str, dict[str, str]] = {}

    def send(job: Job) -> Callable[[Tx, datetime], None]:
        with db.read() as tx:
            seen[job.key] = tx.jobs.states(case_id=job.case_id)

        def effect(tx: Tx, now: datetime) -> None:
            tx.cases.add_event(job.case_id or 0, kind=EventKind.PAGED, now=now, data={"key": job.key})

        return effect

    with freeze_time(T0):
        with db.transaction() as tx:
            first, second = tx.cases.add(intake(), now=T0), tx.cases.add(intake(), now=T0)
            for key, case_id in (("a1", first.id), ("a2", first.id), ("b1", second.id), ("b2", second.id)):
                tx.jobs.enqueue(kind="page.send", key=key, due_at=T0, now=T0, case_id=case_id)
        runner = JobRunner(
            store=db,
            clock=SystemClock(),
            handlers={"page.send": send},
            give_up=lambda tx, job, reason, now: None,
            page_kinds=frozenset({"page.send"}),
            parallel=4,
            limit=1,  # one job a batch: a1, then b1 (not a2) while a1 is recorded, …
            record_beside=record_beside,
        )
        try:
            assert runner.run_due() == 4
        finally:
            runner.close()
        with db.read() as tx:
            states = tx.jobs.states()
            events = [e.data["key"] for c in (first, second) for e in tx.cases.events(c.id) if "key" in e.data]
    assert states == {"a1": "done", "b1": "done", "a2": "done", "b2": "done"}
    assert seen["a2"]["a1"] == "done" and seen["b2"]["b1"] == "done"
    assert sorted(events) == ["a1", "a2", "b1", "b2"]
