"""Rota checks: stretches when a layer that must be covered has nobody, and rotations that never win."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.rota_model import Override, Schedule
from bot.domain.rota_resolve import shifts
from bot.domain.rota_time import Span, active_spans, as_utc, first_turn_at, subtract, union


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch in which a layer that must be covered has nobody on call."""

    layer: str
    start_at: datetime
    end_at: datetime


def coverage_gaps(
    schedule: Schedule, start_at: datetime, end_at: datetime, *, overrides: Iterable[Override] = ()
) -> list[Gap]:
    """Every gap within [start_at, end_at) in the layers the schedule's coverage rules name."""
    start_at, end_at = as_utc(start_at), as_utc(end_at)
    given = tuple(overrides)
    gaps: list[Gap] = []
    for rule in schedule.coverage.rules:
        needed = active_spans(rule.windows, schedule.timezone, schedule.holidays, start_at, end_at)
        known = {layer.name for layer in schedule.layers}
        found = shifts(schedule, start_at, end_at, overrides=given, layer=rule.layer) if rule.layer in known else []
        covered = union((s.start_at, s.end_at) for s in found)
        gaps.extend(Gap(rule.layer, s, e) for s, e in subtract(needed, covered))
    return sorted(gaps, key=lambda g: (g.start_at, g.layer))


def unreachable_rotations(schedule: Schedule, start_at: datetime, end_at: datetime) -> list[str]:
    """Rotations active within the window whose every active moment a later rotation of the layer takes.

    A rotation not active at all in the window (say, one for public holidays when there are none)
    is not reported: it may simply be waiting for its day.
    """
    start_at, end_at = as_utc(start_at), as_utc(end_at)
    zone, holidays = schedule.timezone, schedule.holidays
    names: list[str] = []
    for layer in schedule.layers:
        later: list[Span] = []
        for rotation in reversed(layer.rotations):
            begin = max(start_at, first_turn_at(rotation, zone))
            mine = active_spans(rotation.restrictions, zone, holidays, begin, end_at)
            if mine and not subtract(mine, later):
                names.append(rotation.name)
            later = union([*later, *mine])
    order = [r.name for layer in schedule.layers for r in layer.rotations]
    return sorted(names, key=order.index)
