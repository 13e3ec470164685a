"""Who is on call: at one instant (`on_call`), over a window (`shifts`), and when it next changes."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from bot.domain.rota_model import Layer, Override, Rotation, Schedule, Shift
from bot.domain.rota_time import active_spans, any_active, as_utc, first_turn_at, turn_index, turn_start

Assignment = tuple[str, str | None, int | None]  # (user id, rotation name, override id)
Piece = tuple[datetime, datetime, str | None]  # a rotation's turn inside its active time; None = nobody


@dataclass(frozen=True, slots=True)
class _Segment:
    """A stretch of one layer over which nothing changes."""

    start_at: datetime
    end_at: datetime
    assignments: tuple[Assignment, ...]

    @property
    def users(self) -> tuple[str, ...]:
        return tuple(user for user, _, _ in self.assignments)


def _member(rotation: Rotation, schedule: Schedule, at: datetime) -> str | None:
    if not rotation.members:
        return None
    index = turn_index(rotation, schedule.timezone, at)
    return rotation.members[index % len(rotation.members)]


def _relevant(schedule: Schedule, overrides: Iterable[Override], layer: str) -> list[Override]:
    found = [o for o in overrides if o.schedule_id == schedule.id and o.layer in (None, layer)]
    return sorted(found, key=lambda o: (as_utc(o.start_at), o.id if o.id is not None else -1))


def _with_overrides(rotation: str | None, member: str | None, here: Sequence[Override]) -> tuple[Assignment, ...]:
    """Apply the overrides running at one moment to what the rotations say."""
    chosen = [o for o in here if o.replaces is None]
    if not chosen and member is not None:
        chosen = [o for o in here if o.replaces == member]
    if not chosen:
        return () if member is None else ((member, rotation, None),)
    seen: dict[str, Assignment] = {}
    for override in chosen:  # overlapping overrides all stand: page everyone asked to cover
        seen.setdefault(override.user_id, (override.user_id, None, override.id))
    return tuple(seen.values())


def _layer_at(schedule: Schedule, layer: Layer, at: datetime, overrides: Sequence[Override]) -> tuple[Assignment, ...]:
    zone, holidays = schedule.timezone, schedule.holidays
    rotation: Rotation | None = None
    for candidate in reversed(layer.rotations):  # the later rotation wins
        if at >= first_turn_at(candidate, zone) and any_active(candidate.restrictions, zone, holidays, at):
            rotation = candidate
            break
    member = _member(rotation, schedule, at) if rotation else None
    here = [o for o in overrides if as_utc(o.start_at) <= at < as_utc(o.end_at)]
    return _with_overrides(rotation.name if rotation else None, member, here)


def on_call(schedule: Schedule, at: datetime, *, overrides: Iterable[Override] = ()) -> dict[str, tuple[str, ...]]:
    """Layer name → the user ids (or e-mails) on call at `at`; an empty tuple when nobody is."""
    instant = as_utc(at)
    given = tuple(overrides)
    return {
        layer.name: tuple(u for u, _, _ in _layer_at(schedule, layer, instant, _relevant(schedule, given, layer.name)))
        for layer in schedule.layers
    }


def rotation_pieces(schedule: Schedule, rotation: Rotation, start_at: datetime, end_at: datetime) -> list[Piece]:
    """The rotation's turns within its active time, clipped to [start_at, end_at)."""
    zone = schedule.timezone
    start_at = max(start_at, first_turn_at(rotation, zone))
    spans = active_spans(rotation.restrictions, zone, schedule.holidays, start_at, end_at)
    if not rotation.members:
        return [(s, e, None) for s, e in spans]
    pieces: list[Piece] = []
    count = len(rotation.members)
    for span_start, span_end in spans:
        index = turn_index(rotation, zone, span_start)
        cursor = span_start
        while cursor < span_end:
            turn_end = min(turn_start(rotation, zone, index + 1), span_end)
            if turn_end > cursor:  # a turn swallowed by a spring-forward gap has no length
                pieces.append((cursor, turn_end, rotation.members[index % count]))
            cursor, index = max(cursor, turn_end), index + 1
    return pieces


def _segments(
    schedule: Schedule, layer: Layer, start_at: datetime, end_at: datetime, overrides: Sequence[Override]
) -> list[_Segment]:
    """Tile [start_at, end_at) with stretches over which the layer's on-call people do not change."""
    per_rotation = [rotation_pieces(schedule, r, start_at, end_at) for r in layer.rotations]
    starts = [[p[0] for p in pieces] for pieces in per_rotation]
    running = [o for o in overrides if as_utc(o.start_at) < end_at and as_utc(o.end_at) > start_at]
    cuts = {start_at, end_at}
    for pieces in per_rotation:
        cuts.update(t for p in pieces for t in p[:2])
    cuts.update(t for o in running for t in (as_utc(o.start_at), as_utc(o.end_at)) if start_at < t < end_at)
    segments: list[_Segment] = []
    for cut, next_cut in pairwise(sorted(cuts)):
        rotation: str | None = None
        member: str | None = None
        for index in reversed(range(len(per_rotation))):
            found = bisect_right(starts[index], cut) - 1
            if found >= 0 and per_rotation[index][found][1] > cut:
                rotation, member = layer.rotations[index].name, per_rotation[index][found][2]
                break
        here = [o for o in running if as_utc(o.start_at) <= cut < as_utc(o.end_at)]
        segments.append(_Segment(cut, next_cut, _with_overrides(rotation, member, here)))
    return segments


def shifts(
    schedule: Schedule,
    start_at: datetime,
    end_at: datetime,
    *,
    overrides: Iterable[Override] = (),
    layer: str | None = None,
) -> list[Shift]:
    """Everyone's shifts within [start_at, end_at), clipped to it, sorted, same-source pieces joined."""
    start_at, end_at = as_utc(start_at), as_utc(end_at)
    given = tuple(overrides)
    found: list[Shift] = []
    order = {lay.name: i for i, lay in enumerate(schedule.layers)}
    for lay in schedule.layers:
        if layer is not None and lay.name != layer:
            continue
        open_shifts: dict[Assignment, int] = {}
        mine: list[Shift] = []
        for segment in _segments(schedule, lay, start_at, end_at, _relevant(schedule, given, lay.name)):
            for assignment in segment.assignments:
                at = open_shifts.get(assignment)
                if at is not None and mine[at].end_at == segment.start_at:
                    mine[at] = replace(mine[at], end_at=segment.end_at)
                    continue
                open_shifts[assignment] = len(mine)
                user, rotation, override_id = assignment
                mine.append(Shift(schedule.id, lay.name, user, segment.start_at, segment.end_at, rotation, override_id))
        found.extend(mine)
    return sorted(found, key=lambda s: (s.start_at, order[s.layer], s.end_at, s.user_id))


def next_handoff(
    schedule: Schedule,
    after: datetime,
    *,
    overrides: Iterable[Override] = (),
    layer: str | None = None,
    within: timedelta = timedelta(days=400),
) -> datetime | None:
    """The next instant after `after` at which the on-call people of any layer (or of `layer`) change."""
    start_at = as_utc(after)
    given = tuple(overrides)
    layers = [lay for lay in schedule.layers if layer is None or lay.name == layer]
    before: dict[str, tuple[str, ...]] = {}
    step = timedelta(days=7)
    window_start = start_at
    while window_start < start_at + within:
        window_end = window_start + step
        changes: list[datetime] = []
        for lay in layers:
            relevant = _relevant(schedule, given, lay.name)
            for segment in _segments(schedule, lay, window_start, window_end, relevant):
                users = tuple(sorted(segment.users))
                if lay.name in before and users != before[lay.name] and segment.start_at > start_at:
                    changes.append(segment.start_at)
                    break
                before[lay.name] = users
        if changes:
            return min(changes)
        window_start = window_end
    return None
