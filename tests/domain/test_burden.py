"""Burden: hours split exactly by kind of time (weekday, weeknight, weekend, holiday), shifts and pages
counted by the kind they start in, and who covered whom from overrides."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.burden import Calendar, TimeKind, burden
from bot.domain.rota_model import BusinessHours, Shift

SGT = ZoneInfo("Asia/Singapore")
DEEPAVALI_IN_LIEU = date(2026, 11, 9)  # a Monday
CAL = Calendar(SGT, BusinessHours(), frozenset({DEEPAVALI_IN_LIEU}))


def sgt(*args: int) -> datetime:
    return datetime(*args, tzinfo=SGT)


def test_a_week_of_round_the_clock_cover_splits_into_the_four_kinds():
    # Saturday 7 Nov 09:00 to Saturday 14 Nov 09:00: Sat+Sun weekend, Monday a holiday, Tue to Fri working.
    split = CAL.split(sgt(2026, 11, 7, 9), sgt(2026, 11, 14, 9))
    assert split[TimeKind.WEEKEND] == timedelta(hours=15 + 24 + 9)
    assert split[TimeKind.HOLIDAY] == timedelta(hours=24)
    assert split[TimeKind.WEEKDAY] == timedelta(hours=4 * 9)
    assert split[TimeKind.WEEKNIGHT] == timedelta(hours=4 * 15)
    assert sum(split.values(), timedelta()) == timedelta(days=7)


def test_shifts_pages_and_covers_per_person():
    start, end = sgt(2026, 11, 9, 0), sgt(2026, 11, 11, 0)
    natural = [Shift("s", "primary", "U1", start, end, "r")]
    covering = Shift("s", "primary", "U2", sgt(2026, 11, 10, 20), sgt(2026, 11, 10, 23), None, 5)
    as_ran = [
        (Shift("s", "primary", "U1", start, covering.start_at, "r"), CAL),
        (covering, CAL),
        (Shift("s", "primary", "U1", covering.end_at, end, "r"), CAL),
    ]
    pages = [("U1", sgt(2026, 11, 9, 12)), ("U1", sgt(2026, 11, 10, 10)), ("U2", sgt(2026, 11, 10, 21))]
    result = burden(start_at=start, end_at=end, shifts=as_ran, natural=natural, pages=pages, page_calendar=CAL)
    one, two = (next(p for p in result.people if p.user_id == u) for u in ("U1", "U2"))
    assert one.shifts == {TimeKind.HOLIDAY: 1, TimeKind.WEEKNIGHT: 1}
    assert one.hours == {TimeKind.HOLIDAY: 24.0, TimeKind.WEEKNIGHT: 12.0, TimeKind.WEEKDAY: 9.0}
    assert one.pages == {TimeKind.HOLIDAY: 1, TimeKind.WEEKDAY: 1}
    assert two.hours == {TimeKind.WEEKNIGHT: 3.0} and two.pages == {TimeKind.WEEKNIGHT: 1}
    assert two.covered == (("U1", 3.0),) and one.covered_by == (("U2", 3.0),)
    assert [p.user_id for p in result.people] == ["U1", "U2"]  # heaviest first
