"""Withdrawing a case as answered by guidance, on SQLite and Postgres: it closes the case and cancels
its paging in one transaction, and is refused (nothing changes) once a page was sent or is being sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.case import AlreadyPaged
from bot.domain.guidance import GuideEventKind
from bot.domain.lifecycle import Action
from bot.domain.permissions import Actor
from bot.services.case_actions import ActionRequest, CaseActions
from bot.services.paging import ESCALATE, SEND
from tests.services.test_paging_engine import engine, new_case  # noqa: F401 - the engine fixture

REP = Actor("U0REP1", is_staff=False)
WITHDRAW = ActionRequest(Action.WITHDRAW, guide_id="alcohol-sg-hours")


def states(store, case_id: int, kind: str) -> set[str]:
    with store.read() as tx:
        return set(tx.jobs.states(case_id=case_id, kind=kind).values())


def test_withdrawing_a_held_case_closes_it_and_cancels_its_paging(store, shipped_config, engine):  # noqa: F811
    clock, sender, oncall, runner = engine
    case = new_case(store, shipped_config, clock, deadline_hours=72, oncall=oncall)  # SEV3: held till Monday
    runner.run_due()
    actions = CaseActions(config=shipped_config, store=store, oncall=oncall)
    closed = actions.perform(case.id, WITHDRAW, actor=REP, now=clock.now())
    assert closed.status.value == "closed" and closed.answered_by_guide == "alcohol-sg-hours"
    assert states(store, case.id, ESCALATE) == {"cancelled"}
    with store.read() as tx:
        [event] = tx.guides.events(kind=GuideEventKind.WITHDRAWN)
    assert event.case_id == case.id and event.user_id == "U0REP1"
    clock.advance(timedelta(days=3))
    runner.run_due()
    assert sender.pages == []


def test_a_page_being_sent_refuses_the_withdrawal_and_nothing_changes(store, shipped_config, engine):  # noqa: F811
    clock, _, oncall, _ = engine
    case = new_case(store, shipped_config, clock, deadline_hours=2, oncall=oncall)  # SEV1: paged at once
    now = clock.now()
    with store.transaction() as tx:  # the escalation queued a page, and another replica is sending it
        key = f"{SEND}:{case.id}:g1:r1:l1:U0SPEC1"
        tx.jobs.enqueue(kind=SEND, key=key, due_at=now, now=now, case_id=case.id, payload={"user_id": "U0SPEC1"})
    with store.transaction() as tx:
        claimed = tx.jobs.claim_due(now=now, worker="other", lease=timedelta(minutes=1))
    assert SEND in {job.kind for job in claimed}
    actions = CaseActions(config=shipped_config, store=store, oncall=oncall)
    before = states(store, case.id, SEND)
    with pytest.raises(AlreadyPaged) as refused:
        actions.perform(case.id, WITHDRAW, actor=REP, now=clock.now())
    assert refused.value.users == ()  # nobody recorded yet: a page is on its way
    with store.read() as tx:
        assert tx.cases.get(case.id).status.value == "new"
        assert tx.guides.events() == []
    assert states(store, case.id, SEND) == before == {"running"}


def test_a_sent_page_refuses_the_withdrawal(store, shipped_config, engine):  # noqa: F811
    clock, sender, oncall, runner = engine
    case = new_case(store, shipped_config, clock, deadline_hours=2, oncall=oncall)
    runner.run_due()
    assert len(sender.pages) == 1
    actions = CaseActions(config=shipped_config, store=store, oncall=oncall)
    with pytest.raises(AlreadyPaged) as refused:
        actions.perform(case.id, WITHDRAW, actor=REP, now=clock.now())
    assert refused.value.users == (sender.pages[0][0],)
