"""SLA and deadline timers: planned from the case, fired once and on time under freezegun,
across a weekend and a Singapore public holiday (Deepavali in lieu, Monday 9 November 2026)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from bot.clock import SystemClock
from bot.domain.intake import validate_intake
from bot.domain.lifecycle import Action
from bot.domain.permissions import Actor
from bot.jobs.runner import JobRunner
from bot.services.case_actions import ActionRequest, CaseActions
from bot.services.deliveries import give_up
from bot.services.oncall import OnCall
from bot.services.open_case import POST_ROOT, open_case
from bot.services.paging import THREAD_NOTE
from bot.services.timers import Timers, calendar_for, planned, schedule_timers
from tests.services.test_paging_engine import FakeSender, NoDirectory

SGT = ZoneInfo("Asia/Singapore")
FRIDAY_5PM = datetime(2026, 11, 6, 17, 0, tzinfo=SGT)


def sgt(*args: int) -> datetime:
    return datetime(*args, tzinfo=SGT).astimezone(UTC)


def make_case(
    store, config, *, flow_id="prelaunch_review", deadline: datetime, question="Can it run?", severity="sev2"
):
    flow = config.flow(flow_id)
    now = datetime.now(UTC)
    values = {
        "advertiser": "Acme",
        "campaign": "Launch",
        "market": "SG",
        "deadline": deadline,
        "question": question,
        "creative_url": "https://x.test/a",
        "severity": severity,
        "audience": "executive",
    }
    intake = validate_intake(flow, values, reporter_id="U0REP1", now=now)

    def on_opened(tx, case, when):
        schedule_timers(tx, tx.cases.get(case.id), when, config=config)

    return open_case(intake, store=store, now=now, intake_key="k", on_opened=on_opened).case


def test_business_hours_slas_skip_the_weekend_and_the_holiday(store, shipped_config):
    with freeze_time(FRIDAY_5PM):
        case = make_case(store, shipped_config, deadline=sgt(2026, 11, 12, 12, 0), severity="sev3")
        timers = {name: due for _, name, due, _ in planned(shipped_config, case, datetime.now(UTC))}
    assert calendar_for(shipped_config, case).mode.value == "business_hours"
    assert timers["acknowledge:breach"] == sgt(2026, 11, 10, 12, 0)  # 4 h: Fri 1 h, holiday Monday skipped, Tue 3 h
    # 2d on a business-hours clock is two business days (18 h): Fri 1 h, Tue 9 h, Wed 8 h.
    assert timers["resolve:breach"] == sgt(2026, 11, 11, 17, 0)
    assert timers["resolve:warning"] == sgt(2026, 11, 11, 13, 24)  # 80 % of 18 h = 14 h 24 min
    assert timers["24h"] == sgt(2026, 11, 11, 12, 0) and timers["2h"] == sgt(2026, 11, 12, 10, 0)
    assert timers["passed"] == sgt(2026, 11, 12, 12, 0)


def test_sev2_of_a_business_hours_flow_counts_every_hour(store, shipped_config):
    with freeze_time(FRIDAY_5PM):
        case = make_case(store, shipped_config, deadline=sgt(2026, 11, 12, 12, 0), severity="sev2")
        timers = {name: due for _, name, due, _ in planned(shipped_config, case, datetime.now(UTC))}
    assert calendar_for(shipped_config, case).mode.value == "wall"
    assert timers["acknowledge:breach"] == sgt(2026, 11, 6, 17, 30)
    assert timers["resolve:breach"] == sgt(2026, 11, 7, 1, 0)  # 8 h on Friday night, not next Tuesday


def test_a_wall_clock_flow_counts_the_weekend(store, shipped_config):
    with freeze_time(FRIDAY_5PM):
        case = make_case(store, shipped_config, flow_id="pr_risk", deadline=sgt(2026, 11, 12, 12, 0))
        timers = {name: due for _, name, due, _ in planned(shipped_config, case, datetime.now(UTC))}
    assert timers["resolve:breach"] == sgt(2026, 11, 7, 1, 0)  # 8 h of wall time


@pytest.fixture
def runner(store, shipped_config):
    sender = FakeSender()
    handlers = Timers(shipped_config, store, sender).handlers() | {
        POST_ROOT: lambda job: None,
        THREAD_NOTE: lambda job: None,
    }
    return JobRunner(store=store, clock=SystemClock(), handlers=handlers, give_up=give_up), sender


def fired(store, case_id):
    with store.read() as tx:
        return [(e.kind, e.data) for e in tx.cases.events(case_id) if e.kind.startswith(("sla_", "deadline_"))]


def test_timers_fire_once_in_order_when_time_jumps_over_the_weekend(store, shipped_config, runner):
    job_runner, sender = runner
    with freeze_time(FRIDAY_5PM) as frozen:
        case = make_case(store, shipped_config, deadline=sgt(2026, 11, 12, 12, 0))
        frozen.move_to(sgt(2026, 11, 6, 17, 29))
        job_runner.run_due()
        assert fired(store, case.id) == [("sla_warning", {"which": "acknowledge"})]  # 80 % of 30 min: 17:24
        frozen.move_to(sgt(2026, 11, 10, 16, 0))  # over the weekend and the holiday, to the resolve breach
        job_runner.run_due()
        job_runner.run_due()
        kinds = fired(store, case.id)
        assert kinds == [
            ("sla_warning", {"which": "acknowledge"}),
            ("sla_breach", {"which": "acknowledge"}),
            ("sla_warning", {"which": "resolve"}),
            ("sla_breach", {"which": "resolve"}),
        ]
        assert [a.kind for a in sender.alerts] == ["acknowledge_breach", "resolve_breach"]
        frozen.move_to(sgt(2026, 11, 12, 12, 0))
        job_runner.run_due()
        # (4 h before the deadline the flow's rule raised it to SEV1, whose SLAs were past: they fired too.)
        assert [k for k, _ in fired(store, case.id) if k.startswith("deadline_")] == [
            "deadline_reminder",
            "deadline_reminder",
            "deadline_passed",
        ]
        assert [a.kind for a in sender.alerts].count("deadline_breach") == 1


def test_waiting_on_the_rep_pauses_the_resolve_clock_and_resolving_stops_everything(store, shipped_config, runner):
    job_runner, _ = runner
    oncall = OnCall(config=shipped_config, store=store, directory=NoDirectory(), clock=SystemClock())

    def retime(tx, case, now):
        schedule_timers(tx, case, now, config=shipped_config)

    actions = CaseActions(config=shipped_config, store=store, oncall=oncall, on_timers=retime)
    staff = Actor("U0SPEC1", is_staff=True)
    with freeze_time(sgt(2026, 11, 10, 9, 0)) as frozen:  # Tuesday 09:00
        case = make_case(store, shipped_config, deadline=sgt(2026, 11, 20, 12, 0))
        actions.perform(
            case.id, ActionRequest(Action.REQUEST_INFO, text="Which markets?"), actor=staff, now=datetime.now(UTC)
        )
        with store.read() as tx:
            paused = tx.cases.get(case.id)
        assert not [n for _, n, _, _ in planned(shipped_config, paused, datetime.now(UTC)) if n.startswith("resolve")]
        frozen.move_to(sgt(2026, 11, 10, 11, 0))  # the rep answers two business hours later
        actions.perform(
            case.id,
            ActionRequest(Action.REP_REPLIED, text="SG only"),
            actor=Actor("U0REP1", False),
            now=datetime.now(UTC),
        )
        with store.read() as tx:
            resumed = tx.cases.get(case.id)
        due = {n: d for _, n, d, _ in planned(shipped_config, resumed, datetime.now(UTC))}
        assert due["resolve:breach"] == sgt(2026, 11, 10, 19, 0)  # SEV2, wall clock: 8 h from 09:00 + 2 h paused
        actions.perform(
            case.id, ActionRequest(Action.RESOLVE, text="ok", outcome=None), actor=staff, now=datetime.now(UTC)
        )
        frozen.move_to(sgt(2026, 11, 21, 0, 0))
        job_runner.run_due()
        assert fired(store, case.id) == []
