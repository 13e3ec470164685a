"""Everything one digest needs, read in one snapshot: SQL aggregates, SLA due times, the rota.

A job handler calls `read_digest(store, config, now=now, since=since, late=late)`; the SLA due
times use the same calendars and running clocks as the timers (bot/domain/business.py,
bot/domain/sla_clocks.py), computed per flow and severity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.config.holidays import public_holidays
from bot.config.model import Config
from bot.domain import digest as d
from bot.domain import sla
from bot.domain.digest_compose import compose_digest
from bot.domain.digest_input import OpenCase, SlaDue
from bot.domain.rota import Override
from bot.domain.sla_clocks import case_clocks
from bot.services.timers import flow_calendar, schedule_for_flow
from bot.store.reports import ReportRepo
from bot.store.store import Store, Tx

RESPONSE_DAYS = 7


def digest_flows(config: Config, channel_id: str | None) -> frozenset[str] | None:
    """The flows a channel's digest covers: those posting there; every flow for the leads (or None)."""
    if channel_id is None or channel_id == config.app.leads_channel:
        return None
    mine = frozenset(f.id for f in config.flows if f.channel_id == channel_id)
    return mine or None


@lru_cache(maxsize=8)
def _holidays(country: str, subdivision: str | None) -> frozenset[date]:
    return public_holidays(country, subdivision)


def team_holidays(config: Config) -> frozenset[date]:
    """The public holidays of the team's country (app.yaml `holidays`)."""
    return _holidays(config.app.holiday_country, config.app.holiday_subdivision)


def day_calendar(config: Config, flow_ids: frozenset[str] | None = None) -> tuple[ZoneInfo, frozenset[date]]:
    """The zone and holidays that split days into weekday / weekend / holiday: those of the schedule the
    covered flows' clocks use (with its `extra` and `exclude` days), else the team's country list."""
    for flow in config.flows:
        if flow_ids is None or flow.id in flow_ids:
            schedule = schedule_for_flow(config, flow.id)
            if schedule is not None:
                return schedule.timezone, schedule.holidays
    return config.app.timezone, team_holidays(config)


def sla_dues(config: Config, cases: Sequence[OpenCase]) -> list[SlaDue]:
    """When each running SLA clock of each open case falls due (the rule of bot/domain/sla_clocks.py)."""
    calendars: dict[tuple[str, str], sla.SlaCalendar] = {}
    found = []
    for case in cases:
        try:
            severity = config.flow(case.flow_id).severity(case.severity_id)
        except KeyError:
            continue  # a flow or severity no longer configured: counted, but it has no SLA to show
        calendar = calendars.get((case.flow_id, case.severity_id))
        if calendar is None:  # the clock depends on the flow and the severity
            calendar = calendars[case.flow_id, case.severity_id] = flow_calendar(config, case.flow_id, case.severity_id)
        clocks = case_clocks(calendar, severity, case)
        for clock in clocks:
            due_at = sla.timer_due_at(calendar, clock.timer)
            if due_at is not None:
                found.append(SlaDue(case.id, clock.measure, due_at))
    return found


def load_digest(
    tx: Tx,
    config: Config,
    *,
    now: datetime,
    since: datetime,
    late: bool,
    overrides: Mapping[str, Sequence[Override]] | None = None,
    channel_id: str | None = None,
    scheduled_at: datetime | None = None,
    holidays: frozenset[date] | None = None,
    limits: d.Limits | None = None,
) -> d.Digest:
    """Read the figures in `tx` and compose the digest (overrides read from `tx` when not given)."""
    limits = limits or d.Limits()
    flows = digest_flows(config, channel_id)
    reports = ReportRepo(tx.session, prefix=config.app.case_prefix, flow_ids=flows)
    counts, open_cases = reports.open_cases_summary()
    if overrides is None:
        overrides = {s: tuple(tx.overrides.active(s, ending_after=now)) for s in config.schedules}
    response_start = now - timedelta(days=RESPONSE_DAYS)
    zone, schedule_holidays = day_calendar(config, flows)
    return compose_digest(
        now=now,
        since=since,
        late=late,
        scheduled_at=scheduled_at,
        severities=[s for f in config.flows if flows is None or f.id in flows for s in f.severities],
        open_counts=counts,
        open_cases=open_cases,
        sla_dues=sla_dues(config, open_cases),
        breach_events=reports.breach_events_since(since, now=now),
        deadlines=reports.deadlines_between(now, now + limits.deadline_window),
        resolved=reports.resolved_since(since, now=now, limit=limits.resolved),
        opened_since=reports.opened_since(since, now=now),
        response_times=reports.response_times(
            response_start,
            now,
            tz=zone,
            holidays=schedule_holidays if holidays is None else holidays,
        ),
        response_days=RESPONSE_DAYS,
        schedules=list(config.schedules.values()),
        overrides=overrides,
        limits=limits,
    )


def read_digest(
    store: Store,
    config: Config,
    *,
    now: datetime,
    since: datetime,
    late: bool,
    channel_id: str | None = None,
    scheduled_at: datetime | None = None,
) -> d.Digest:
    """The digest from one read snapshot of the store (never waits for writers)."""
    with store.read(patient=True) as tx:  # background work: no person waits on it
        return load_digest(
            tx, config, now=now, since=since, late=late, channel_id=channel_id, scheduled_at=scheduled_at
        )
