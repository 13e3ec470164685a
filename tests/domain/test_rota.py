"""Who is on call: business hours, nights, weekends, public holidays, DST, overrides and handoffs."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from freezegun import freeze_time

from bot.domain.rota import (
    WEEKDAYS,
    HolidayRule,
    Layer,
    Override,
    Restriction,
    Rotation,
    Schedule,
    is_business_hours,
    is_email,
    next_business_start,
    next_handoff,
    on_call,
    shifts,
)

SGT = ZoneInfo("Asia/Singapore")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
SG_HOLIDAYS = frozenset(holidays.country_holidays("SG", years=range(2026, 2029)))
WEEKLY = timedelta(days=7)
DAILY = timedelta(days=1)


def sg_rota(*, business_members: tuple[str, ...] = ("UBIZ1", "UBIZ2", "UBIZ3")) -> Schedule:
    """The shipped rota's shape: business hours, weekday nights, weekends and holidays; a lead layer."""
    business = Rotation(
        "business-hours",
        business_members,
        WEEKLY,
        time(9),
        date(2026, 1, 5),
        0,
        (Restriction(WEEKDAYS, time(9), time(18), HolidayRule.EXCLUDE),),
    )
    nights = Rotation(
        "after-hours",
        ("UNIGHT1", "UNIGHT2"),
        WEEKLY,
        time(9),
        date(2026, 1, 5),
        0,
        (Restriction(WEEKDAYS, time(18), time(9), HolidayRule.EXCLUDE),),
    )
    weekend_windows = (Restriction(frozenset({5, 6}), time(9), time(9)), Restriction(holidays=HolidayRule.ONLY))
    weekend = Rotation("weekend-holiday", ("UWKND1", "UWKND2"), WEEKLY, time(9), date(2026, 1, 10), 5, weekend_windows)
    lead = Rotation("duty-lead", ("ULEAD1", "ULEAD2"), WEEKLY, time(9), date(2026, 1, 5), 0)
    return Schedule(
        id="ads-policy-oncall",
        title="Ads policy on-call",
        timezone=SGT,
        layers=(Layer("primary", (business, nights, weekend)), Layer("lead", (lead,))),
        holidays=SG_HOLIDAYS,
    )


def simple(zone: ZoneInfo, *rotations: Rotation, layer: str = "primary") -> Schedule:
    return Schedule(id="s", title="S", timezone=zone, layers=(Layer(layer, rotations),))


def daily(members: tuple[str, ...], *, start: date, handoff: time = time(9), **more: object) -> Rotation:
    return Rotation("daily", members, DAILY, handoff, start, **more)  # type: ignore[arg-type]


def primary(schedule: Schedule, at: datetime, **kwargs: object) -> tuple[str, ...]:
    return on_call(schedule, at, **kwargs)["primary"]  # type: ignore[arg-type]


# --- weekdays, nights, weekends -----------------------------------------------------------------


def test_weekday_business_hours_go_to_the_business_hours_rotation():
    # Week of Mon 2026-03-02 is the 9th week from 2026-01-05: turn 8 → the third member.
    assert primary(sg_rota(), datetime(2026, 3, 3, 10, 0, tzinfo=SGT)) == ("UBIZ3",)
    assert primary(sg_rota(), datetime(2026, 3, 3, 17, 59, tzinfo=SGT)) == ("UBIZ3",)


def test_weekday_nights_go_to_the_after_hours_rotation():
    rota = sg_rota()
    assert primary(rota, datetime(2026, 3, 3, 18, 0, tzinfo=SGT)) == ("UNIGHT1",)
    assert primary(rota, datetime(2026, 3, 4, 3, 0, tzinfo=SGT)) == ("UNIGHT1",)  # 3 a.m. on a Wednesday
    assert primary(rota, datetime(2026, 3, 7, 8, 59, tzinfo=SGT)) == ("UNIGHT1",)  # Friday night into Saturday


def test_weekend_runs_from_saturday_morning_to_monday_morning():
    rota = sg_rota()
    # Turn 7 of the weekend rotation began Sat 2026-02-28 09:00.
    assert primary(rota, datetime(2026, 2, 28, 9, 0, tzinfo=SGT)) == ("UWKND2",)
    assert primary(rota, datetime(2026, 3, 1, 23, 0, tzinfo=SGT)) == ("UWKND2",)
    assert primary(rota, datetime(2026, 3, 2, 8, 59, tzinfo=SGT)) == ("UWKND2",)
    assert primary(rota, datetime(2026, 3, 2, 9, 0, tzinfo=SGT)) == ("UBIZ3",)


def test_frozen_clock_at_3am_saturday_after_christmas_reaches_the_night_rotation():
    with freeze_time("2026-12-26 03:00:00+08:00"):
        at = datetime.now(UTC)
    assert at == datetime(2026, 12, 26, 3, 0, tzinfo=SGT)
    # Saturday 00:00-09:00 belongs to Friday night's after-hours window; Saturday is no holiday.
    assert primary(sg_rota(), at) == ("UNIGHT1",)


def test_frozen_clock_on_a_tuesday_afternoon():
    with freeze_time("2026-06-16 15:30:00+08:00"):
        layers = on_call(sg_rota(), datetime.now(UTC))
    assert layers == {"primary": ("UBIZ3",), "lead": ("ULEAD2",)}  # turn 23 since 2026-01-05


# --- public holidays ----------------------------------------------------------------------------


def test_christmas_on_a_friday_goes_to_the_holiday_rotation_all_day():
    rota = sg_rota()
    assert date(2026, 12, 25) in SG_HOLIDAYS
    for hour in (0, 11, 17, 23):
        assert primary(rota, datetime(2026, 12, 25, hour, 0, tzinfo=SGT)) == ("UWKND2",)
    assert not is_business_hours(rota, datetime(2026, 12, 25, 11, 0, tzinfo=SGT))
    assert primary(rota, datetime(2026, 12, 24, 23, 59, tzinfo=SGT)) == ("UNIGHT1",)  # the night before


def test_deepavali_on_a_sunday_gives_the_in_lieu_monday_to_the_holiday_rotation():
    rota = sg_rota()
    assert date(2026, 11, 8) in SG_HOLIDAYS and date(2026, 11, 9) in SG_HOLIDAYS  # Sunday + observed Monday
    assert primary(rota, datetime(2026, 11, 9, 11, 0, tzinfo=SGT)) == ("UWKND2",)
    assert primary(rota, datetime(2026, 11, 9, 20, 0, tzinfo=SGT)) == ("UWKND2",)
    assert primary(rota, datetime(2026, 11, 10, 3, 0, tzinfo=SGT)) == ("UNIGHT1",)
    assert primary(rota, datetime(2026, 11, 10, 11, 0, tzinfo=SGT)) == ("UBIZ3",)


def test_deepavali_2027_on_a_thursday():
    rota = sg_rota()
    assert primary(rota, datetime(2027, 10, 28, 10, 0, tzinfo=SGT)) != primary(
        rota, datetime(2027, 10, 27, 10, 0, tzinfo=SGT)
    )
    assert primary(rota, datetime(2027, 10, 28, 10, 0, tzinfo=SGT)) in {("UWKND1",), ("UWKND2",)}


def test_a_saturday_holiday_has_no_in_lieu_day_in_singapore():
    rota = sg_rota()
    assert date(2027, 12, 25) in SG_HOLIDAYS  # a Saturday
    assert date(2027, 12, 27) not in SG_HOLIDAYS
    assert primary(rota, datetime(2027, 12, 27, 10, 0, tzinfo=SGT))[0].startswith("UBIZ")


def test_leap_day_counts_as_an_ordinary_day():
    rota = simple(SGT, daily(("UA", "UB", "UC"), start=date(2028, 2, 27)))
    assert primary(rota, datetime(2028, 2, 29, 12, 0, tzinfo=SGT)) == ("UC",)
    assert primary(rota, datetime(2028, 3, 1, 8, 59, tzinfo=SGT)) == ("UC",)
    assert primary(rota, datetime(2028, 3, 1, 9, 0, tzinfo=SGT)) == ("UA",)
    only_leap_day = Restriction(dates=((date(2028, 2, 29), date(2028, 2, 29)),))
    rota = simple(SGT, daily(("UA",), start=date(2028, 1, 1), restrictions=(only_leap_day,)))
    assert primary(rota, datetime(2028, 2, 29, 0, 0, tzinfo=SGT)) == ("UA",)
    assert primary(rota, datetime(2028, 3, 1, 0, 0, tzinfo=SGT)) == ()


# --- daylight saving time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day_before", "change_day"),
    [
        (LONDON, date(2026, 3, 28), date(2026, 3, 29)),
        (LONDON, date(2026, 10, 24), date(2026, 10, 25)),
        (NEW_YORK, date(2026, 3, 7), date(2026, 3, 8)),
        (NEW_YORK, date(2026, 10, 31), date(2026, 11, 1)),
        (SYDNEY, date(2026, 4, 4), date(2026, 4, 5)),
        (SYDNEY, date(2026, 10, 3), date(2026, 10, 4)),
    ],
)
def test_a_0900_handoff_stays_at_0900_local_on_both_sides_of_a_dst_change(zone, day_before, change_day):
    rota = simple(zone, daily(("UA", "UB"), start=date(2026, 1, 1)))
    first = datetime.combine(day_before, time(9), tzinfo=zone)
    second = next_handoff(rota, first)
    assert second is not None
    assert second.astimezone(zone).date() == change_day and second.astimezone(zone).time() == time(9)
    assert next_handoff(rota, first - timedelta(minutes=1)) == first
    assert abs(second - first - DAILY) == timedelta(hours=1)  # 23 h or 25 h of real time
    (turn,) = shifts(rota, first, second)
    assert (turn.start_at, turn.end_at) == (first, second)


@pytest.mark.parametrize(
    ("zone", "day", "handoff", "expected_utc"),
    [
        (NEW_YORK, date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),  # 03:00 EDT
        (LONDON, date(2026, 3, 29), time(1, 30), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # 02:00 BST
        (SYDNEY, date(2026, 10, 4), time(2, 30), datetime(2026, 10, 3, 16, 0, tzinfo=UTC)),  # 03:00 AEDT
    ],
)
def test_a_handoff_skipped_by_spring_forward_happens_when_the_gap_ends(zone, day, handoff, expected_utc):
    rota = simple(zone, daily(("UA", "UB"), start=date(2026, 1, 1), handoff=handoff))
    found = next_handoff(rota, datetime.combine(day - DAILY, time(12), tzinfo=zone))
    assert found == expected_utc
    assert found.astimezone(zone).time() == (time(2) if zone is LONDON else time(3))  # the end of the gap
    # The day after, the handoff is back at its wall-clock time.
    assert next_handoff(rota, found).astimezone(zone).time() == handoff  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("zone", "day", "handoff", "expected_utc"),
    [
        (NEW_YORK, date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # 01:30 EDT
        (SYDNEY, date(2026, 4, 5), time(2, 30), datetime(2026, 4, 4, 15, 30, tzinfo=UTC)),  # 02:30 AEDT
    ],
)
def test_a_handoff_at_a_time_that_happens_twice_is_the_first_one(zone, day, handoff, expected_utc):
    rota = simple(zone, daily(("UA", "UB"), start=date(2026, 1, 1), handoff=handoff))
    assert next_handoff(rota, datetime.combine(day - DAILY, time(12), tzinfo=zone)) == expected_utc


def test_a_12_hour_rotation_keeps_its_wall_clock_handoffs_so_the_night_shift_shrinks_or_grows():
    twelve = Rotation("twelve", ("UDAY", "UNIGHT"), timedelta(hours=12), time(8), date(2026, 1, 1))
    rota = simple(NEW_YORK, twelve)
    spring = shifts(rota, datetime(2026, 3, 7, 12, tzinfo=NEW_YORK), datetime(2026, 3, 8, 12, tzinfo=NEW_YORK))
    night = next(s for s in spring if s.user_id == "UNIGHT")
    assert night.start_at.astimezone(NEW_YORK).time() == time(20) and night.end_at.astimezone(NEW_YORK).time() == time(
        8
    )
    assert night.end_at - night.start_at == timedelta(hours=11)
    autumn = shifts(rota, datetime(2026, 10, 31, 12, tzinfo=NEW_YORK), datetime(2026, 11, 1, 12, tzinfo=NEW_YORK))
    night = next(s for s in autumn if s.user_id == "UNIGHT")
    assert night.end_at - night.start_at == timedelta(hours=13)


def test_an_hour_long_turn_inside_the_spring_forward_gap_has_no_length_and_is_skipped():
    hourly = Rotation("hourly", ("UA", "UB", "UC"), timedelta(hours=1), time(0), date(2026, 3, 8))
    rota = simple(NEW_YORK, hourly)
    found = shifts(rota, datetime(2026, 3, 8, 1, tzinfo=NEW_YORK), datetime(2026, 3, 8, 4, tzinfo=NEW_YORK))
    # 01:00 UB, 02:00 UC (02:00-03:00 never happens), 03:00 UA.
    assert [(s.user_id, s.end_at - s.start_at) for s in found] == [
        ("UB", timedelta(hours=1)),
        ("UA", timedelta(hours=1)),
    ]


# --- overrides, members, layers, precedence -------------------------------------------------------


def override(user: str, start: datetime, end: datetime, **more: object) -> Override:
    fields: dict[str, object] = {"id": 7, "schedule_id": "s", "layer": "primary", "replaces": None, **more}
    return Override(user_id=user, start_at=start, end_at=end, **fields)  # type: ignore[arg-type]


def covers(found: list, zone: ZoneInfo = SGT) -> list[tuple[str, str, str]]:
    return [(s.user_id, f"{s.start_at.astimezone(zone):%H:%M}", f"{s.end_at.astimezone(zone):%H:%M}") for s in found]


@pytest.mark.parametrize(
    ("replaces", "expected"),
    [
        (None, [("UA", "00:00", "08:00"), ("UX", "08:00", "10:00"), ("UB", "10:00", "12:00")]),
        ("UA", [("UA", "00:00", "08:00"), ("UX", "08:00", "09:00"), ("UB", "09:00", "12:00")]),
        ("UB", [("UA", "00:00", "09:00"), ("UX", "09:00", "10:00"), ("UB", "10:00", "12:00")]),
        ("UZ", [("UA", "00:00", "09:00"), ("UB", "09:00", "12:00")]),
    ],
)
def test_an_override_straddling_a_handoff_covers_whoever_or_only_the_person_it_replaces(replaces, expected):
    rota = simple(SGT, daily(("UA", "UB"), start=date(2026, 6, 1)))  # 06-01 UA, 06-02 UB
    cover = override("UX", datetime(2026, 6, 2, 8, tzinfo=SGT), datetime(2026, 6, 2, 10, tzinfo=SGT), replaces=replaces)
    window = (datetime(2026, 6, 2, 0, tzinfo=SGT), datetime(2026, 6, 2, 12, tzinfo=SGT))
    found = shifts(rota, *window, overrides=[cover])
    assert covers(found) == expected
    assert all(s.override_id == 7 for s in found if s.user_id == "UX")
    assert all(s.rotation == "daily" for s in found if s.user_id != "UX")


def test_overrides_for_another_schedule_or_layer_change_nothing():
    rota = simple(SGT, daily(("UA",), start=date(2026, 6, 1)))
    at = datetime(2026, 6, 2, 9, tzinfo=SGT)
    others = [
        override("UX", at - DAILY, at + DAILY, schedule_id="other"),
        override("UY", at - DAILY, at + DAILY, layer="secondary"),
        override("UZ", at + timedelta(hours=1), at + DAILY),
    ]
    assert primary(rota, at, overrides=others) == ("UA",)
    assert primary(rota, at, overrides=[override("UX", at, at + DAILY, layer=None)]) == ("UX",)


def test_overlapping_overrides_put_everyone_they_name_on_call():
    rota = simple(SGT, daily(("UA",), start=date(2026, 6, 1)))
    at = datetime(2026, 6, 2, 9, tzinfo=SGT)
    both = [override("UX", at - DAILY, at + DAILY), override("UY", at, at + DAILY, id=8)]
    assert primary(rota, at, overrides=both) == ("UX", "UY")


def test_an_override_fills_an_empty_layer():
    rota = simple(SGT, daily((), start=date(2026, 6, 1)))
    at = datetime(2026, 6, 2, 9, tzinfo=SGT)
    assert primary(rota, at) == ()
    assert primary(rota, at, overrides=[override("UX", at, at + DAILY)]) == ("UX",)
    assert primary(rota, at, overrides=[override("UX", at, at + DAILY, replaces="UA")]) == ()


def test_removing_a_member_re_counts_turns_from_the_start():
    start = date(2026, 6, 1)
    before = simple(SGT, daily(("UA", "UB", "UC"), start=start))
    after = simple(SGT, daily(("UA", "UC"), start=start))
    at = datetime(2026, 6, 4, 12, tzinfo=SGT)  # turn 3
    assert primary(before, at) == ("UA",)
    assert primary(after, at) == ("UC",)


def test_empty_layers_have_nobody():
    rota = Schedule("s", "S", SGT, (Layer("primary", ()), Layer("secondary", (daily((), start=date(2026, 1, 1)),))))
    assert on_call(rota, datetime(2026, 6, 2, tzinfo=SGT)) == {"primary": (), "secondary": ()}
    assert shifts(rota, datetime(2026, 6, 2, tzinfo=SGT), datetime(2026, 6, 3, tzinfo=SGT)) == []


def test_nobody_is_on_call_from_a_rotation_before_its_first_turn():
    rota = simple(SGT, daily(("UA",), start=date(2026, 6, 1)))
    assert primary(rota, datetime(2026, 6, 1, 8, 59, tzinfo=SGT)) == ()
    assert primary(rota, datetime(2026, 6, 1, 9, 0, tzinfo=SGT)) == ("UA",)


def test_the_later_rotation_wins_where_both_are_active():
    always = Rotation("always", ("UALL",), WEEKLY, time(9), date(2026, 1, 5))
    lunch = Rotation(
        "lunch",
        ("ULUNCH",),
        WEEKLY,
        time(9),
        date(2026, 1, 5),
        restrictions=(Restriction(start=time(12), end=time(13)),),
    )
    rota = simple(SGT, always, lunch)
    assert primary(rota, datetime(2026, 6, 2, 12, 30, tzinfo=SGT)) == ("ULUNCH",)
    assert primary(rota, datetime(2026, 6, 2, 13, 0, tzinfo=SGT)) == ("UALL",)
    flipped = simple(SGT, lunch, always)
    assert primary(flipped, datetime(2026, 6, 2, 12, 30, tzinfo=SGT)) == ("UALL",)
    # A later rotation with nobody in it still wins: the gap shows instead of a silent fallback.
    emptied = simple(
        SGT, always, Rotation("lunch", (), WEEKLY, time(9), date(2026, 1, 5), restrictions=lunch.restrictions)
    )
    assert primary(emptied, datetime(2026, 6, 2, 12, 30, tzinfo=SGT)) == ()


def test_a_window_crossing_midnight_belongs_to_the_day_it_starts():
    friday_night = Restriction(frozenset({4}), time(22), time(6))
    rota = simple(SGT, Rotation("fri", ("UA",), WEEKLY, time(9), date(2026, 1, 5), restrictions=(friday_night,)))
    assert primary(rota, datetime(2026, 6, 6, 5, 59, tzinfo=SGT)) == ("UA",)  # Saturday morning
    assert primary(rota, datetime(2026, 6, 6, 22, 0, tzinfo=SGT)) == ()  # Saturday night
    assert primary(rota, datetime(2026, 6, 2, 1, 0, tzinfo=SGT)) == ()  # Tuesday morning


# --- handoffs, shifts, business hours -------------------------------------------------------------


def test_next_handoff_finds_the_next_change_of_any_layer_or_of_one_layer():
    rota = sg_rota()
    tuesday = datetime(2026, 3, 3, 10, 0, tzinfo=SGT)
    assert next_handoff(rota, tuesday) == datetime(2026, 3, 3, 18, 0, tzinfo=SGT)
    assert next_handoff(rota, tuesday, layer="lead") == datetime(2026, 3, 9, 9, 0, tzinfo=SGT)
    cover = override(
        "UX", datetime(2026, 3, 3, 11, tzinfo=SGT), datetime(2026, 3, 3, 12, tzinfo=SGT), schedule_id=rota.id
    )
    assert next_handoff(rota, tuesday, overrides=[cover]) == datetime(2026, 3, 3, 11, 0, tzinfo=SGT)


def test_next_handoff_is_none_when_nothing_ever_changes():
    rota = simple(SGT, daily(("UA",), start=date(2026, 1, 1)))
    assert next_handoff(rota, datetime(2026, 6, 2, tzinfo=SGT)) is None


def test_shifts_are_clipped_to_the_window_and_joined_for_the_same_person():
    rota = simple(SGT, daily(("UA",), start=date(2026, 1, 1)))
    window = (datetime(2026, 6, 2, 13, tzinfo=SGT), datetime(2026, 6, 9, 7, tzinfo=SGT))
    (only,) = shifts(rota, *window)
    assert (only.start_at, only.end_at, only.user_id, only.rotation) == (*window, "UA", "daily")
    assert shifts(rota, window[1], window[0]) == []


def test_shifts_of_the_week_are_sorted_and_layer_filtered():
    rota = sg_rota()
    week = (datetime(2026, 3, 2, 9, tzinfo=SGT), datetime(2026, 3, 9, 9, tzinfo=SGT))
    found = shifts(rota, *week, layer="primary")
    assert [s.start_at for s in found] == sorted(s.start_at for s in found)
    assert {s.layer for s in found} == {"primary"}
    # Five business days, five nights (the Friday one runs to Saturday 09:00), one weekend.
    assert [s.rotation for s in found].count("business-hours") == 5
    assert [s.rotation for s in found].count("after-hours") == 5
    assert [s.rotation for s in found].count("weekend-holiday") == 1
    assert sum((s.end_at - s.start_at for s in found), timedelta()) == WEEKLY


def test_business_hours_skip_the_weekend_and_public_holidays():
    rota = sg_rota()
    assert is_business_hours(rota, datetime(2026, 12, 24, 9, 0, tzinfo=SGT))
    assert not is_business_hours(rota, datetime(2026, 12, 24, 18, 0, tzinfo=SGT))
    christmas_eve_evening = datetime(2026, 12, 24, 19, 0, tzinfo=SGT)
    assert next_business_start(rota, christmas_eve_evening) == datetime(2026, 12, 28, 9, 0, tzinfo=SGT)
    saturday = datetime(2026, 6, 6, 10, 0, tzinfo=SGT)
    assert next_business_start(rota, saturday) == datetime(2026, 6, 8, 9, 0, tzinfo=SGT)
    tuesday = datetime(2026, 6, 2, 10, 0, tzinfo=SGT)
    assert next_business_start(rota, tuesday) == tuesday
    early = datetime(2026, 6, 2, 7, 0, tzinfo=SGT)
    assert next_business_start(rota, early) == datetime(2026, 6, 2, 9, 0, tzinfo=SGT)


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        on_call(sg_rota(), datetime(2026, 6, 2, 10, 0))  # noqa: DTZ001


def test_members_may_be_emails():
    assert is_email("maya@adsco.test") and not is_email("U0SPEC1")


def test_on_call_far_from_the_start_is_arithmetic_and_eight_weeks_of_shifts_take_milliseconds():
    rota = sg_rota()
    started = clock.perf_counter()
    assert primary(rota, datetime(2045, 6, 6, 10, 0, tzinfo=SGT))
    assert clock.perf_counter() - started < 0.05
    started = clock.perf_counter()
    found = shifts(rota, datetime(2027, 1, 4, tzinfo=SGT), datetime(2027, 3, 1, tzinfo=SGT))
    assert clock.perf_counter() - started < 0.25
    assert len(found) > 80
