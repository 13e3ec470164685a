"""The business schedule: whose hours and holidays hold a page, run an SLA clock and split a report.

One rule, used by paging (a low-severity page waits for business hours), the SLA timers and the
digest (the flow's clock), and the weekly report (the team's hours): a policy's business schedule is
the first schedule it pages; a flow's is its `sla_schedule`, else its policy's; the team's is the
first policy's that has one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from bot.domain import sla
from bot.domain.flow import Flow
from bot.domain.policy import Policy, TargetKind
from bot.domain.rota_model import Schedule


def policy_schedule(policy: Policy, schedules: Mapping[str, Schedule]) -> Schedule | None:
    """The first schedule `policy` pages (levels in order, targets in order), if any is configured."""
    for level in policy.levels:
        for target in level.targets:
            if target.kind is TargetKind.SCHEDULE and target.ref in schedules:
                return schedules[target.ref]
    return None


def flow_schedule(flow: Flow, policies: Mapping[str, Policy], schedules: Mapping[str, Schedule]) -> Schedule | None:
    """The schedule whose calendar a flow's SLA clock uses: its `sla_schedule`, else its policy's."""
    if flow.sla_schedule is not None:
        return schedules.get(flow.sla_schedule)
    policy = policies.get(flow.policy)
    return policy_schedule(policy, schedules) if policy is not None else None


def team_schedule(policies: Iterable[Policy], schedules: Mapping[str, Schedule]) -> Schedule | None:
    """The team's business hours for reports: the first policy's business schedule."""
    return next((s for p in policies if (s := policy_schedule(p, schedules)) is not None), None)


def sla_calendar(flow: Flow, severity_id: str, schedule: Schedule | None, *, default_zone: ZoneInfo) -> sla.SlaCalendar:
    """The clock a case of `flow` at `severity_id` runs on: business hours (and holidays) of `schedule`
    where the flow asks for them and the schedule has hours, else the wall clock in its zone."""
    hours = schedule.business_hours if schedule else None
    mode = sla.SlaClock(flow.sla_clock_for(severity_id)) if hours is not None else sla.SlaClock.WALL
    return sla.SlaCalendar(
        mode=mode,
        timezone=schedule.timezone if schedule else default_zone,
        business_hours=hours,
        holidays=schedule.holidays if schedule else frozenset(),
        skip_holidays=flow.sla_skip_holidays,
    )
