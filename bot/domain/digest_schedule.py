"""When daily digests are due: a local time on chosen days, in the team's time zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.rota_time import local_instant

DAYS = {"daily": frozenset(range(7)), "weekdays": frozenset(range(5)), "weekends": frozenset({5, 6})}
WEEKDAY = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """One channel's digest: at `at` local time on `days` (0 = Monday)."""

    channel_id: str
    at: time
    days: frozenset[int]
    timezone: ZoneInfo
    kind: str = "digest"  # or "weekly"

    def key(self, day: date) -> str:
        """One key per channel per local day and time (09:00 and 17:00 on one channel are two digests),
        so no second copy of either is ever made."""
        return f"{self.kind}:{self.channel_id}:{day.isoformat()}T{self.at:%H:%M}"

    def occurrence(self, day: date) -> datetime | None:
        """The instant of the digest on a local day, or None if the digest does not run that day."""
        return local_instant(self.timezone, day, self.at) if day.weekday() in self.days else None

    def occurrences(self, start_at: datetime, end_at: datetime) -> list[tuple[date, datetime]]:
        """(local day, instant) of every digest due in [start_at, end_at)."""
        day = start_at.astimezone(self.timezone).date() - timedelta(days=1)
        last = end_at.astimezone(self.timezone).date()
        found = []
        while day <= last:
            at = self.occurrence(day)
            if at is not None and start_at <= at < end_at:
                found.append((day, at))
            day += timedelta(days=1)
        return found

    def previous(self, before: datetime) -> datetime:
        """The digest before `before` (what "since the last digest" means); at most 8 days back."""
        day = before.astimezone(self.timezone).date()
        for _ in range(9):
            at = self.occurrence(day)
            if at is not None and at < before:
                return at
            day -= timedelta(days=1)
        return before - timedelta(days=1)


def previous_on_channel(schedules: Sequence[DigestSchedule], channel_id: str, before: datetime) -> datetime:
    """The channel's last digest of any of its times before `before` ("since the last digest")."""
    mine = [s for s in schedules if s.channel_id == channel_id]
    if not mine:
        return before - timedelta(days=1)
    return max(s.previous(before) for s in mine)


def scheduled(schedules: Sequence[DigestSchedule], channel_id: str, at: datetime) -> DigestSchedule | None:
    """The channel's schedule that has an occurrence at `at`, or None (the configuration changed)."""
    for schedule in schedules:
        if schedule.channel_id != channel_id:
            continue
        if schedule.occurrence(at.astimezone(schedule.timezone).date()) == at:
            return schedule
    return None
