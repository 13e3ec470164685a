"""An SLA in words that name its clock: "15 min, round the clock" or "2 business days, Mon-Fri
09:00-18:00 SGT" (with en dashes), as the root message, the page and the change DMs show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.sla import ONE_DAY, SlaCalendar, SlaClock

# zoneinfo names Singapore's zone "+08"; people say SGT. Zones not listed show as UTC±hh:mm.
_ZONE_ABBREVIATIONS = {
    "Asia/Singapore": "SGT",
    "Asia/Kuala_Lumpur": "MYT",
    "Asia/Manila": "PHT",
    "Asia/Jakarta": "WIB",
    "Asia/Bangkok": "ICT",
    "Asia/Ho_Chi_Minh": "ICT",
    "Asia/Hong_Kong": "HKT",
    "Asia/Tokyo": "JST",
    "Asia/Seoul": "KST",
    "Asia/Kolkata": "IST",
    "Asia/Taipei": "CST",
    "UTC": "UTC",
}
EN_DASH = "\u2013"
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _zone_name(zone: ZoneInfo, at: datetime) -> str:
    if zone.key in _ZONE_ABBREVIATIONS:
        return _ZONE_ABBREVIATIONS[zone.key]
    name = at.astimezone(zone).tzname() or zone.key
    return f"UTC{name}" if name[:1] in "+-" else name


def _days_text(days: frozenset[int]) -> str:
    ordered = sorted(days)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{_DAY_NAMES[ordered[0]]}{EN_DASH}{_DAY_NAMES[ordered[-1]]}"
    return ", ".join(_DAY_NAMES[d] for d in ordered)


def _amount(duration: timedelta, unit_day: str, unit_hour: str) -> str:
    days, rest = divmod(duration, ONE_DAY)
    hours, rest = divmod(rest, timedelta(hours=1))
    minutes = rest // timedelta(minutes=1)
    parts = []
    if days:
        parts.append(f"{days} {unit_day}{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} {unit_hour}{'s' if hours != 1 else ''}")
    if minutes or not parts:
        parts.append(f"{minutes} min")
    return " ".join(parts)


def describe(calendar: SlaCalendar, duration: timedelta, *, at: datetime) -> str:
    """An SLA in words that say which clock counts: "15 min, round the clock" or
    "2 business days, Mon-Fri 09:00-18:00 SGT" (with en dashes)."""
    hours = calendar.business_hours
    if calendar.mode != SlaClock.BUSINESS_HOURS or hours is None:
        off = ", except public holidays" if calendar.skip_holidays and calendar.holidays else ""
        return f"{_amount(duration, 'day', 'hour')}, round the clock{off}"
    window = f"{hours.start:%H:%M}{EN_DASH}{hours.end:%H:%M} {_zone_name(calendar.timezone, at)}"
    return f"{_amount(duration, 'business day', 'business hour')}, {_days_text(hours.days)} {window}"


@dataclass(frozen=True, slots=True)
class SlaTerms:
    """A case's two SLAs in words, each stating its clock."""

    acknowledge: str
    resolve: str
