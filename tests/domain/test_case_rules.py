"""Rules that each live once in the domain (issue 18): the business schedule, the running SLA clocks,
the hold of the first page, what a lifecycle action changes, and how a refusal is worded."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.business import flow_schedule, policy_schedule, sla_calendar, team_schedule
from bot.domain.case import Case, CaseStatus
from bot.domain.case_change import KEEP, ActionRequest, change_for
from bot.domain.digest_input import Measure
from bot.domain.flow import Flow
from bot.domain.lifecycle import Action, InvalidTransition, Outcome
from bot.domain.policy import Policy, PolicyLevel, Target, TargetKind
from bot.domain.refusal import Refusal
from bot.domain.rota_model import Layer, Schedule
from bot.domain.severity import Severity
from bot.domain.sla import SlaClock
from bot.domain.sla_clocks import running_clocks

SGT = ZoneInfo("Asia/Singapore")
T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
SEV3 = Severity("sev3", "Normal", ":large_blue_circle:", 2, timedelta(hours=4), timedelta(days=2))


def schedule(schedule_id: str, zone: ZoneInfo = SGT) -> Schedule:
    return Schedule(id=schedule_id, title=schedule_id, timezone=zone, layers=(Layer("primary", ()),))


def policy(policy_id: str, *refs: tuple[TargetKind, str]) -> Policy:
    levels = tuple(PolicyLevel((Target(kind, ref, "primary"),), timedelta(minutes=10)) for kind, ref in refs)
    return Policy(id=policy_id, description="", levels=levels, repeat=1)


def flow(**overrides: object) -> Flow:
    base = Flow(
        id="prelaunch",
        title="Pre-launch",
        description="",
        channel_id="C0ESCALATE",
        policy="ads",
        fields=(),
        severities=(SEV3,),
        default_severity="sev3",
        sla_clock="business_hours",
    )
    return replace(base, **overrides)


def case(**overrides: object) -> Case:
    base = Case(
        id=1,
        human_id="ADS-1001",
        flow_id="prelaunch",
        status=CaseStatus.NEW,
        severity_id="sev3",
        reporter_id="U0REP1",
        advertiser="Acme",
        campaign="Spring",
        market="SG",
        summary="",
        deadline_at=None,
        sensitive=False,
        created_at=T0,
    )
    return replace(base, **overrides)


SCHEDULES = {"oncall": schedule("oncall"), "legal": schedule("legal", ZoneInfo("Europe/London"))}


def test_a_policys_business_schedule_is_the_first_schedule_it_pages_past_people():
    pages = policy("ads", (TargetKind.USER, "U0LEAD1"), (TargetKind.SCHEDULE, "oncall"), (TargetKind.SCHEDULE, "legal"))
    assert policy_schedule(pages, SCHEDULES) == SCHEDULES["oncall"]
    assert policy_schedule(policy("people", (TargetKind.USER, "U0LEAD1")), SCHEDULES) is None


def test_a_flows_schedule_is_its_own_sla_schedule_else_its_policys_and_the_teams_the_first_policys():
    policies = {
        "people": policy("people", (TargetKind.USER, "U1")),
        "ads": policy("ads", (TargetKind.SCHEDULE, "oncall")),
    }
    assert flow_schedule(flow(), policies, SCHEDULES) == SCHEDULES["oncall"]
    assert flow_schedule(flow(sla_schedule="legal"), policies, SCHEDULES) == SCHEDULES["legal"]
    assert flow_schedule(flow(policy="gone"), policies, SCHEDULES) is None
    assert team_schedule(policies.values(), SCHEDULES) == SCHEDULES["oncall"]
    assert team_schedule([policies["people"]], SCHEDULES) is None


def test_the_sla_calendar_runs_on_business_hours_only_with_a_schedule_to_give_them():
    with_hours = sla_calendar(flow(), "sev3", SCHEDULES["legal"], default_zone=SGT)
    assert (with_hours.mode, with_hours.timezone) == (SlaClock.BUSINESS_HOURS, ZoneInfo("Europe/London"))
    without = sla_calendar(flow(), "sev3", None, default_zone=SGT)
    assert (without.mode, without.timezone, without.business_hours) == (SlaClock.WALL, SGT, None)


def test_acknowledge_runs_until_acknowledged_and_resolve_stops_while_waiting_on_the_rep():
    calendar = sla_calendar(flow(sla_clock="wall"), "sev3", None, default_zone=SGT)

    def measures(status: CaseStatus, acknowledged: bool) -> list[Measure]:
        clocks = running_clocks(calendar, SEV3, created_at=T0, status=status, acknowledged=acknowledged, pauses=())
        return [c.measure for c in clocks]

    assert measures(CaseStatus.NEW, False) == [Measure.ACKNOWLEDGE, Measure.RESOLVE]
    assert measures(CaseStatus.INVESTIGATING, True) == [Measure.RESOLVE]
    assert measures(CaseStatus.WAITING_ON_REP, True) == []
    assert measures(CaseStatus.RESOLVED, True) == []
    [acknowledge, resolve] = running_clocks(
        calendar, SEV3, created_at=T0, status=CaseStatus.NEW, acknowledged=False, pauses=()
    )
    assert (acknowledge.timer.duration, resolve.timer.duration) == (timedelta(hours=4), timedelta(days=2))


def test_the_first_page_is_held_only_when_it_waits_ten_minutes_or_more():
    assert case().page_held_until() is None  # paging never started
    assert case(first_page_at=T0).page_held_until() is None  # paged at once
    assert case(first_page_at=T0 + timedelta(minutes=9)).page_held_until() is None
    monday = T0 + timedelta(days=5)
    assert case(first_page_at=monday).page_held_until() == monday


def test_taking_a_case_owns_and_acknowledges_it_and_the_history_shows_what_changed():
    change = change_for(case(), ActionRequest(Action.TAKE), CaseStatus.INVESTIGATING, actor_id="U0SPEC1", now=T0)
    assert change.columns() == {
        "status": CaseStatus.INVESTIGATING,
        "owner_id": "U0SPEC1",
        "acknowledged_by": "U0SPEC1",
        "acknowledged_at": T0,
    }
    assert change.history(case()) == {
        "before": {"status": "new", "owner_id": None, "acknowledged_by": None, "acknowledged_at": None},
        "after": {
            "status": "investigating",
            "owner_id": "U0SPEC1",
            "acknowledged_by": "U0SPEC1",
            "acknowledged_at": T0.isoformat(),
        },
    }


def test_reassigning_to_someone_else_withdraws_the_acknowledgement_until_they_give_theirs():
    taken = case(status=CaseStatus.INVESTIGATING, owner_id="U0SPEC1", acknowledged_by="U0SPEC1", acknowledged_at=T0)
    request = ActionRequest(Action.REASSIGN, user_id="U0SPEC2")
    change = change_for(taken, request, CaseStatus.NEW, actor_id="U0SPEC1", now=T0)
    assert (change.owner_id, change.acknowledged_by, change.acknowledged_at) == ("U0SPEC2", None, None)
    assert change.severity_id is KEEP and change.outcome is KEEP


def test_reopening_does_not_count_the_time_spent_resolved_against_the_resolve_sla():
    resolved_at = T0 + timedelta(hours=2)
    done = case(status=CaseStatus.RESOLVED, outcome="approved", resolved_by="U0SPEC1", resolved_at=resolved_at)
    later = resolved_at + timedelta(days=1)
    change = change_for(done, ActionRequest(Action.REOPEN), CaseStatus.INVESTIGATING, actor_id="U0REP1", now=later)
    assert change.pauses == ((resolved_at, later),)
    assert (change.outcome, change.resolved_by, change.resolved_at) == (None, None, None)
    assert "pauses" not in change.history(done)["after"]


def test_resolving_and_withdrawing_record_their_outcome():
    request = ActionRequest(Action.RESOLVE, text="Run it after 22:00.", outcome=Outcome.APPROVED, policy_ref="P-1")
    resolved = change_for(case(), request, CaseStatus.RESOLVED, actor_id="U0SPEC1", now=T0)
    assert (resolved.outcome, resolved.guidance, resolved.policy_ref) == ("approved", "Run it after 22:00.", "P-1")
    withdrawn = change_for(
        case(), ActionRequest(Action.WITHDRAW, guide_id="alcohol"), CaseStatus.CLOSED, actor_id="U0REP1", now=T0
    )
    assert (withdrawn.outcome, withdrawn.answered_by_guide, withdrawn.resolved_at) == (
        Outcome.ANSWERED_BY_GUIDANCE.value,
        "alcohol",
        KEEP,
    )


def test_a_refusal_is_worded_in_the_readers_language_with_its_words_only_inside_a_translated_sentence():
    refused = InvalidTransition(Action.REOPEN, CaseStatus.WAITING_ON_REP)
    assert str(refused) == "A case that is waiting on rep cannot be reopened."
    japanese = {
        "A case that is {status} cannot be {action}.": "ステータスが「{status}」のケースは「{action}」にできません。",
        "waiting on rep": "担当者の回答待ち",
        "reopened": "再オープン",
    }
    assert (
        refused.render(lambda s: japanese.get(s, s))
        == "ステータスが「担当者の回答待ち」のケースは「再オープン」にできません。"
    )
    only_words = {"waiting on rep": "担当者の回答待ち"}
    assert refused.render(lambda s: only_words.get(s, s)) == "A case that is waiting on rep cannot be reopened."
    at = Refusal("Acknowledged at {at}.", {"at": T0})
    assert at.render(date=lambda when: when.strftime("%H:%M")) == "Acknowledged at 08:00."
