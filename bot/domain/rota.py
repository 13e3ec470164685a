"""The on-call rota: who is on call at an instant, their shifts, handoffs, gaps and business hours.

The values live in `rota_model`, the local-time arithmetic in `rota_time`, resolution in
`rota_resolve` and the checks in `coverage`; this module gathers the public names. The rules:

- **Layers.** A schedule has layers (`primary`, `secondary`, `lead`): the roles policies page.
  Several rotations may feed one layer (business hours on weekdays, nights, weekends…).
- **Precedence.** Where two rotations of the same layer are both active at an instant, the one
  listed *later* wins (like PagerDuty's higher layers) — even when it has no members, which
  then shows up as a gap rather than silently falling back. Overrides win over every rotation.
- **Overrides.** One without `replaces` covers the layer whoever would be on call (several such
  overrides at once put all their people on call); one with `replaces` covers only while that
  person would be on call. An override's `layer` of None applies to every layer.
- **Turns.** Members take turns in list order from the rotation's first handoff (`start`, or the
  first `handoff_weekday` on or after it); turn *k* belongs to `members[k % len(members)]`.
  Removing a member re-indexes the turns from `start`. Nobody is on call from a rotation before
  its first turn. The turn at an instant is found by arithmetic on local dates, never by walking.
- **Wall clock (DST).** Turns are counted in the schedule's local wall-clock time: a daily 09:00
  handoff is at 09:00 on both sides of a DST change, and a 12 h rotation handing off at 08:00 and
  20:00 keeps those times, so the turn spanning the change lasts 11 h or 13 h. A local time that
  happens twice (autumn) means its first occurrence; a local time skipped by a spring-forward
  gap means the end of the gap (a 02:30 handoff in New York on 8 March 2026 happens at 03:00
  EDT); a turn that falls entirely inside a gap has no length and is skipped.
- **Restrictions.** A rotation with none is always active; otherwise it is active while any of
  its windows is (see `Restriction`). Holidays and dates are whole local days.
- All instants going in must be aware; instants coming out are in UTC.
"""

from __future__ import annotations

from bot.domain.coverage import Gap, coverage_gaps, defined_horizon, horizon_gaps, unreachable_rotations
from bot.domain.rota_model import (
    EVERY_DAY,
    WEEKDAYS,
    WEEKEND,
    BusinessHours,
    Coverage,
    CoverageRule,
    HolidayRule,
    Layer,
    Override,
    Restriction,
    Rotation,
    Schedule,
    Shift,
    is_email,
)
from bot.domain.rota_resolve import next_handoff, on_call, shifts
from bot.domain.rota_time import is_business_hours, local_instant, next_business_start

__all__ = [
    "EVERY_DAY",
    "WEEKDAYS",
    "WEEKEND",
    "BusinessHours",
    "Coverage",
    "CoverageRule",
    "Gap",
    "HolidayRule",
    "Layer",
    "Override",
    "Restriction",
    "Rotation",
    "Schedule",
    "Shift",
    "coverage_gaps",
    "defined_horizon",
    "horizon_gaps",
    "is_business_hours",
    "is_email",
    "local_instant",
    "next_business_start",
    "next_handoff",
    "on_call",
    "shifts",
    "unreachable_rotations",
]
