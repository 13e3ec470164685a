"""`escalation-bot oncall export --ics`: each person's shifts as an iCalendar feed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event

from bot.config.loader import Config
from bot.domain import rota

PRODUCT = "-//Ad escalation bot//on-call shifts//EN"


def person_shifts(
    config: Config, *, start_at: datetime, days: int, overrides: dict[str, tuple[rota.Override, ...]]
) -> dict[str, list[rota.Shift]]:
    """Every person's shifts in every schedule over the window, by Slack id (or e-mail)."""
    found: dict[str, list[rota.Shift]] = {}
    end_at = start_at + timedelta(days=days)
    for schedule in config.schedules.values():
        for shift in rota.shifts(schedule, start_at, end_at, overrides=overrides.get(schedule.id, ())):
            found.setdefault(shift.user_id, []).append(shift)
    return found


def build_calendar(shifts: Iterable[rota.Shift], *, config: Config, person: str, stamp: datetime) -> bytes:
    """One VCALENDAR with a VEVENT per shift; UIDs are stable so calendar apps update, not duplicate."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"On-call: {person}")
    for shift in shifts:
        schedule = config.schedules[shift.schedule_id]
        event = Event()
        event.add("uid", f"{shift.schedule_id}-{shift.layer}-{shift.start_at:%Y%m%dT%H%M%SZ}-{person}@escalation-bot")
        event.add("summary", f"On call: {schedule.title} ({shift.layer})")
        event.add("dtstart", shift.start_at)
        event.add("dtend", shift.end_at)
        event.add("dtstamp", stamp)
        source = "override" if shift.override_id is not None else f"rotation {shift.rotation}"
        event.add("description", f"{schedule.title}, layer {shift.layer}, from {source}.")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def export_ics(
    config: Config,
    *,
    out_dir: Path,
    now: datetime,
    days: int = 90,
    overrides: dict[str, tuple[rota.Override, ...]] | None = None,
    only: str | None = None,
) -> list[Path]:
    """Write `<person>.ics` for each person (or just `only`) into `out_dir`; return the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for person, shifts in sorted(person_shifts(config, start_at=now, days=days, overrides=overrides or {}).items()):
        if only is not None and person != only:
            continue
        path = out_dir / f"{person.replace('@', '_at_')}.ics"
        path.write_bytes(build_calendar(shifts, config=config, person=person, stamp=now))
        written.append(path)
    return written
