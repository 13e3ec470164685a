"""The paging engine on a real store with a fake sender: restart on upgrade, stop on resolve,
nobody on call, and a page held for business hours — on SQLite and Postgres."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.domain.case import Case, MessageRef
from bot.domain.intake import validate_intake
from bot.jobs.runner import JobRunner
from bot.services.deliveries import give_up
from bot.services.oncall import OnCall
from bot.services.open_case import POST_ROOT, open_case
from bot.services.paging import Paging, restart_paging, start_paging, stop_paging
from bot.services.ports import LeadsAlert, ThreadNote

SGT = ZoneInfo("Asia/Singapore")


@dataclass
class FakeSender:
    """Records what would be sent to Slack."""

    pages: list[tuple[str, int, int]] = field(default_factory=list)
    repages: list[tuple[str, int, int]] = field(default_factory=list)
    notes: list[ThreadNote] = field(default_factory=list)
    alerts: list[LeadsAlert] = field(default_factory=list)

    def send_page(self, case, flow, *, user_id, round, level, again=False):
        (self.repages if again else self.pages).append((user_id, round, level))
        return MessageRef(f"D{user_id}", f"{len(self.pages) + len(self.repages)}.0001")

    def post_thread_note(self, case, note, *, restricted=None):
        self.notes.append(note)

    def alert_leads(self, alert, flow, *, leads_channel):
        self.alerts.append(alert)

    def update_root(self, case, flow):
        pass

    def tell_change(self, case, flow, *, user_id, what, by, text, instead_of):
        pass

    def update_page(self, case, flow, ref, *, user_id, round=0, level=0):
        pass


class NoDirectory:
    def user_for_email(self, email):
        return None

    def usergroup_members(self, usergroup_id):
        return ()


@pytest.fixture
def engine(store, shipped_config):
    clock = FakeClock(datetime(2026, 11, 28, 22, 0, tzinfo=SGT))  # Saturday night
    sender = FakeSender()
    oncall = OnCall(config=shipped_config, store=store, directory=NoDirectory(), clock=clock)
    paging = Paging(config=shipped_config, store=store, sender=sender, oncall=oncall, clock=clock)
    handlers = paging.handlers() | {POST_ROOT: lambda job: None}  # the root is marked posted in new_case
    runner = JobRunner(store=store, clock=clock, handlers=handlers, give_up=give_up)
    return clock, sender, oncall, runner


def new_case(store, config, clock, *, deadline_hours: float, oncall=None) -> Case:
    flow = config.flow("prelaunch_review")
    values = {
        "advertiser": "Acme",
        "campaign": f"C{deadline_hours}",
        "market": "SG",
        "deadline": clock.now() + timedelta(hours=deadline_hours),
        "question": "Can this run tonight?",
        "creative_url": "https://x.test/a",
    }
    intake = validate_intake(flow, values, reporter_id="U0REP1", now=clock.now())

    def mark_posted(tx, case, now):
        tx.cases.set_root(case.id, MessageRef("C0ESCALATE", "1.1"), now=now)
        tx.cases.add_event(case.id, kind="details_posted", now=now)
        if oncall is not None:
            start_paging(tx, tx.cases.get(case.id), config=config, oncall=oncall, now=now)

    return open_case(intake, store=store, now=clock.now(), intake_key=f"k{deadline_hours}", on_opened=mark_posted).case


def test_severity_upgrade_restarts_the_policy_and_old_steps_never_fire(store, shipped_config, engine):
    clock, sender, oncall, runner = engine
    case = new_case(store, shipped_config, clock, deadline_hours=72, oncall=oncall)  # SEV3: held till Monday
    runner.run_due()
    assert sender.pages == []
    with store.transaction() as tx:
        tx.cases.set_severity(case.id, "sev1", now=clock.now())
        restart_paging(
            tx, tx.cases.get(case.id), config=shipped_config, oncall=oncall, reason="upgraded", now=clock.now()
        )
    runner.run_due()
    assert [(r, lv) for _, r, lv in sender.pages] == [(1, 1)]
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=SGT))  # the old, held step's due time passes
    runner.run_due()
    with store.read() as tx:
        escalated = [e.data for e in tx.cases.events(case.id) if e.kind == "escalated"]
    assert all(d["round"] >= 1 for d in escalated)
    assert len([p for p in sender.pages if p[1:] == (1, 1)]) == 1  # the old generation's level 1 never ran


def test_stopping_cancels_every_pending_step(store, shipped_config, engine):
    clock, sender, oncall, runner = engine
    case = new_case(store, shipped_config, clock, deadline_hours=2, oncall=oncall)  # SEV1
    runner.run_due()
    assert len(sender.pages) == 1
    with store.transaction() as tx:
        assert stop_paging(tx, case, reason="resolved", now=clock.now()) >= 1
    clock.advance(timedelta(hours=3))
    runner.run_due()
    assert len(sender.pages) == 1
    assert sender.alerts == []


def test_a_level_with_nobody_on_call_alerts_the_leads_and_moves_on_at_once(store, shipped_config, engine):
    clock, sender, oncall, runner = engine
    clock.set(datetime(2026, 12, 1, 11, 0, tzinfo=SGT))  # Tuesday: the shipped rota has no weekday secondary
    new_case(store, shipped_config, clock, deadline_hours=2, oncall=oncall)
    runner.run_due()
    clock.advance(timedelta(minutes=15))
    runner.run_due()
    runner.run_due()
    assert [lv for _, _, lv in sender.pages] == [1, 3]  # primary, then straight to the lead
    assert [a.kind for a in sender.alerts] == ["nobody_on_call"]
    assert any(n.kind == "nobody_on_call" for n in sender.notes)


def test_a_case_filed_during_an_outage_is_told_as_such_not_as_unanswered(store, shipped_config, engine):
    """Nobody was paged while pages could not go out: the leads read "filed during an outage; paging
    now", never "nobody acknowledged it" for a case nobody was asked to acknowledge."""
    clock, sender, oncall, runner = engine
    new_case(store, shipped_config, clock, deadline_hours=2, oncall=oncall)  # SEV1, paged at once…
    clock.advance(timedelta(hours=6))  # …but no job ran for hours (every replica down, or Slack away)
    for _ in range(3):
        runner.run_due()
    kinds = [a.kind for a in sender.alerts]
    assert "backlog" in kinds and "unanswered" not in kinds, kinds
    assert len(sender.pages) == 1  # the level current now, once


def test_a_case_paged_before_the_outage_is_told_as_unanswered(store, shipped_config, engine):
    clock, sender, oncall, runner = engine
    new_case(store, shipped_config, clock, deadline_hours=2, oncall=oncall)
    runner.run_due()
    assert len(sender.pages) == 1
    clock.advance(timedelta(hours=6))
    for _ in range(3):
        runner.run_due()
    kinds = [a.kind for a in sender.alerts]
    assert "unanswered" in kinds and "backlog" not in kinds, kinds
