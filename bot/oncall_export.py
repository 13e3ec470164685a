"""Shifts as iCalendar: `escalation-bot oncall export --ics` files and the subscription feed.

What calendar apps need to update rather than duplicate: one UID per shift that does not depend on
when the file was made (schedule, layer, rotation or override, the shift's real start, the person);
a shift in progress keeps its real start; a shift crossing the end of the window is shown whole;
SEQUENCE and LAST-MODIFIED move when an override changes a shift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event

from bot.config.model import Config
from bot.domain import rota

PRODUCT = "-//Ad escalation bot//on-call shifts//EN"
MAX_LOOK = timedelta(days=800)
Changes = Mapping[str, Sequence[tuple[rota.Override, Sequence[datetime]]]]


def whole_shifts(
    schedule: rota.Schedule, start_at: datetime, end_at: datetime, *, overrides: Iterable[rota.Override] = ()
) -> list[rota.Shift]:
    """Shifts overlapping [start_at, end_at), each whole: its real start and end, even outside the window."""
    given = tuple(overrides)
    longest = max((r.length for layer in schedule.layers for r in layer.rotations), default=timedelta(days=7))
    margin = max(longest, timedelta(days=31)) + timedelta(days=1)
    while True:
        found = rota.shifts(schedule, start_at - margin, end_at + margin, overrides=given)
        kept = [s for s in found if s.end_at > start_at and s.start_at < end_at]
        cut = any(s.start_at <= start_at - margin or s.end_at >= end_at + margin for s in kept)
        if not cut or margin >= MAX_LOOK:
            return kept
        margin *= 2  # a one-member rotation joins its turns into one long shift


def shift_uid(shift: rota.Shift) -> str:
    """Stable across exports: the same shift always has the same UID (never the export time)."""
    source = f"override{shift.override_id}" if shift.override_id is not None else (shift.rotation or "rota")
    return f"{shift.schedule_id}-{shift.layer}-{source}-{shift.start_at:%Y%m%dT%H%M%SZ}-{shift.user_id}@escalation-bot"


@dataclass(frozen=True, slots=True)
class Revision:
    """How often overrides changed a shift (SEQUENCE), and when last (LAST-MODIFIED)."""

    sequence: int = 0
    last_modified: datetime | None = None


def revisions(
    shifts: Sequence[rota.Shift],
    natural: Sequence[rota.Shift],
    changes: Sequence[tuple[rota.Override, Sequence[datetime]]],
) -> dict[str, Revision]:
    """Each shift's revision: the overrides (made or cancelled, of its layer) touching its span as the
    rota alone has it — so a shift an override cut short counts that override — excluding the making
    of the override that is the shift itself."""
    natural_end = {(s.layer, s.rotation, s.user_id, s.start_at): s.end_at for s in natural}
    found: dict[str, Revision] = {}
    for shift in shifts:
        end_at = max(
            shift.end_at, natural_end.get((shift.layer, shift.rotation, shift.user_id, shift.start_at), shift.end_at)
        )
        stamps: list[datetime] = []
        for override, changed in changes:
            if override.layer not in (None, shift.layer):
                continue
            if not (override.start_at < end_at and shift.start_at < override.end_at):
                continue
            own = override.id is not None and override.id == shift.override_id
            stamps += list(changed[1:] if own else changed)
        found[shift_uid(shift)] = Revision(len(stamps), max(stamps, default=None))
    return found


def build_calendar(
    shifts: Iterable[rota.Shift],
    *,
    config: Config,
    person: str,
    stamp: datetime,
    revised: Mapping[str, Revision] | None = None,
) -> bytes:
    """One VCALENDAR with a VEVENT per shift; UIDs are stable so calendar apps update, not duplicate."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"On-call: {person}")
    calendar.add("x-published-ttl", "PT1H")  # subscribers: look again hourly
    for shift in shifts:
        schedule = config.schedules[shift.schedule_id]
        uid = shift_uid(shift)
        revision = (revised or {}).get(uid, Revision())
        event = Event()
        event.add("uid", uid)
        event.add("summary", f"On call: {schedule.title} ({shift.layer})")
        event.add("dtstart", shift.start_at)
        event.add("dtend", shift.end_at)
        event.add("dtstamp", stamp)
        event.add("sequence", revision.sequence)
        if revision.last_modified is not None:
            event.add("last-modified", revision.last_modified)
        source = "override" if shift.override_id is not None else f"rotation {shift.rotation}"
        event.add("description", f"{schedule.title}, layer {shift.layer}, from {source}.")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def person_calendar(
    config: Config,
    person: str,
    *,
    start_at: datetime,
    end_at: datetime,
    overrides: Mapping[str, Sequence[rota.Override]],
    changes: Changes | None = None,
    stamp: datetime,
) -> bytes:
    """One person's shifts in every schedule, whole, with their revisions."""
    shifts: list[rota.Shift] = []
    revised: dict[str, Revision] = {}
    for schedule in config.schedules.values():
        mine = [
            s
            for s in whole_shifts(schedule, start_at, end_at, overrides=overrides.get(schedule.id, ()))
            if s.user_id == person
        ]
        if not mine:
            continue
        natural = [s for s in whole_shifts(schedule, start_at, end_at) if s.user_id == person]
        revised |= revisions(mine, natural, (changes or {}).get(schedule.id, ()))
        shifts += mine
    return build_calendar(
        sorted(shifts, key=lambda s: s.start_at), config=config, person=person, stamp=stamp, revised=revised
    )


def person_shifts(
    config: Config, *, start_at: datetime, days: int, overrides: Mapping[str, Sequence[rota.Override]]
) -> dict[str, list[rota.Shift]]:
    """Every person's shifts in every schedule over the window (whole), by Slack id (or e-mail)."""
    found: dict[str, list[rota.Shift]] = {}
    end_at = start_at + timedelta(days=days)
    for schedule in config.schedules.values():
        for shift in whole_shifts(schedule, start_at, end_at, overrides=overrides.get(schedule.id, ())):
            found.setdefault(shift.user_id, []).append(shift)
    return found


def export_ics(
    config: Config,
    *,
    out_dir: Path,
    now: datetime,
    days: int = 90,
    overrides: dict[str, tuple[rota.Override, ...]] | None = None,
    only: str | None = None,
    changes: Changes | None = None,
) -> list[Path]:
    """Write `<person>.ics` for each person (or just `only`) into `out_dir`; return the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for person in sorted(person_shifts(config, start_at=now, days=days, overrides=overrides or {})):
        if only is not None and person != only:
            continue
        path = out_dir / f"{person.replace('@', '_at_')}.ics"
        path.write_bytes(
            person_calendar(
                config,
                person,
                start_at=now,
                end_at=now + timedelta(days=days),
                overrides=overrides or {},
                changes=changes,
                stamp=now,
            )
        )
        written.append(path)
    return written
