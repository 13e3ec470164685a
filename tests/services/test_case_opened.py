"""The intake's ack commits the case and one `case.opened` job; that job does the rest, once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.domain.events import EventKind
from bot.domain.intake import validate_intake
from bot.services.case_opened import OpenedFollowUp
from bot.services.oncall import OnCall
from bot.services.open_case import CASE_OPENED, POST_ROOT, file_case
from bot.services.paging import ESCALATE, first_page_due, start_paging
from bot.services.timers import SLA, schedule_timers
from bot.store.store import Store, Tx
from tests.services.test_paging_engine import NoDirectory

SGT = ZoneInfo("Asia/Singapore")
SATURDAY_NIGHT = datetime(2026, 11, 28, 22, 0, tzinfo=SGT)  # outside business hours: a SEV3 is held


def _intake(config, *, severity: str = "sev3", now: datetime = SATURDAY_NIGHT):
    values = {
        "advertiser": "Acme",
        "campaign": "Launch",
        "market": "SG",
        "deadline": now + timedelta(days=5),
        "question": "Can this run tonight?",
        "creative_url": "https://cdn.adsco.test/a.mp4",
        "severity": severity,
    }
    return validate_intake(config.flow("prelaunch_review"), values, reporter_id="U0REP1", now=now)


def _follow_up(store: Store, config) -> OpenedFollowUp:
    oncall = OnCall(config=config, store=store, directory=NoDirectory(), clock=FakeClock(SATURDAY_NIGHT))

    def on_opened(tx: Tx, case, now: datetime) -> None:
        start_paging(tx, case, config=config, oncall=oncall, now=now)
        schedule_timers(tx, tx.cases.get(case.id), now, config=config)

    return OpenedFollowUp(config=config, store=store, on_opened=on_opened)


def test_the_ack_commits_the_case_and_one_follow_up_job_and_nothing_else(store, shipped_config):
    opened = file_case(_intake(shipped_config), store=store, now=SATURDAY_NIGHT, intake_key="view:V1:h1")
    assert opened.created
    with store.read() as tx:
        assert tx.jobs.states(case_id=opened.case.id) == {f"{CASE_OPENED}:{opened.case.id}": "pending"}
        assert [e.kind for e in tx.cases.events(opened.case.id)] == [EventKind.OPENED]
        stored = tx.cases.get(opened.case.id)
    # What the ack renders is what a read gives back.
    assert stored == opened.case
    again = file_case(_intake(shipped_config), store=store, now=SATURDAY_NIGHT, intake_key="view:V1:h1")
    assert not again.created and again.case == stored


def test_the_follow_up_posts_pages_and_times_the_case_as_the_ack_said(store, shipped_config):
    opened = file_case(_intake(shipped_config), store=store, now=SATURDAY_NIGHT, intake_key="view:V1:h1")
    follow_up = _follow_up(store, shipped_config)
    with store.read() as tx:
        (job,) = tx.jobs.pending_for_case(opened.case.id, kind=CASE_OPENED)
    effect = follow_up.follow_up(job)
    assert effect is not None
    later = SATURDAY_NIGHT + timedelta(minutes=3)  # the runner got to it a little after the ack
    with store.transaction() as tx:
        effect(tx, later)
    with store.read() as tx:
        states = tx.jobs.states(case_id=opened.case.id)
        events = tx.cases.events(opened.case.id)
        escalations = tx.jobs.pending_for_case(opened.case.id, kind=ESCALATE)
    assert states[f"{POST_ROOT}:{opened.case.id}"] == "pending"
    assert any(key.startswith(f"{SLA}:") for key in states)
    started = [e.data for e in events if e.kind == EventKind.PAGING_STARTED]
    # Planned from the moment the case was opened: the first page is held to Monday's business hours,
    # at the time the ack computed without waiting for the job.
    due_at, _ = first_page_due(opened.case, config=shipped_config, now=opened.case.created_at)
    assert due_at > SATURDAY_NIGHT
    assert [datetime.fromisoformat(str(s["first_page_at"])) for s in started] == [due_at]
    assert [job.due_at for job in escalations] == [due_at]


def test_a_follow_up_run_twice_does_its_work_once(store, shipped_config):
    opened = file_case(_intake(shipped_config, severity="sev1"), store=store, now=SATURDAY_NIGHT, intake_key="k")
    follow_up = _follow_up(store, shipped_config)
    with store.read() as tx:
        (job,) = tx.jobs.pending_for_case(opened.case.id, kind=CASE_OPENED)
    # E.g. a worker's completion was lost and the job ran again after its lease ran out.
    for _ in range(2):
        effect = follow_up.follow_up(job)
        assert effect is not None
        with store.transaction() as tx:
            effect(tx, SATURDAY_NIGHT)
    with store.read() as tx:
        events = [e.kind for e in tx.cases.events(opened.case.id)]
        case = tx.cases.get(opened.case.id)
        escalations = tx.jobs.pending_for_case(opened.case.id, kind=ESCALATE)
    assert events.count(EventKind.PAGING_STARTED) == 1
    assert case.paging_generation == 1
    assert len(escalations) == 1
