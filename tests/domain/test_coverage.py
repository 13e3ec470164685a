"""Coverage gaps in layers that must always (or at weekends) have someone, and rotations that never win."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.rota import (
    WEEKDAYS,
    WEEKEND,
    Coverage,
    CoverageRule,
    Gap,
    HolidayRule,
    Layer,
    Override,
    Restriction,
    Rotation,
    Schedule,
    coverage_gaps,
    unreachable_rotations,
)

SGT = ZoneInfo("Asia/Singapore")
WEEKLY = timedelta(days=7)
START = date(2026, 1, 5)
OFFICE = Restriction(WEEKDAYS, time(9), time(18), HolidayRule.EXCLUDE)
NIGHTS = Restriction(WEEKDAYS, time(18), time(9), HolidayRule.EXCLUDE)
WEEKENDS = Restriction(WEEKEND, time(9), time(9))
HOLIDAYS = Restriction(holidays=HolidayRule.ONLY)
MONDAY = datetime(2026, 6, 1, 0, 0, tzinfo=SGT)


def rotation(name: str, *windows: Restriction, members: tuple[str, ...] = ("UA", "UB")) -> Rotation:
    return Rotation(name, members, WEEKLY, time(9), START, 0, windows)


def schedule(*rotations: Rotation, rules: tuple[CoverageRule, ...] = (CoverageRule("primary"),)) -> Schedule:
    return Schedule(
        id="s",
        title="S",
        timezone=SGT,
        layers=(Layer("primary", rotations),),
        holidays=frozenset({date(2026, 6, 3)}),  # a Wednesday
        coverage=Coverage(rules),
    )


def local(gap: Gap) -> tuple[str, str]:
    return f"{gap.start_at.astimezone(SGT):%a %d %H:%M}", f"{gap.end_at.astimezone(SGT):%a %d %H:%M}"


def test_office_nights_weekends_and_holidays_leave_no_gap():
    full = schedule(rotation("office", OFFICE), rotation("nights", NIGHTS), rotation("weekend", WEEKENDS, HOLIDAYS))
    assert coverage_gaps(full, MONDAY, MONDAY + 8 * WEEKLY) == []
    assert unreachable_rotations(full, MONDAY, MONDAY + 8 * WEEKLY) == []


def test_without_the_night_rotation_every_weekday_night_is_a_gap():
    planted = schedule(rotation("office", OFFICE), rotation("weekend", WEEKENDS, HOLIDAYS))
    gaps = coverage_gaps(planted, MONDAY, MONDAY + WEEKLY)
    # Monday 00:00-09:00 is the weekend rotation's; the holiday Wednesday is whole.
    assert [local(g) for g in gaps] == [
        ("Mon 01 18:00", "Tue 02 09:00"),
        ("Tue 02 18:00", "Wed 03 00:00"),
        ("Thu 04 00:00", "Thu 04 09:00"),
        ("Thu 04 18:00", "Fri 05 09:00"),
        ("Fri 05 18:00", "Sat 06 09:00"),
    ]
    assert {g.layer for g in gaps} == {"primary"}


def test_an_override_closes_a_gap():
    planted = schedule(rotation("office", OFFICE), rotation("weekend", WEEKENDS, HOLIDAYS))
    night = Override(
        None, "s", "primary", "UX", None, datetime(2026, 6, 5, 18, tzinfo=SGT), datetime(2026, 6, 6, 9, tzinfo=SGT)
    )
    gaps = coverage_gaps(planted, MONDAY, MONDAY + WEEKLY, overrides=[night])
    assert ("Fri 05 18:00", "Sat 06 09:00") not in [local(g) for g in gaps]


def test_an_empty_rotation_shows_up_as_a_gap():
    emptied = schedule(rotation("always", members=()))
    assert coverage_gaps(emptied, MONDAY, MONDAY + WEEKLY) == [Gap("primary", MONDAY, MONDAY + WEEKLY)]


def test_weekend_only_coverage_ignores_weekdays():
    rules = (CoverageRule("primary", (WEEKENDS, HOLIDAYS)),)
    only_office = schedule(rotation("office", OFFICE), rules=rules)
    gaps = coverage_gaps(only_office, MONDAY, MONDAY + WEEKLY)
    # The window ends on Monday 00:00; the weekend before it runs to Monday 01 09:00.
    assert [local(g) for g in gaps] == [
        ("Mon 01 00:00", "Mon 01 09:00"),
        ("Wed 03 00:00", "Thu 04 00:00"),
        ("Sat 06 09:00", "Mon 08 00:00"),
    ]


def test_coverage_of_a_layer_the_schedule_lacks_is_all_gap():
    missing = schedule(rotation("always"), rules=(CoverageRule("secondary"),))
    assert coverage_gaps(missing, MONDAY, MONDAY + WEEKLY) == [Gap("secondary", MONDAY, MONDAY + WEEKLY)]


def test_a_rotation_fully_covered_by_a_later_one_is_unreachable():
    shadowed = schedule(rotation("office", OFFICE), rotation("always"))
    assert unreachable_rotations(shadowed, MONDAY, MONDAY + 8 * WEEKLY) == ["office"]
    two = schedule(rotation("lunch", Restriction(start=time(12), end=time(13))), rotation("office", OFFICE))
    # Lunch on weekends and on the holiday still wins, so it is reachable.
    assert unreachable_rotations(two, MONDAY, MONDAY + 8 * WEEKLY) == []


def test_a_rotation_with_no_active_time_in_the_window_is_not_reported():
    holiday_only = schedule(rotation("holiday", Restriction(holidays=HolidayRule.ONLY)), rotation("office", OFFICE))
    later = datetime(2026, 7, 6, tzinfo=SGT)
    assert unreachable_rotations(holiday_only, later, later + WEEKLY) == []
