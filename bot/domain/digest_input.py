"""What the store reads for the leads' digest and weekly report: open and resolved cases, counts and response times.

Plain records filled by `bot.store.reports`; `bot.domain.digest` composes them into a Digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain import rota
from bot.domain.case import CaseStatus
from bot.domain.rota_time import as_utc

ONE_DAY = timedelta(days=1)


class DayKind(StrEnum):
    """The kind of a local day, for response times."""

    WEEKDAY = "weekday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


class Measure(StrEnum):
    """What is timed: until someone acknowledges, or until the case is resolved."""

    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


def day_kind(day: date, holidays: frozenset[date]) -> DayKind:
    """Holiday first (even on a weekend), then Saturday and Sunday, else a weekday."""
    if day in holidays:
        return DayKind.HOLIDAY
    return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WEEKDAY


def day_spans(
    start_at: datetime, end_at: datetime, zone: ZoneInfo, holidays: frozenset[date]
) -> tuple[tuple[datetime, datetime, DayKind], ...]:
    """The local days overlapping [start_at, end_at) as UTC spans (local midnight to midnight) with their kind."""
    spans = []
    day = as_utc(start_at).astimezone(zone).date()
    while (day_start := rota.local_instant(zone, day, time(0))) < end_at:
        spans.append((day_start, rota.local_instant(zone, day + ONE_DAY, time(0)), day_kind(day, holidays)))
        day += ONE_DAY
    return tuple(spans)


@dataclass(frozen=True, slots=True)
class OpenCase:
    """An open case as the digest needs it (a few columns, never the whole row)."""

    id: int
    human_id: str
    flow_id: str
    severity_id: str
    status: CaseStatus
    advertiser: str
    campaign: str
    sensitive: bool
    created_at: datetime
    owner_id: str | None = None
    acknowledged_by: str | None = None
    deadline_at: datetime | None = None
    permalink: str | None = None
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()


@dataclass(frozen=True, slots=True)
class ResolvedCase:
    """A case resolved since the last digest."""

    id: int
    human_id: str
    severity_id: str
    status: CaseStatus
    advertiser: str
    campaign: str
    sensitive: bool
    resolved_at: datetime
    outcome: str | None = None
    permalink: str | None = None


@dataclass(frozen=True, slots=True)
class Resolved:
    """Cases resolved in a window: how many, how many per outcome value, and the newest few."""

    total: int = 0
    by_outcome: tuple[tuple[str | None, int], ...] = ()
    latest: tuple[ResolvedCase, ...] = ()


@dataclass(frozen=True, slots=True)
class SeverityCount:
    """Open cases of one severity, and how many of them nobody owns."""

    severity_id: str
    open: int
    unowned: int


@dataclass(frozen=True, slots=True)
class BreachCounts:
    """Cases with an SLA breach or a passed campaign deadline recorded in a window."""

    acknowledge: int = 0
    resolve: int = 0
    deadlines_passed: int = 0

    @property
    def any(self) -> bool:
        return bool(self.acknowledge or self.resolve or self.deadlines_passed)


@dataclass(frozen=True, slots=True)
class ResponseTime:
    """Median and 90th percentile of one measure, for one severity and one kind of day."""

    severity_id: str
    day: DayKind
    measure: Measure
    count: int
    median: timedelta
    p90: timedelta


@dataclass(frozen=True, slots=True)
class SlaDue:
    """When an open case's acknowledge or resolve SLA falls due (computed from its flow's calendar)."""

    case_id: int
    measure: Measure
    due_at: datetime
