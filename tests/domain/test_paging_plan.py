"""The paging plan as a pure function: pages, re-pages, alerts, the next step and skipped steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.escalation import Step
from bot.domain.paging_plan import AlertKind, PlannedAlert, PlannedPage, plan
from bot.domain.policy import Policy, PolicyLevel, Target, TargetKind

M = timedelta(minutes=1)
T0 = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
PRIMARY = Target(TargetKind.SCHEDULE, "rota", "primary")
SECONDARY = Target(TargetKind.SCHEDULE, "rota", "secondary")
LEAD = Target(TargetKind.SCHEDULE, "rota", "lead")
POLICY = Policy(
    id="p",
    description="",
    levels=(
        PolicyLevel((PRIMARY,), 15 * M, repage_after=5 * M),
        PolicyLevel((SECONDARY,), 15 * M),
        PolicyLevel((LEAD,), 30 * M),
    ),
    repeat=1,
)


def people(**by_level: tuple[str, ...]):
    return lambda level: by_level.get(f"l{level}", ())


def test_a_level_pages_its_people_now_and_again_after_repage_after():
    result = plan(POLICY, Step(1, 1, T0), people(l1=("U1",)), T0)
    assert result.pages == (PlannedPage("U1", T0), PlannedPage("U1", T0 + 5 * M, nth=1))
    assert result.alerts == () and result.skipped == ()
    assert result.next == Step(1, 2, T0 + 15 * M)


def test_nobody_on_call_alerts_the_leads_and_moves_on_now():
    result = plan(POLICY, Step(1, 2, T0), people(l1=("U1",)), T0 + M)
    assert result.pages == ()
    assert result.alerts == (PlannedAlert(AlertKind.NOBODY_ON_CALL, Step(1, 2, T0), T0 + M, repeats=True),)
    assert result.next == Step(1, 3, T0 + M)


def test_the_last_level_alerts_when_its_wait_ends_and_the_last_round_does_not_repeat():
    first_round = plan(POLICY, Step(1, 3, T0), people(l3=("L",)), T0)
    assert first_round.alerts == (PlannedAlert(AlertKind.UNANSWERED, Step(1, 3, T0), T0 + 30 * M, repeats=True),)
    assert first_round.next == Step(2, 1, T0 + 30 * M)
    last = plan(POLICY, Step(2, 3, T0), people(l3=("L",)), T0)
    assert last.alerts[0].repeats is False and last.next is None


def test_a_backlog_pages_the_current_step_once_and_tells_the_leads_of_a_missed_round():
    now = T0 + 61 * M  # levels 2 and 3 of round 1 went by
    result = plan(POLICY, Step(1, 1, T0), people(l1=("U1",)), now)
    assert result.skipped == (Step(1, 1, T0), Step(1, 2, T0 + 15 * M), Step(1, 3, T0 + 30 * M))
    assert result.step == Step(2, 1, now)
    assert result.alerts == (PlannedAlert(AlertKind.UNANSWERED, Step(1, 3, T0 + 30 * M), now, repeats=True),)
    assert result.next == Step(2, 2, now + 15 * M)
