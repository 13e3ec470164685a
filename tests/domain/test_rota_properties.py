"""Properties of rota resolution over random rotations and instants in four time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.rota import HolidayRule, Layer, Override, Restriction, Rotation, Schedule, on_call, shifts

ZONES = [ZoneInfo(name) for name in ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Singapore")]
# Turns longer than the one-hour DST gap, so no turn can vanish into a spring-forward change.
LENGTHS = [timedelta(hours=h) for h in (2, 5, 8, 12)] + [timedelta(days=d) for d in (1, 2, 7)]
PEOPLE = ["UA", "UB", "UC", "UD", "UE"]
FAST = settings(max_examples=60, deadline=None)

clock_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 30]))
instants = st.datetimes(min_value=datetime(2026, 2, 1), max_value=datetime(2027, 6, 30), timezones=st.just(UTC))  # noqa: DTZ001
holiday_sets = st.frozensets(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=40)
restrictions = st.builds(
    Restriction,
    days=st.frozensets(st.integers(0, 6), min_size=1),
    start=clock_times,
    end=clock_times,
    holidays=st.sampled_from(list(HolidayRule)),
)


@st.composite
def rotations(draw: st.DrawFn, *, restricted: bool = True, name: str = "r") -> Rotation:
    length = draw(st.sampled_from(LENGTHS))
    weekday = draw(st.none() | st.integers(0, 6)) if length % timedelta(days=7) == timedelta() else None
    return Rotation(
        name=name,
        members=tuple(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4, unique=True))),
        length=length,
        handoff=draw(clock_times),
        start=draw(st.dates(date(2025, 6, 1), date(2026, 1, 31))),
        handoff_weekday=weekday,
        restrictions=tuple(draw(st.lists(restrictions, max_size=2))) if restricted else (),
    )


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    layers = []
    for layer in ("primary", "secondary")[: draw(st.integers(1, 2))]:
        count = draw(st.integers(1, 3))
        layers.append(Layer(layer, tuple(draw(rotations(name=f"{layer}-{i}")) for i in range(count))))
    return Schedule("s", "S", draw(st.sampled_from(ZONES)), tuple(layers), holidays=draw(holiday_sets))


def users_at(found: list, layer: str, at: datetime) -> tuple[str, ...]:
    return tuple(sorted(s.user_id for s in found if s.layer == layer and s.start_at <= at < s.end_at))


@FAST
@given(schedules(), instants, st.integers(0, 72), st.integers(1, 72))
def test_on_call_agrees_with_the_shift_that_contains_the_instant(schedule, at, hours_before, hours_after):
    found = shifts(schedule, at - timedelta(hours=hours_before), at + timedelta(hours=hours_after))
    for layer, users in on_call(schedule, at).items():
        assert tuple(sorted(users)) == users_at(found, layer, at)


@FAST
@given(schedules(), instants, st.data())
def test_shifts_of_a_layer_never_overlap_and_tile_the_covered_time(schedule, start_at, data):
    end_at = start_at + timedelta(days=4)
    found = shifts(schedule, start_at, end_at)
    for layer in schedule.layers:
        mine = [s for s in found if s.layer == layer.name]
        for earlier, later in pairwise(mine):
            assert earlier.end_at <= later.start_at
            if earlier.end_at == later.start_at:  # touching pieces are a real handoff, never one person's split
                assert (earlier.user_id, earlier.rotation) != (later.user_id, later.rotation)
        for shift in mine:
            assert start_at <= shift.start_at < shift.end_at <= end_at
            assert on_call(schedule, shift.start_at)[layer.name] == (shift.user_id,)
            assert on_call(schedule, shift.end_at - timedelta(microseconds=1))[layer.name] == (shift.user_id,)
        probe = start_at + timedelta(seconds=data.draw(st.integers(0, 4 * 86400 - 1)))
        assert bool(on_call(schedule, probe)[layer.name]) == any(s.start_at <= probe < s.end_at for s in mine)


@FAST
@given(rotations(restricted=False), st.sampled_from(ZONES), instants)
def test_every_member_of_an_unrestricted_rotation_gets_a_turn_within_one_cycle(rotation, zone, at):
    schedule = Schedule("s", "S", zone, (Layer("primary", (rotation,)),))
    found = shifts(schedule, at, at + len(rotation.members) * rotation.length)
    assert {s.user_id for s in found} == set(rotation.members)


@FAST
@given(schedules(), instants, st.integers(1, 96), st.integers(-48, 48), st.booleans(), st.sampled_from(PEOPLE))
def test_an_override_wins_inside_its_window_and_never_outside(schedule, start_at, hours, probe_offset, named, who):
    end_at = start_at + timedelta(hours=hours)
    base = on_call(schedule, start_at)["primary"]
    replaces = (base[0] if base else who) if named else None
    cover = Override(1, "s", "primary", "UZ", replaces, start_at, end_at)
    probe = start_at + timedelta(hours=probe_offset)
    without = on_call(schedule, probe)["primary"]
    with_cover = on_call(schedule, probe, overrides=[cover])["primary"]
    if not start_at <= probe < end_at:
        assert with_cover == without
    elif replaces is None or without == (replaces,):
        assert with_cover == ("UZ",)
    else:
        assert with_cover == without
    assert on_call(schedule, start_at, overrides=[cover])["primary"] == (("UZ",) if not named or base else ())
