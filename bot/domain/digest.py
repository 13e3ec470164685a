"""The leads' daily digest: the figures read at `now`, and how they are composed into one Digest.

The rules:

- **Open cases** are counted per severity in severity order (rank 0 first, every severity shown,
  unknown ids last). The most urgent are listed with age and owner: most severe first, then oldest.
- **SLA.** A due time at or before `now` is breached; one within `due_soon` after `now` (4 h) is
  about to breach. Due times come in computed (the flows' SLA calendars live outside the domain).
- **Deadlines**: open cases whose campaign deadline falls in the next `deadline_window` (24 h).
- **Resolved**: cases resolved since `since`, newest first, with their outcome label.
- **Response times**: median and 90th percentile per severity, split by the kind of the local day
  the case was opened on. A public holiday on a weekend counts as a holiday.
- **Sensitive cases** keep only id, severity and status (and when they fall due): composition
  drops advertiser, campaign, owner and outcome, so no renderer can show them.
- **Folding.** Long lists keep their first `Limits` items and the count of the rest.
- **Quiet.** No open case and nothing resolved since `since`: a one-line digest, never silence.
- **Late.** A digest sent after its scheduled time (the bot was down) says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from bot.domain import rota
from bot.domain.case import CaseStatus
from bot.domain.lifecycle import Outcome
from bot.domain.rota_time import as_utc
from bot.domain.severity import Severity

T = TypeVar("T")
ONE_DAY = timedelta(days=1)
_UNKNOWN_RANK = 1_000_000


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


# --- what the store reads ----------------------------------------------------------------------


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


# --- what the digest shows ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseDetails:
    """What a case is about; absent for sensitive cases."""

    advertiser: str
    campaign: str
    owner_id: str | None


@dataclass(frozen=True, slots=True)
class CaseLine:
    """A case as listed: id, severity, status, thread link, and its details unless sensitive."""

    human_id: str
    severity_id: str
    status: CaseStatus
    permalink: str | None
    details: CaseDetails | None

    @property
    def sensitive(self) -> bool:
        return self.details is None


@dataclass(frozen=True, slots=True)
class UrgentCase:
    case: CaseLine
    age: timedelta


@dataclass(frozen=True, slots=True)
class SlaLine:
    case: CaseLine
    measure: Measure
    due_at: datetime


@dataclass(frozen=True, slots=True)
class DeadlineLine:
    case: CaseLine
    deadline_at: datetime


@dataclass(frozen=True, slots=True)
class ResolvedLine:
    case: CaseLine
    resolved_at: datetime
    outcome: str | None  # the label; None when there is none or the case is sensitive


@dataclass(frozen=True, slots=True)
class SeverityTally:
    """One row of "open cases by severity"."""

    severity_id: str
    label: str
    emoji: str
    open: int
    unowned: int


@dataclass(frozen=True, slots=True)
class OnCallLayer:
    """Who is on call for one layer of one schedule now, until when, and who comes next."""

    schedule_title: str
    layer: str
    users: tuple[str, ...]
    until: datetime | None
    next_users: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Folded(Generic[T]):
    """The first items of a list, and how many more there are."""

    items: tuple[T, ...] = ()
    more: int = 0

    @property
    def total(self) -> int:
        return len(self.items) + self.more


def fold(items: Iterable[T], limit: int) -> Folded[T]:
    """Keep the first `limit` items and count the rest."""
    kept = tuple(items)
    return Folded(kept[: max(limit, 0)], max(len(kept) - max(limit, 0), 0))


@dataclass(frozen=True, slots=True)
class Limits:
    """How long each list may get, and the windows of "about to breach" and "deadline soon"."""

    urgent: int = 10
    sla: int = 15
    deadlines: int = 15
    resolved: int = 15
    due_soon: timedelta = timedelta(hours=4)
    deadline_window: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Digest:
    """The leads' summary for one channel at `now`, covering since the last one."""

    now: datetime
    since: datetime
    late: bool
    scheduled_at: datetime | None
    open_by_severity: tuple[SeverityTally, ...]
    urgent: Folded[UrgentCase]
    breached: Folded[SlaLine]
    due_soon: Folded[SlaLine]
    breach_events: BreachCounts
    deadlines: Folded[DeadlineLine]
    resolved: Folded[ResolvedLine]
    resolved_by_outcome: tuple[tuple[str, int], ...]
    opened_since: int
    response_times: tuple[ResponseTime, ...]
    response_days: int
    on_call: tuple[OnCallLayer, ...]
    severity_labels: Mapping[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)

    @property
    def open_total(self) -> int:
        return sum(t.open for t in self.open_by_severity)

    @property
    def unowned_total(self) -> int:
        return sum(t.unowned for t in self.open_by_severity)

    @property
    def quiet(self) -> bool:
        """Nothing open and nothing resolved since the last digest."""
        return self.open_total == 0 and self.resolved.total == 0

    def severity_label(self, severity_id: str) -> str:
        return self.severity_labels.get(severity_id, severity_id)


# --- composition -------------------------------------------------------------------------------


def case_line(
    *,
    human_id: str,
    severity_id: str,
    status: CaseStatus,
    permalink: str | None,
    sensitive: bool,
    advertiser: str,
    campaign: str,
    owner_id: str | None,
) -> CaseLine:
    """A listed case; a sensitive one loses everything but id, severity, status and link."""
    details = None if sensitive else CaseDetails(advertiser=advertiser, campaign=campaign, owner_id=owner_id)
    return CaseLine(human_id=human_id, severity_id=severity_id, status=status, permalink=permalink, details=details)


def _open_line(case: OpenCase) -> CaseLine:
    return case_line(
        human_id=case.human_id,
        severity_id=case.severity_id,
        status=case.status,
        permalink=case.permalink,
        sensitive=case.sensitive,
        advertiser=case.advertiser,
        campaign=case.campaign,
        owner_id=case.owner_id,
    )


def outcome_label(value: str | None) -> str:
    """The words for a stored outcome value (an unknown value is shown as stored)."""
    if value is None:
        return "No outcome recorded"
    try:
        return Outcome(value).label
    except ValueError:
        return value


def _tallies(severities: Sequence[Severity], counts: Sequence[SeverityCount]) -> tuple[SeverityTally, ...]:
    by_id = {c.severity_id: c for c in counts}
    tallies = []
    for severity in severities:
        count = by_id.pop(severity.id, SeverityCount(severity.id, 0, 0))
        tallies.append(SeverityTally(severity.id, severity.label, severity.emoji, count.open, count.unowned))
    for count in sorted(by_id.values(), key=lambda c: c.severity_id):  # severities no flow knows any more
        tallies.append(SeverityTally(count.severity_id, count.severity_id, "", count.open, count.unowned))
    return tuple(tallies)


def on_call_now(
    schedules: Iterable[rota.Schedule], *, now: datetime, overrides: Mapping[str, Sequence[rota.Override]]
) -> tuple[OnCallLayer, ...]:
    """For each schedule and layer: who is on call now, until when, and who is next."""
    found = []
    for schedule in schedules:
        own = tuple(overrides.get(schedule.id, ()))
        current = rota.on_call(schedule, now, overrides=own)
        for layer in schedule.layers:
            until = rota.next_handoff(schedule, now, overrides=own, layer=layer.name)
            following = rota.on_call(schedule, until, overrides=own).get(layer.name, ()) if until else ()
            found.append(
                OnCallLayer(schedule.title, layer.name, tuple(current.get(layer.name, ())), until, tuple(following))
            )
    return tuple(found)


def unique_severities(severities: Iterable[Severity]) -> tuple[Severity, ...]:
    """One severity per id (the first seen), most severe first."""
    seen: dict[str, Severity] = {}
    for severity in severities:
        seen.setdefault(severity.id, severity)
    return tuple(sorted(seen.values(), key=lambda s: s.rank))


def compose_digest(
    *,
    now: datetime,
    since: datetime,
    late: bool,
    severities: Sequence[Severity],
    open_counts: Sequence[SeverityCount],
    open_cases: Sequence[OpenCase],
    sla_dues: Sequence[SlaDue],
    breach_events: BreachCounts,
    deadlines: Sequence[OpenCase],
    resolved: Resolved,
    opened_since: int,
    response_times: Sequence[ResponseTime],
    schedules: Sequence[rota.Schedule],
    overrides: Mapping[str, Sequence[rota.Override]],
    response_days: int = 7,
    scheduled_at: datetime | None = None,
    limits: Limits | None = None,
) -> Digest:
    """Put the figures read at `now` into the order and shape leads read them in."""
    limits = limits or Limits()
    ordered = unique_severities(severities)
    rank = {s.id: s.rank for s in ordered}
    urgent = sorted(open_cases, key=lambda c: (rank.get(c.severity_id, _UNKNOWN_RANK), c.created_at, c.id))
    by_id = {c.id: c for c in open_cases}
    sla_lines = sorted(
        (SlaLine(_open_line(by_id[d.case_id]), d.measure, d.due_at) for d in sla_dues if d.case_id in by_id),
        key=lambda line: (line.due_at, line.case.human_id, line.measure.value),
    )
    window_end = now + limits.deadline_window
    due_deadlines = sorted(
        (c for c in deadlines if c.deadline_at is not None and now <= c.deadline_at < window_end),
        key=lambda c: (c.deadline_at, c.id),
    )
    resolved_lines = [
        ResolvedLine(
            case_line(
                human_id=r.human_id,
                severity_id=r.severity_id,
                status=r.status,
                permalink=r.permalink,
                sensitive=r.sensitive,
                advertiser=r.advertiser,
                campaign=r.campaign,
                owner_id=None,
            ),
            r.resolved_at,
            None if r.sensitive or r.outcome is None else outcome_label(r.outcome),
        )
        for r in sorted(resolved.latest, key=lambda r: (r.resolved_at, r.id), reverse=True)
    ]
    shown = tuple(resolved_lines[: limits.resolved])  # the store lists the newest few; the total counts all
    day_order = list(DayKind)
    return Digest(
        now=now,
        since=since,
        late=late,
        scheduled_at=scheduled_at,
        open_by_severity=_tallies(ordered, open_counts),
        urgent=fold((UrgentCase(_open_line(c), now - c.created_at) for c in urgent), limits.urgent),
        breached=fold((s for s in sla_lines if s.due_at <= now), limits.sla),
        due_soon=fold((s for s in sla_lines if now < s.due_at <= now + limits.due_soon), limits.sla),
        breach_events=breach_events,
        deadlines=fold(
            (DeadlineLine(_open_line(c), c.deadline_at) for c in due_deadlines if c.deadline_at is not None),
            limits.deadlines,
        ),
        resolved=Folded(shown, max(resolved.total, len(resolved_lines)) - len(shown)),
        resolved_by_outcome=tuple(
            (outcome_label(value), count)
            for value, count in sorted(resolved.by_outcome, key=lambda item: (-item[1], item[0] or "~"))
        ),
        opened_since=opened_since,
        response_times=tuple(
            sorted(
                response_times,
                key=lambda r: (
                    rank.get(r.severity_id, _UNKNOWN_RANK),
                    r.severity_id,
                    r.measure.value,
                    day_order.index(r.day),
                ),
            )
        ),
        response_days=response_days,
        on_call=on_call_now(schedules, now=now, overrides=overrides),
        severity_labels={s.id: f"{s.emoji} {s.label}".strip() for s in ordered},
        limits=limits,
    )


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%a %d %b %H:%M %Z")


def summary_line(digest: Digest, *, tz: ZoneInfo) -> str:
    """One plain line: the quiet digest's whole text, or the gist of a full one (notification text)."""
    late = "Late digest — " if digest.late else ""
    since = _local(digest.since, tz)
    if digest.quiet:
        return f"{late}Nothing to report: no open cases, nothing resolved since {since}."
    counts = ", ".join(f"{t.open} {t.severity_id.upper()}" for t in digest.open_by_severity if t.open)
    opened = f"{digest.open_total} open ({counts})" if digest.open_total else "No open cases"
    return f"{late}{opened}, {digest.breached.total} past SLA, {digest.resolved.total} resolved since {since}."
