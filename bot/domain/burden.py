"""On-call burden per person: shifts, hours and pages split by kind of time, and who covered whom.

Kinds of time, in the schedule's zone and calendar: a public holiday (its whole local day, also on a
weekend), a weekend day, a working day's business hours ("weekday"), or a working day outside them
("weeknight"). A shift counts once, under the kind of time it starts in; its hours are split exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.rota_model import BusinessHours, Shift
from bot.domain.rota_time import as_utc, local_instant


class TimeKind(StrEnum):
    WEEKDAY = "weekday"
    WEEKNIGHT = "weeknight"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"


KINDS = tuple(TimeKind)


@dataclass(frozen=True, slots=True)
class Calendar:
    """How a schedule's time divides into kinds (its zone, business hours and holidays)."""

    zone: ZoneInfo
    hours: BusinessHours
    holidays: frozenset[date]

    def kind_of(self, at: datetime) -> TimeKind:
        local = at.astimezone(self.zone)
        day = local.date()
        if day in self.holidays:
            return TimeKind.HOLIDAY
        if day.weekday() >= 5:
            return TimeKind.WEEKEND
        if day.weekday() in self.hours.days and self.hours.start <= local.time() < self.hours.end:
            return TimeKind.WEEKDAY
        return TimeKind.WEEKNIGHT

    def split(self, start_at: datetime, end_at: datetime) -> dict[TimeKind, timedelta]:
        """The time in [start_at, end_at) of each kind (cut at local midnights and business-hour edges)."""
        start_at, end_at = as_utc(start_at), as_utc(end_at)
        found: dict[TimeKind, timedelta] = defaultdict(timedelta)
        at = start_at
        while at < end_at:
            day = at.astimezone(self.zone).date()
            edges = [
                local_instant(self.zone, day, self.hours.start),
                local_instant(self.zone, day, self.hours.end),
                local_instant(self.zone, day + timedelta(days=1), time(0)),
            ]
            following = min([e for e in edges if e > at] + [end_at])
            found[self.kind_of(at)] += following - at
            at = following
        return dict(found)


@dataclass(frozen=True, slots=True)
class PersonBurden:
    """One person's load over a period."""

    user_id: str
    shifts: dict[TimeKind, int] = field(default_factory=dict)
    hours: dict[TimeKind, float] = field(default_factory=dict)
    pages: dict[TimeKind, int] = field(default_factory=dict)
    covered: tuple[tuple[str, float], ...] = ()  # (whom this person covered for, hours)
    covered_by: tuple[tuple[str, float], ...] = ()  # (who covered for this person, hours)

    @property
    def total_hours(self) -> float:
        return sum(self.hours.values())

    @property
    def total_pages(self) -> int:
        return sum(self.pages.values())

    @property
    def total_shifts(self) -> int:
        return sum(self.shifts.values())


@dataclass(frozen=True, slots=True)
class Burden:
    """Everyone's load over [start_at, end_at), heaviest first."""

    start_at: datetime
    end_at: datetime
    people: tuple[PersonBurden, ...]


def _hours(value: timedelta) -> float:
    return round(value.total_seconds() / 3600, 2)


def burden(
    *,
    start_at: datetime,
    end_at: datetime,
    shifts: Iterable[tuple[Shift, Calendar]],
    natural: Iterable[Shift] = (),
    pages: Iterable[tuple[str, datetime]] = (),
    page_calendar: Calendar | None = None,
) -> Burden:
    """Compose the burden: `shifts` as the rota ran (with overrides, each with its schedule's calendar,
    clipped to the period), `natural` the same without overrides (to see who an override relieved),
    `pages` (person, sent at) read with `page_calendar`."""
    shift_counts: dict[str, dict[TimeKind, int]] = defaultdict(lambda: defaultdict(int))
    hours: dict[str, dict[TimeKind, timedelta]] = defaultdict(lambda: defaultdict(timedelta))
    page_counts: dict[str, dict[TimeKind, int]] = defaultdict(lambda: defaultdict(int))
    covered: dict[str, dict[str, timedelta]] = defaultdict(lambda: defaultdict(timedelta))
    covered_by: dict[str, dict[str, timedelta]] = defaultdict(lambda: defaultdict(timedelta))
    natural_by_layer: dict[tuple[str, str], list[Shift]] = defaultdict(list)
    for shift in natural:
        natural_by_layer[(shift.schedule_id, shift.layer)].append(shift)
    for shift, calendar in shifts:
        begin, end = max(shift.start_at, start_at), min(shift.end_at, end_at)
        if begin >= end:
            continue
        shift_counts[shift.user_id][calendar.kind_of(begin)] += 1
        for kind, spent in calendar.split(begin, end).items():
            hours[shift.user_id][kind] += spent
        if shift.override_id is None:
            continue
        for other in natural_by_layer[(shift.schedule_id, shift.layer)]:
            if other.user_id == shift.user_id:
                continue
            overlap = min(end, other.end_at) - max(begin, other.start_at)
            if overlap > timedelta(0):
                covered[shift.user_id][other.user_id] += overlap
                covered_by[other.user_id][shift.user_id] += overlap
    for user_id, sent_at in pages:
        if start_at <= sent_at < end_at and page_calendar is not None:
            page_counts[user_id][page_calendar.kind_of(sent_at)] += 1
    people = set(shift_counts) | set(page_counts) | set(covered_by)

    def pairs(table: dict[str, timedelta]) -> tuple[tuple[str, float], ...]:
        return tuple(sorted(((u, _hours(t)) for u, t in table.items()), key=lambda p: (-p[1], p[0])))

    found = [
        PersonBurden(
            user_id=user,
            shifts=dict(shift_counts[user]),
            hours={k: _hours(v) for k, v in hours[user].items()},
            pages=dict(page_counts[user]),
            covered=pairs(covered[user]),
            covered_by=pairs(covered_by[user]),
        )
        for user in people
    ]
    ranked = sorted(found, key=lambda p: (-p.total_hours, -p.total_pages, p.user_id))
    return Burden(start_at=start_at, end_at=end_at, people=tuple(ranked))


def off_hours_share(person: PersonBurden) -> float:
    """The share of the person's on-call hours outside a working day's business hours."""
    total = person.total_hours
    return 0.0 if total == 0 else 1 - person.hours.get(TimeKind.WEEKDAY, 0.0) / total


def rows(result: Burden) -> Sequence[dict[str, object]]:
    """One flat row per person (CSV and tables)."""
    out = []
    for person in result.people:
        row: dict[str, object] = {"user": person.user_id}
        for kind in KINDS:
            row[f"shifts_{kind.value}"] = person.shifts.get(kind, 0)
        for kind in KINDS:
            row[f"hours_{kind.value}"] = person.hours.get(kind, 0.0)
        for kind in KINDS:
            row[f"pages_{kind.value}"] = person.pages.get(kind, 0)
        row["covered"] = "; ".join(f"{u} {h:g}h" for u, h in person.covered)
        row["covered_by"] = "; ".join(f"{u} {h:g}h" for u, h in person.covered_by)
        out.append(row)
    return out
