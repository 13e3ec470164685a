"""Durations written for people: `90s`, `10m`, `4h`, `1d`, `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([dhms])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str | int) -> timedelta:
    """Parse `1h30m`-style text (a bare number is minutes); raise ValueError with the accepted form."""
    if isinstance(text, bool):
        raise ValueError("expected a duration such as 10m, 4h or 1d")
    if isinstance(text, int):
        return timedelta(minutes=text)
    compact = text.strip().lower().replace(" ", "")
    parts = _PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"{text!r} is not a duration; write it like 10m, 4h, 1h30m or 2d")
    total = timedelta()
    for number, unit in parts:
        total += timedelta(**{_UNITS[unit]: int(number)})
    if total <= timedelta():
        raise ValueError("a duration must be longer than zero")
    return total


def format_duration(delta: timedelta) -> str:
    """`1h 30m` for people; the inverse of parse_duration for whole minutes."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    return " ".join(p for p in parts if p)
