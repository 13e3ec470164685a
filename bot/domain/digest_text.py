"""The digest in one plain line: the quiet digest's whole text, or a full one's gist (its notification text)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.digest import Digest


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
