"""Local wall-clock arithmetic for rotas: handoff instants, turns and restriction windows (all in UTC)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.domain.rota_model import Restriction, Rotation, Schedule

Span = tuple[datetime, datetime]
ONE_DAY = timedelta(days=1)
_SEARCH_DAYS = 400  # how far next_business_start looks before giving up


def resolve_wall(wall: datetime) -> datetime:
    """The first instant (UTC) at which the local clock reads `wall` or later.

    A time that occurs twice (autumn) is its first occurrence; a time skipped by a spring-forward
    gap is the end of the gap (a 02:30 handoff on that day happens at 03:00 new time).
    """
    zone = wall.tzinfo
    first = wall.replace(fold=0).astimezone(UTC)
    back = first.astimezone(zone)
    if (back.date(), back.time()) == (wall.date(), wall.time()):
        return first
    # In a gap, fold=0 reads the wall time with the offset from before the change (too late) and
    # fold=1 with the offset after it (too early); the change itself lies between the two.
    low = wall.replace(fold=1).astimezone(UTC)
    target = back.utcoffset()
    lo, hi = 0, int((first - low).total_seconds())
    while lo < hi:
        mid = (lo + hi) // 2
        if (low + timedelta(seconds=mid)).astimezone(zone).utcoffset() == target:
            hi = mid
        else:
            lo = mid + 1
    return low + timedelta(seconds=hi)


@lru_cache(maxsize=1 << 16)
def local_instant(zone: ZoneInfo, day: date, at: time) -> datetime:
    """The instant (UTC) the local clock in `zone` first reaches `at` on `day`."""
    return resolve_wall(datetime.combine(day, at, tzinfo=zone))


def as_utc(instant: datetime) -> datetime:
    """An aware datetime in UTC; naive ones are refused rather than guessed."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant!r} has no time zone; pass an aware datetime")
    return instant.astimezone(UTC)


# --- turns ------------------------------------------------------------------------------------


def _anchor(rotation: Rotation, zone: ZoneInfo) -> datetime:
    return datetime.combine(rotation.first_day, rotation.handoff, tzinfo=zone)


def turn_start(rotation: Rotation, zone: ZoneInfo, index: int) -> datetime:
    """When turn `index` starts: the anchor plus `index` turns of local wall-clock time."""
    # Adding a timedelta to a datetime in `zone` is wall-clock arithmetic: 09:00 stays 09:00.
    wall = _anchor(rotation, zone) + index * rotation.length
    return local_instant(zone, wall.date(), wall.time())


def turn_index(rotation: Rotation, zone: ZoneInfo, at: datetime) -> int:
    """The turn in progress at `at`, by arithmetic on local time (no walk from the start)."""
    index = (at.astimezone(zone) - _anchor(rotation, zone)) // rotation.length
    while turn_start(rotation, zone, index + 1) <= at:
        index += 1
    while turn_start(rotation, zone, index) > at:
        index -= 1
    return index


def first_turn_at(rotation: Rotation, zone: ZoneInfo) -> datetime:
    """The instant the rotation's first turn begins."""
    return turn_start(rotation, zone, 0)


# --- restriction windows ------------------------------------------------------------------------


def _span(restriction: Restriction, zone: ZoneInfo, day: date) -> Span:
    end_day = day + ONE_DAY if restriction.end <= restriction.start else day
    return local_instant(zone, day, restriction.start), local_instant(zone, end_day, restriction.end)


def window_active(restriction: Restriction, zone: ZoneInfo, holidays: frozenset[date], at: datetime) -> bool:
    """Whether one restriction window holds at the instant `at` (UTC)."""
    day = at.astimezone(zone).date()
    if not restriction.passes(day, holidays):
        return False
    for start_day in (day, day - ONE_DAY):
        if start_day.weekday() in restriction.days:
            start_at, end_at = _span(restriction, zone, start_day)
            if start_at <= at < end_at:
                return True
    return False


def any_active(restrictions: Sequence[Restriction], zone: ZoneInfo, holidays: frozenset[date], at: datetime) -> bool:
    """Whether any window holds at `at`; no windows at all means always."""
    return not restrictions or any(window_active(r, zone, holidays, at) for r in restrictions)


def active_spans(
    restrictions: Sequence[Restriction], zone: ZoneInfo, holidays: frozenset[date], start_at: datetime, end_at: datetime
) -> list[Span]:
    """The disjoint, sorted spans within [start_at, end_at) in which any window holds."""
    if end_at <= start_at:
        return []
    if not restrictions:
        return [(start_at, end_at)]
    first = start_at.astimezone(zone).date() - ONE_DAY
    count = (end_at.astimezone(zone).date() - first).days + 1
    days = [first + timedelta(days=i) for i in range(count + 2)]
    midnights = [local_instant(zone, day, time(0)) for day in days]
    pieces: list[Span] = []
    for i, day in enumerate(days[:count]):
        for restriction in restrictions:
            if day.weekday() not in restriction.days:
                continue
            span_start, span_end = _span(restriction, zone, day)
            # The holiday and date filters go by the local date of each moment: cut at midnight.
            for j in (i, i + 1):
                piece = (max(span_start, midnights[j], start_at), min(span_end, midnights[j + 1], end_at))
                if piece[0] < piece[1] and restriction.passes(days[j], holidays):
                    pieces.append(piece)
    return union(pieces)


# --- spans ------------------------------------------------------------------------------------


def union(spans: Iterable[Span]) -> list[Span]:
    """Sorted disjoint spans covering the same time; touching spans are joined."""
    merged: list[Span] = []
    for start_at, end_at in sorted(spans):
        if merged and start_at <= merged[-1][1]:
            if end_at > merged[-1][1]:
                merged[-1] = (merged[-1][0], end_at)
        else:
            merged.append((start_at, end_at))
    return merged


def subtract(spans: Sequence[Span], minus: Sequence[Span]) -> list[Span]:
    """The parts of sorted disjoint `spans` not covered by sorted disjoint `minus`."""
    left: list[Span] = []
    j = 0
    for start_at, end_at in spans:
        cursor = start_at
        while j < len(minus) and minus[j][1] <= cursor:
            j += 1
        k = j
        while k < len(minus) and minus[k][0] < end_at:
            if minus[k][0] > cursor:
                left.append((cursor, minus[k][0]))
            cursor = max(cursor, minus[k][1])
            k += 1
        if cursor < end_at:
            left.append((cursor, end_at))
    return left


# --- business hours -----------------------------------------------------------------------------


def is_business_hours(schedule: Schedule, at: datetime) -> bool:
    """Whether `at` falls in the schedule's business hours (never on a public holiday)."""
    window = schedule.business_hours.as_restriction()
    return window_active(window, schedule.timezone, schedule.holidays, as_utc(at))


def next_business_start(schedule: Schedule, at: datetime) -> datetime:
    """`at` itself during business hours, else when business hours next begin (UTC)."""
    instant = as_utc(at)
    if is_business_hours(schedule, instant):
        return instant
    hours, zone = schedule.business_hours, schedule.timezone
    day = instant.astimezone(zone).date()
    for offset in range(_SEARCH_DAYS):
        candidate = day + timedelta(days=offset)
        if candidate.weekday() in hours.days and candidate not in schedule.holidays:
            start_at = local_instant(zone, candidate, hours.start)
            if start_at > instant:
                return start_at
    raise ValueError(f"schedule {schedule.id!r} has no business hours within {_SEARCH_DAYS} days of {at}")
