"""Rota checks: stretches when a layer that must be covered has nobody, and rotations that never win."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.domain.rota_model import Override, Schedule
from bot.domain.rota_resolve import shifts
from bot.domain.rota_time import Span, active_spans, as_utc, first_turn_at, local_instant, subtract, union

# A rota with nothing dated repeats itself: a year of it shows every weekday, turn and season.
REPEATS_WITHIN = timedelta(weeks=52)


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


def _dated_days(schedule: Schedule) -> list[date]:
    rotations = [r for layer in schedule.layers for r in layer.rotations]
    days: set[date] = set(schedule.holidays)
    for windows in [r.restrictions for r in rotations] + [rule.windows for rule in schedule.coverage.rules]:
        for window in windows:
            for first, last in window.dates:
                days.update((first, last, last + timedelta(days=1)))
    return sorted(days)


def horizon_gaps(schedule: Schedule, *, overrides: Iterable[Override] = ()) -> list[Gap]:
    """Every coverage gap over `defined_horizon`, cheaply: the first year in full (every weekday,
    turn and daylight-saving change), then only the days around each dated day after it (a holiday,
    the first and last day of a `dates` range) — outside those the rota repeats the first year."""
    start_at, end_at = defined_horizon(schedule)
    first_year_end = min(end_at, start_at + REPEATS_WITHIN)
    given = tuple(overrides)
    found = {(g.layer, g.start_at): g for g in coverage_gaps(schedule, start_at, first_year_end, overrides=given)}
    zone = schedule.timezone
    for day in _dated_days(schedule):
        around_start = local_instant(zone, day - timedelta(days=1), time(0))
        around_end = local_instant(zone, day + timedelta(days=2), time(0))
        if around_end <= first_year_end or around_start >= end_at:
            continue
        for gap in coverage_gaps(schedule, max(around_start, first_year_end), min(around_end, end_at), overrides=given):
            found.setdefault((gap.layer, gap.start_at), gap)
    return sorted(found.values(), key=lambda g: (g.start_at, g.layer))


def defined_horizon(schedule: Schedule) -> tuple[datetime, datetime]:
    """The stretch over which the rota is defined and can differ from one week to the next: from the
    newest rotation's first day to the last day anything in it is dated (a rotation's `dates`, a
    public holiday of its calendar, with `extra` days) — and at least a year after that first day, so a
    rotation that stops on 30 Jun 2027, or a holiday-only layer with no one for a 2031 holiday, is
    found now rather than when it comes near."""
    zone = schedule.timezone
    rotations = [r for layer in schedule.layers for r in layer.rotations]
    newest = max((r.first_day for r in rotations), default=None)
    start_at = local_instant(zone, newest or date(2020, 1, 1), time(0))
    last = max(_dated_days(schedule), default=None)
    end_at = start_at + REPEATS_WITHIN
    if last is not None:
        # One week past the last dated day: a rotation that stops there leaves a gap that shows.
        end_at = max(end_at, local_instant(zone, last + timedelta(days=8), time(0)))
    return as_utc(start_at), as_utc(end_at)


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
