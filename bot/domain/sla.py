"""SLA clocks: when an acknowledge or resolve SLA falls due, counting wall time or business hours.

The rules:

- **Counted time.** A `SlaCalendar` says which real time counts. In `wall` mode every instant
  counts, except whole local holiday days when `skip_holidays` (local midnight to local
  midnight, so an SLA started on Christmas Eve evening runs on through Boxing Day). In
  `business_hours` mode only the daily window of each business day counts, and not on a
  holiday when `skip_holidays`. Windows are same-day (`start` before `end`).
- **DST.** Counted time is real elapsed time (UTC). A window runs from the first instant the
  local clock reads `start` to the first instant it reads `end` (as `rota_time.local_instant`):
  a window holding the spring-forward gap is an hour shorter (00:00-12:00 in London on
  28 March 2027 is 11 h), one holding the repeated autumn hour an hour longer (13 h on
  25 October 2026); a time skipped by the gap means the end of the gap, a repeated time its
  first occurrence; a window wholly inside the gap is empty. Holiday days are likewise 23 h or
  25 h on DST days.
- **Due.** `due_at` is the earliest instant at which `duration` of counted time has elapsed, so
  an SLA using up a window exactly is due at the window's end, not when the next one opens.
- **Pauses.** A `SlaTimer` does not count its pauses (while a case waits on the rep), so each
  pause moves the due time later by the counted time inside it. An open pause leaves no due
  time, unless the timer was already due before that pause began. `remaining` is in counted
  time and goes negative once breached.
- **Reminders.** `deadline_reminders` are plain real time before a campaign deadline; ones
  already before `now` are skipped, never fired late.
- All instants going in must be aware; instants coming out are in UTC.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.domain.rota_model import BusinessHours
from bot.domain.rota_time import as_utc, local_instant

# A stretch of counted time; an end of None runs on for ever.
Stretch = tuple[datetime, datetime | None]
ONE_DAY = timedelta(days=1)
ZERO = timedelta()
DEFAULT_REMINDERS = (timedelta(hours=24), timedelta(hours=2))


class SlaClock(StrEnum):
    """Which real time an SLA clock counts."""

    WALL = "wall"
    BUSINESS_HOURS = "business_hours"


@dataclass(frozen=True, slots=True)
class SlaCalendar:
    """A flow's SLA clock: wall time or business hours in `timezone`, optionally skipping holidays."""

    mode: SlaClock
    timezone: ZoneInfo
    business_hours: BusinessHours | None = None
    holidays: frozenset[date] = frozenset()
    skip_holidays: bool = True

    def __post_init__(self) -> None:
        if self.mode != SlaClock.BUSINESS_HOURS:
            return
        hours = self.business_hours
        if hours is None:
            raise ValueError("a business-hours SLA clock needs business hours")
        if not hours.days or not hours.days <= frozenset(range(7)):
            raise ValueError("business days are 0 (Monday) to 6 (Sunday), at least one of them")
        if hours.end <= hours.start:
            raise ValueError("business hours must end after they start on the same day")


@dataclass(frozen=True, slots=True)
class SlaTimer:
    """An SLA of `duration` counted from `started_at`, not counting its pauses (an open one ends None)."""

    started_at: datetime
    duration: timedelta
    paused: tuple[tuple[datetime, datetime | None], ...] = ()

    def __post_init__(self) -> None:
        as_utc(self.started_at)
        if self.duration < ZERO:
            raise ValueError("an SLA cannot be shorter than zero")
        previous_end: datetime | None = as_utc(self.started_at)
        for start_at, end_at in self.paused:
            if previous_end is None:
                raise ValueError("only the last pause may still be open")
            if as_utc(start_at) < previous_end:
                raise ValueError("pauses are in order, after the SLA clock starts, and do not overlap")
            if end_at is not None and as_utc(end_at) < as_utc(start_at):
                raise ValueError("a pause must end after it begins")
            previous_end = None if end_at is None else as_utc(end_at)

    @property
    def is_paused(self) -> bool:
        """Whether the last pause is still open."""
        return bool(self.paused) and self.paused[-1][1] is None

    def pause(self, at: datetime) -> SlaTimer:
        """The same timer paused from `at`; ValueError if it is paused already."""
        if self.is_paused:
            raise ValueError("the SLA clock is already paused")
        return replace(self, paused=(*self.paused, (at, None)))

    def resume(self, at: datetime) -> SlaTimer:
        """The same timer running again from `at`; ValueError if it is not paused."""
        if not self.is_paused:
            raise ValueError("the SLA clock is not paused")
        return replace(self, paused=(*self.paused[:-1], (self.paused[-1][0], at)))


# --- counted stretches -------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _holiday_runs(holidays: frozenset[date]) -> tuple[tuple[date, date], ...]:
    """Consecutive holidays joined into inclusive runs, sorted."""
    runs: list[tuple[date, date]] = []
    for day in sorted(holidays):
        if runs and runs[-1][1] + ONE_DAY == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return tuple(runs)


def _wall_stretches(calendar: SlaCalendar, start_at: datetime) -> Iterator[Stretch]:
    cursor, zone = start_at, calendar.timezone
    if calendar.skip_holidays:
        runs = _holiday_runs(calendar.holidays)
        first = bisect_left(runs, start_at.astimezone(zone).date(), key=lambda run: run[1])
        for run_first, run_last in runs[first:]:
            run_start = local_instant(zone, run_first, time(0))
            if run_start > cursor:
                yield cursor, run_start
            cursor = max(cursor, local_instant(zone, run_last + ONE_DAY, time(0)))
    yield cursor, None


def _business_stretches(calendar: SlaCalendar, hours: BusinessHours, start_at: datetime) -> Iterator[Stretch]:
    zone = calendar.timezone
    skipped = calendar.holidays if calendar.skip_holidays else frozenset()
    # A day's window lies within that local day, so nothing before start_at's own date counts.
    day = start_at.astimezone(zone).date()
    while True:
        if day.weekday() in hours.days and day not in skipped:
            window_start = max(local_instant(zone, day, hours.start), start_at)
            window_end = local_instant(zone, day, hours.end)
            if window_start < window_end:
                yield window_start, window_end
        day += ONE_DAY


def _stretches(calendar: SlaCalendar, start_at: datetime) -> Iterator[Stretch]:
    """The sorted, disjoint stretches of counted time from `start_at` on, for ever."""
    if calendar.mode == SlaClock.BUSINESS_HOURS and calendar.business_hours is not None:
        return _business_stretches(calendar, calendar.business_hours, start_at)
    return _wall_stretches(calendar, start_at)


# --- the clock ---------------------------------------------------------------------------------


def due_at(calendar: SlaCalendar, start_at: datetime, duration: timedelta) -> datetime:
    """The earliest instant (UTC) at which `duration` of counted time has elapsed since `start_at`."""
    if duration < ZERO:
        raise ValueError("an SLA cannot be shorter than zero")
    left = duration
    start_at = as_utc(start_at)
    if left == ZERO:
        return start_at
    for stretch_start, stretch_end in _stretches(calendar, start_at):
        if stretch_end is None or stretch_end - stretch_start >= left:
            return stretch_start + left
        left -= stretch_end - stretch_start
    raise AssertionError("counted stretches never run out")  # pragma: no cover


def elapsed(calendar: SlaCalendar, start_at: datetime, end_at: datetime) -> timedelta:
    """The counted time from `start_at` to `end_at` (negative if `end_at` comes first)."""
    start_at, end_at = as_utc(start_at), as_utc(end_at)
    if end_at < start_at:
        return -elapsed(calendar, end_at, start_at)
    total = ZERO
    for stretch_start, stretch_end in _stretches(calendar, start_at):
        if stretch_start >= end_at:
            break
        total += (end_at if stretch_end is None else min(stretch_end, end_at)) - stretch_start
    return total


# --- timers ------------------------------------------------------------------------------------


def _reaches(calendar: SlaCalendar, timer: SlaTimer, amount: timedelta) -> datetime | None:
    """When the timer has counted `amount` outside its pauses; None if an open pause comes first."""
    left, cursor = amount, as_utc(timer.started_at)
    for pause_start, pause_end in timer.paused:
        before_pause = elapsed(calendar, cursor, max(cursor, as_utc(pause_start)))
        if before_pause >= left:
            break
        if pause_end is None:
            return None
        left -= before_pause
        cursor = max(cursor, as_utc(pause_end))
    return due_at(calendar, cursor, left)


def _counted_so_far(calendar: SlaCalendar, timer: SlaTimer, now: datetime) -> timedelta:
    total, cursor, now = ZERO, as_utc(timer.started_at), as_utc(now)
    for pause_start, pause_end in timer.paused:
        total += elapsed(calendar, cursor, max(cursor, min(as_utc(pause_start), now)))
        cursor = max(cursor, now if pause_end is None else min(as_utc(pause_end), now))
    return total + elapsed(calendar, cursor, max(cursor, now))


def timer_due_at(calendar: SlaCalendar, timer: SlaTimer) -> datetime | None:
    """When the timer falls due (UTC); None while paused, unless it fell due before the pause."""
    return _reaches(calendar, timer, timer.duration)


def warning_at(calendar: SlaCalendar, timer: SlaTimer, fraction: float = 0.8) -> datetime | None:
    """When `fraction` of the timer's duration has been counted; None while paused before then."""
    if not 0 < fraction <= 1:
        raise ValueError("a warning fraction is above 0 and at most 1")
    return _reaches(calendar, timer, timer.duration * fraction)


def remaining(calendar: SlaCalendar, timer: SlaTimer, now: datetime) -> timedelta:
    """Counted time left at `now`; negative by the counted time overdue once breached."""
    return timer.duration - _counted_so_far(calendar, timer, now)


def is_breached(calendar: SlaCalendar, timer: SlaTimer, now: datetime) -> bool:
    """Whether the timer has fallen due at or before `now`."""
    return remaining(calendar, timer, now) <= ZERO


# --- deadline reminders ------------------------------------------------------------------------


def _reminder_name(before: timedelta) -> str:
    seconds = int(before.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def deadline_reminders(
    deadline_at: datetime, now: datetime, *, before: tuple[timedelta, ...] = DEFAULT_REMINDERS
) -> tuple[tuple[str, datetime], ...]:
    """The reminders ("24h", "2h", … then "passed" at the deadline) not before `now`, soonest first (UTC)."""
    deadline_at, now = as_utc(deadline_at), as_utc(now)
    names = [_reminder_name(lead) for lead in before]
    if any(lead <= ZERO or lead % timedelta(seconds=1) for lead in before) or len(set(names)) != len(names):
        raise ValueError("reminders are distinct, whole seconds before the deadline")
    # Real time, not SLA time: a campaign deadline does not move for weekends or holidays.
    due = [(name, deadline_at - lead) for name, lead in zip(names, before, strict=True)]
    due.append(("passed", deadline_at))
    return tuple(sorted(((name, at) for name, at in due if at >= now), key=lambda item: item[1]))


# --- budgets: what an SLA's duration allows on its clock ----------------------------------------


def business_day(hours: BusinessHours) -> timedelta:
    """The length of one business day's window (on a day without a DST change)."""
    return datetime.combine(date(2000, 1, 3), hours.end) - datetime.combine(date(2000, 1, 3), hours.start)


def budget(calendar: SlaCalendar, duration: timedelta) -> timedelta:
    """The counted time an SLA of `duration` allows. On a business-hours clock a day is a business day
    (`2d` is two working days, not 48 working hours); hours stay hours."""
    if calendar.mode != SlaClock.BUSINESS_HOURS or calendar.business_hours is None:
        return duration
    days, rest = divmod(duration, ONE_DAY)
    return days * business_day(calendar.business_hours) + rest
