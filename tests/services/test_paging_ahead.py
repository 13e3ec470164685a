"""Page DMs planned ahead of their escalation step (`jobs.plan_ahead`): queued before the step is due, sent
at its time, once; an acknowledgement in between still stops them; a step brought forward brings them —
on SQLite and Postgres, with the runner wired as the bot wires it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.domain.job import Job
from bot.jobs.runner import JobRunner
from bot.services.deliveries import give_up
from bot.services.oncall import OnCall
from bot.services.open_case import POST_ROOT
from bot.services.paging import ESCALATE, SEND, acknowledge, pass_on
from bot.services.paging_engine import Paging
from bot.store.store import Store
from tests.services.test_paging_engine import SGT, FakeSender, NoDirectory, new_case

AHEAD = timedelta(seconds=15)


@pytest.fixture
def ahead(store, shipped_config):
    clock = FakeClock(datetime(2026, 11, 28, 22, 0, tzinfo=SGT))  # Saturday night: SEV1 pages at once
    sender = FakeSender()
    oncall = OnCall(config=shipped_config, store=store, directory=NoDirectory(), clock=clock)
    paging = Paging(config=shipped_config, store=store, sender=sender, oncall=oncall, clock=clock)
    runner = JobRunner(
        store=store,
        clock=clock,
        handlers=paging.handlers() | {POST_ROOT: lambda job: None},
        give_up=give_up,
        sendless_kinds=frozenset({ESCALATE}),
        page_kinds=frozenset({SEND}),
        priority=(frozenset({SEND}), frozenset({ESCALATE})),
        ahead=paging.ahead(),
        plan_ahead=AHEAD,
        wall_clock=clock,
    )
    yield clock, sender, oncall, runner
    runner.close()


def level_two(store: Store, case_id: int) -> Job:
    """The case's next escalation step (round 1, level 2), pending."""
    with store.read() as tx:
        (step,) = tx.jobs.pending_for_case(case_id, kind=ESCALATE)
    assert (step.payload["round"], step.payload["level"]) == (1, 2)
    return step


def planned_sends(store: Store, case_id: int) -> list[Job]:
    with store.read() as tx:
        return [job for job in tx.jobs.pending_for_case(case_id, kind=SEND) if job.payload["level"] == 2]


def test_a_steps_pages_are_queued_ahead_and_sent_at_its_time_once(store, shipped_config, ahead):
    clock, sender, oncall, runner = ahead
    case = new_case(store, shipped_config, clock, deadline_hours=2, oncall=oncall)  # SEV1
    runner.run_due()
    assert [lv for _, _, lv in sender.pages] == [1]
    step = level_two(store, case.id)
    clock.set(step.due_at - timedelta(seconds=10))
    runner.run_due()
    planned = planned_sends(store, case.id)
    first = [job for job in planned if not job.payload.get("nth")]
    assert first and all(job.due_at == step.due_at for job in first)  # queued, due at the step
    assert all(job.due_at > step.due_at for job in planned if job.payload.get("nth"))  # the re-page: later
    assert [lv for _, _, lv in sender.pages] == [1]  # not sent before its time
    clock.set(step.due_at)
    runner.run_due()
    runner.run_due()
    paged_two = [user for user, _, lv in sender.pages if lv == 2]
    assert paged_two and len(paged_two) == len(set(paged_two)) == len(first)  # each once
    with store.read() as tx:
        events = tx.cases.events(case.id)
        states = tx.jobs.states(case_id=case.id)
    assert len([e for e in events if e.kind == "escalated" and e.data["level"] == 2]) == 1  # the step ran, once
    assert all(states[job.key] == "done" for job in first)


def test_a_case_acknowledged_between_planning_and_its_step_is_not_paged(store, shipped_config, ahead):
    clock, sender, oncall, runner = ahead
    case = new_case(store, shipped_config, clock, deadline_hours=2, oncall=oncall)
    runner.run_due()
    step = level_two(store, case.id)
    clock.set(step.due_at - timedelta(seconds=10))
    runner.run_due()
    planned = planned_sends(store, case.id)
    assert planned
    acknowledge(case.id, user_id=sender.pages[0][0], store=store, now=clock.now())
    clock.set(step.due_at + timedelta(minutes=1))
    runner.run_due()
    runner.run_due()
    assert [lv for _, _, lv in sender.pages] == [1]  # level 2 never paged
    with store.read() as tx:
        states = tx.jobs.states(case_id=case.id)
    assert {states[job.key] for job in planned} == {"cancelled"}


def test_a_step_brought_forward_brings_its_planned_pages_along(store, shipped_config, ahead):
    clock, sender, oncall, runner = ahead
    case = new_case(store, shipped_config, clock, deadline_hours=2, oncall=oncall)
    runner.run_due()
    step = level_two(store, case.id)
    clock.set(step.due_at - timedelta(seconds=10))
    runner.run_due()
    assert planned_sends(store, case.id)
    pass_on(case.id, user_id=sender.pages[0][0], store=store, now=clock.now())  # "Can't take it": level 2 now
    runner.run_due()
    runner.run_due()
    assert [lv for _, _, lv in sender.pages if lv == 2]  # sent now, not 10 s later
    assert clock.now() < step.due_at
