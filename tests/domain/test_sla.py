"""SLA clocks: business hours, public holidays, wall time, DST, pauses, warnings and deadline reminders."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.rota_model import EVERY_DAY, BusinessHours, HolidayRule, Restriction
from bot.domain.rota_time import active_spans
from bot.domain.sla import (
    SlaCalendar,
    SlaClock,
    SlaTimer,
    deadline_reminders,
    due_at,
    elapsed,
    is_breached,
    remaining,
    timer_due_at,
    warning_at,
)

SGT = ZoneInfo("Asia/Singapore")
LONDON = ZoneInfo("Europe/London")
SG_2026 = frozenset(holidays.country_holidays("SG", years=2026))
OFFICE = BusinessHours()  # Monday to Friday, 09:00-18:00
H = timedelta(hours=1)


def sgt(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SGT)


def business(zone: ZoneInfo = SGT, hours: BusinessHours = OFFICE, **more: object) -> SlaCalendar:
    return SlaCalendar(SlaClock.BUSINESS_HOURS, zone, hours, **more)  # type: ignore[arg-type]


def wall(zone: ZoneInfo = SGT, **more: object) -> SlaCalendar:
    return SlaCalendar(SlaClock.WALL, zone, None, **more)  # type: ignore[arg-type]


# --- business hours -----------------------------------------------------------------------------


def test_a_4h_sla_started_friday_afternoon_is_due_monday_late_morning():
    due = due_at(business(), sgt(6, 5, 16), 4 * H)
    assert due == sgt(6, 8, 11)
    assert due.tzinfo is UTC


def test_a_4h_sla_started_friday_evening_waits_for_monday_morning():
    assert due_at(business(), sgt(6, 5, 20), 4 * H) == sgt(6, 8, 13)


def test_an_sla_that_uses_up_a_window_exactly_is_due_when_the_window_closes():
    assert due_at(business(), sgt(6, 5, 16), 2 * H) == sgt(6, 5, 18)
    assert elapsed(business(), sgt(6, 5, 16), sgt(6, 8, 9)) == 2 * H


def test_christmas_on_a_friday_is_skipped_from_a_frozen_christmas_eve_clock():
    with freeze_time("2026-12-24 17:00:00+08:00"):
        now = datetime.now(UTC)
        assert due_at(business(holidays=SG_2026), now, 4 * H) == sgt(12, 28, 12)
        assert due_at(business(holidays=SG_2026), now, 18 * H) == sgt(12, 29, 17)
        assert due_at(business(holidays=SG_2026, skip_holidays=False), now, 4 * H) == sgt(12, 25, 12)


def test_deepavali_on_a_sunday_skips_the_in_lieu_monday():
    assert date(2026, 11, 9) in SG_2026
    assert due_at(business(holidays=SG_2026), sgt(11, 6, 16), 4 * H) == sgt(11, 10, 11)


def test_a_holiday_on_a_weekend_changes_nothing_in_business_hours():
    deepavali_only = frozenset({date(2026, 11, 8)})  # the Sunday, without the day in lieu
    assert due_at(business(holidays=deepavali_only), sgt(11, 6, 16), 4 * H) == sgt(11, 9, 11)
    assert date(2026, 3, 21) in SG_2026  # Hari Raya Puasa, a Saturday: no day in lieu
    assert due_at(business(holidays=SG_2026), sgt(3, 20, 16), 4 * H) == sgt(3, 23, 11)


def test_business_hours_may_include_the_weekend():
    seven_days = BusinessHours(days=EVERY_DAY, start=time(10), end=time(16))
    assert due_at(business(hours=seven_days), sgt(6, 5, 15), 4 * H) == sgt(6, 6, 13)


# --- wall clock ---------------------------------------------------------------------------------


def test_wall_time_skips_a_whole_local_holiday_from_christmas_eve_to_boxing_day():
    christmas = frozenset({date(2026, 12, 25)})
    due = due_at(wall(holidays=christmas), sgt(12, 24, 20), 8 * H)
    assert due == sgt(12, 26, 4)
    assert elapsed(wall(holidays=christmas), sgt(12, 24, 20), due) == 8 * H
    assert due_at(wall(holidays=christmas, skip_holidays=False), sgt(12, 24, 20), 8 * H) == sgt(12, 25, 4)


def test_wall_time_counts_weekends_but_skips_a_weekend_holiday_and_its_day_in_lieu():
    assert due_at(wall(), sgt(11, 7, 12), 24 * H) == sgt(11, 8, 12)
    assert due_at(wall(holidays=SG_2026), sgt(11, 7, 12), 24 * H) == sgt(11, 10, 12)


def test_wall_time_started_on_a_holiday_begins_counting_the_next_midnight():
    christmas = frozenset({date(2026, 12, 25)})
    assert due_at(wall(holidays=christmas), sgt(12, 25, 10), H) == sgt(12, 26, 1)
    assert elapsed(wall(holidays=christmas), sgt(12, 25, 10), sgt(12, 25, 23)) == timedelta()


def test_elapsed_is_negative_when_the_instants_are_reversed():
    assert elapsed(business(), sgt(6, 8, 11), sgt(6, 5, 16)) == -4 * H


# --- DST (Europe/London: 28 March 2027 loses 01:00-02:00, 25 October 2026 repeats 01:00-02:00) --------


def sunday_hours(start: time, end: time) -> SlaCalendar:
    return business(LONDON, BusinessHours(days=frozenset({6}), start=start, end=end))


@pytest.mark.parametrize(
    ("day", "start", "end", "real_hours"),
    [
        (date(2027, 3, 28), time(9), time(18), 9),  # the change is outside the window
        (date(2026, 10, 25), time(9), time(18), 9),
        (date(2027, 3, 28), time(0), time(12), 11),  # the gap falls inside: an hour shorter
        (date(2026, 10, 25), time(0), time(12), 13),  # the repeated hour falls inside: an hour longer
        (date(2027, 3, 28), time(1, 30), time(6), 4),  # a start in the gap means the end of the gap
        (date(2026, 10, 25), time(1, 30), time(6), 5.5),  # a repeated start means the first one
        (date(2026, 10, 25), time(0), time(1, 30), 1.5),  # and so does a repeated end
        (date(2027, 3, 28), time(1, 10), time(1, 50), 0),  # wholly inside the gap: empty
    ],
)
def test_a_window_on_a_dst_day_counts_real_elapsed_time(day, start, end, real_hours):
    midnight = datetime.combine(day, time(0), tzinfo=LONDON)
    assert elapsed(sunday_hours(start, end), midnight, midnight + timedelta(days=1)) == real_hours * H


def test_due_on_a_dst_day_is_real_hours_into_the_window():
    spring, autumn = sunday_hours(time(0), time(12)), sunday_hours(time(0), time(12))
    assert due_at(spring, datetime(2027, 3, 28, tzinfo=LONDON), 10 * H) == datetime(2027, 3, 28, 10, tzinfo=UTC)
    assert due_at(autumn, datetime(2026, 10, 25, tzinfo=LONDON), 10 * H) == datetime(2026, 10, 25, 9, tzinfo=UTC)
    # 40 minutes inside the gap count for nothing, so the SLA moves to the next Sunday's window.
    gap = sunday_hours(time(1, 10), time(1, 50))
    assert due_at(gap, datetime(2027, 3, 28, tzinfo=LONDON), 30 * timedelta(minutes=1)) == datetime(
        2027, 4, 4, 1, 40, tzinfo=LONDON
    )


def test_office_hours_across_the_spring_change_stay_nine_to_six_local():
    weekend_office = business(LONDON, BusinessHours(days=EVERY_DAY))
    start_at = datetime(2027, 3, 27, 16, tzinfo=LONDON)
    due = due_at(weekend_office, start_at, 4 * H)
    assert due == datetime(2027, 3, 28, 11, tzinfo=LONDON) == datetime(2027, 3, 28, 10, tzinfo=UTC)


def test_a_wall_clock_holiday_on_a_dst_day_lasts_23_or_25_hours():
    spring = wall(LONDON, holidays=frozenset({date(2027, 3, 28)}))
    due = due_at(spring, datetime(2027, 3, 27, 12, tzinfo=LONDON), 24 * H)
    assert due == datetime(2027, 3, 29, 12, tzinfo=LONDON)
    assert due - datetime(2027, 3, 27, 12, tzinfo=LONDON) == 47 * H
    autumn = wall(LONDON, holidays=frozenset({date(2026, 10, 25)}))
    due = due_at(autumn, datetime(2026, 10, 24, 12, tzinfo=LONDON), 24 * H)
    assert due - datetime(2026, 10, 24, 12, tzinfo=LONDON) == 49 * H


# --- pauses (the resolve clock stops while the case waits on the rep) ------------------------------


def test_waiting_on_the_rep_stops_the_resolve_clock_and_resuming_moves_the_due_time():
    timer = SlaTimer(sgt(6, 8, 9), 8 * H)
    assert timer_due_at(business(), timer) == sgt(6, 8, 17)
    paused = timer.pause(sgt(6, 8, 13))
    assert paused.is_paused
    assert timer_due_at(business(), paused) is None
    assert remaining(business(), paused, sgt(6, 9, 15)) == 4 * H
    assert not is_breached(business(), paused, sgt(6, 12, 15))
    resumed = paused.resume(sgt(6, 9, 10))
    assert timer_due_at(business(), resumed) == sgt(6, 9, 14)
    assert remaining(business(), resumed, sgt(6, 9, 13)) == H
    assert remaining(business(), resumed, sgt(6, 9, 15)) == -H
    assert is_breached(business(), resumed, sgt(6, 9, 14))


def test_a_pause_outside_business_hours_changes_nothing():
    timer = SlaTimer(sgt(6, 8, 9), 12 * H, paused=((sgt(6, 8, 19), sgt(6, 9, 8)),))
    assert timer_due_at(business(), timer) == sgt(6, 9, 12)


def test_a_timer_breached_before_it_was_paused_keeps_its_due_time_and_its_overdue_time():
    timer = SlaTimer(sgt(6, 8, 9), 2 * H).pause(sgt(6, 8, 13))
    assert timer_due_at(business(), timer) == sgt(6, 8, 11)
    assert remaining(business(), timer, sgt(6, 10, 12)) == -2 * H
    assert is_breached(business(), timer, sgt(6, 10, 12))


def test_a_timer_running_out_as_a_pause_begins_is_due_then():
    closed = SlaTimer(sgt(6, 8, 9), 4 * H, paused=((sgt(6, 8, 13), sgt(6, 8, 15)),))
    assert timer_due_at(business(), closed) == sgt(6, 8, 13)
    assert timer_due_at(business(), SlaTimer(sgt(6, 8, 9), 4 * H).pause(sgt(6, 8, 13))) == sgt(6, 8, 13)
    assert is_breached(business(), closed, sgt(6, 8, 14))


def test_remaining_before_the_clock_starts_is_the_whole_duration():
    assert remaining(business(), SlaTimer(sgt(6, 8, 9), 4 * H), sgt(6, 6, 9)) == 4 * H


@pytest.mark.parametrize(
    "paused",
    [
        ((sgt(6, 8, 8), sgt(6, 8, 10)),),  # before the clock starts
        ((sgt(6, 8, 12), sgt(6, 8, 11)),),  # ends before it begins
        ((sgt(6, 8, 12), sgt(6, 8, 14)), (sgt(6, 8, 13), sgt(6, 8, 15))),  # overlapping
        ((sgt(6, 8, 12), None), (sgt(6, 8, 13), sgt(6, 8, 15))),  # an open pause before another
    ],
)
def test_malformed_pauses_are_refused(paused):
    with pytest.raises(ValueError, match="pause"):
        SlaTimer(sgt(6, 8, 9), 4 * H, paused=paused)


def test_pausing_twice_or_resuming_a_running_clock_is_refused():
    timer = SlaTimer(sgt(6, 8, 9), 4 * H)
    with pytest.raises(ValueError, match="not paused"):
        timer.resume(sgt(6, 8, 10))
    with pytest.raises(ValueError, match="already paused"):
        timer.pause(sgt(6, 8, 10)).pause(sgt(6, 8, 11))


# --- warnings -----------------------------------------------------------------------------------


def test_the_warning_comes_at_80_percent_of_counted_time():
    timer = SlaTimer(sgt(6, 8, 9), 10 * H)
    assert warning_at(business(), timer) == sgt(6, 8, 17)
    assert timer_due_at(business(), timer) == sgt(6, 9, 10)
    assert warning_at(business(), timer, fraction=0.5) == sgt(6, 8, 14)


def test_a_pause_moves_the_warning_too_and_an_open_one_withholds_it():
    timer = SlaTimer(sgt(6, 8, 9), 10 * H, paused=((sgt(6, 8, 12), sgt(6, 8, 15)),))
    assert warning_at(business(), timer) == sgt(6, 9, 11)
    assert timer_due_at(business(), timer) == sgt(6, 9, 13)
    assert warning_at(business(), SlaTimer(sgt(6, 8, 9), 10 * H).pause(sgt(6, 8, 12))) is None
    with pytest.raises(ValueError, match="fraction"):
        warning_at(business(), timer, fraction=1.5)


# --- deadline reminders -------------------------------------------------------------------------


def test_reminders_before_a_deadline_more_than_a_day_away():
    with freeze_time("2026-06-08 09:00:00+08:00"):
        now = datetime.now(UTC)
        assert deadline_reminders(sgt(6, 9, 12), now) == (
            ("24h", sgt(6, 8, 12)),
            ("2h", sgt(6, 9, 10)),
            ("passed", sgt(6, 9, 12)),
        )


@pytest.mark.parametrize(
    ("deadline_at", "names"),
    [
        (sgt(6, 8, 14), ("2h", "passed")),  # the 24 h mark is already behind us
        (sgt(6, 8, 11), ("2h", "passed")),  # the 2 h mark is exactly now: still scheduled
        (sgt(6, 8, 10), ("passed",)),  # the 2 h mark passed: skipped, not fired late
        (sgt(6, 8, 9), ("passed",)),
        (sgt(6, 8, 8), ()),  # the deadline itself has passed
    ],
)
def test_reminders_already_behind_now_are_skipped(deadline_at, names):
    with freeze_time("2026-06-08 09:00:00+08:00"):
        reminders = deadline_reminders(deadline_at, datetime.now(UTC))
    assert tuple(name for name, _ in reminders) == names


def test_reminders_can_be_chosen_and_are_named_by_their_lead():
    deadline_at = sgt(6, 20, 12)
    reminders = deadline_reminders(deadline_at, sgt(6, 8, 9), before=(timedelta(hours=48), timedelta(minutes=30)))
    assert reminders == (("48h", sgt(6, 18, 12)), ("30m", sgt(6, 20, 11, 30)), ("passed", deadline_at))
    with pytest.raises(ValueError, match="distinct"):
        deadline_reminders(deadline_at, sgt(6, 8, 9), before=(timedelta(hours=2), timedelta(minutes=120)))


# --- validation and speed -----------------------------------------------------------------------


def test_calendars_and_instants_are_checked():
    with pytest.raises(ValueError, match="needs business hours"):
        SlaCalendar(SlaClock.BUSINESS_HOURS, SGT, None)
    with pytest.raises(ValueError, match="end after"):
        business(hours=BusinessHours(start=time(20), end=time(4)))
    with pytest.raises(ValueError, match="no time zone"):
        due_at(business(), datetime(2026, 6, 8, 9), H)  # noqa: DTZ001
    with pytest.raises(ValueError, match="shorter than zero"):
        due_at(business(), sgt(6, 8, 9), -H)
    assert due_at(business(), sgt(6, 6, 9), timedelta()) == sgt(6, 6, 9)


def test_a_five_day_business_sla_takes_well_under_a_millisecond():
    calendar = business(holidays=SG_2026)
    starts = [sgt(1, 1, 0) + k * timedelta(hours=7, minutes=13) for k in range(500)]
    started = clock.perf_counter()
    for start_at in starts:
        due_at(calendar, start_at, 45 * H)
    assert (clock.perf_counter() - started) / len(starts) < 0.001


# --- properties ---------------------------------------------------------------------------------

FAST = settings(max_examples=60, deadline=None)
ZONES = [ZoneInfo(name) for name in ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Singapore")]
instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 6, 30), timezones=st.just(UTC))  # noqa: DTZ001
durations = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=5))


@st.composite
def business_hours(draw: st.DrawFn) -> BusinessHours:
    start = draw(st.integers(0, 22 * 4))
    end = draw(st.integers(start + 4, 24 * 4 - 1))
    return BusinessHours(
        days=draw(st.frozensets(st.integers(0, 6), min_size=1)),
        start=time(start // 4, start % 4 * 15),
        end=time(end // 4, end % 4 * 15),
    )


calendars = st.builds(
    SlaCalendar,
    mode=st.sampled_from(list(SlaClock)),
    timezone=st.sampled_from(ZONES),
    business_hours=business_hours(),
    holidays=st.frozensets(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=30),
    skip_holidays=st.booleans(),
)


@st.composite
def timers(draw: st.DrawFn) -> SlaTimer:
    cursor = start_at = draw(instants)
    paused = []
    for _ in range(draw(st.integers(0, 3))):
        pause_start = cursor + draw(st.timedeltas(timedelta(), timedelta(days=2)))
        cursor = pause_start + draw(st.timedeltas(timedelta(), timedelta(days=2)))
        paused.append((pause_start, cursor))
    return SlaTimer(start_at, draw(durations), tuple(paused))


@FAST
@given(calendars, instants, durations)
def test_elapsed_undoes_due_at(calendar, start_at, duration):
    assert elapsed(calendar, start_at, due_at(calendar, start_at, duration)) == duration


@FAST
@given(calendars, instants, durations, durations)
def test_a_longer_sla_is_never_due_sooner(calendar, start_at, first, second):
    shorter, longer = sorted((first, second))
    assert due_at(calendar, start_at, shorter) <= due_at(calendar, start_at, longer)


@FAST
@given(st.sampled_from(ZONES), st.booleans(), instants, durations)
def test_wall_time_without_holidays_is_plain_addition(zone, skip, start_at, duration):
    assert due_at(SlaCalendar(SlaClock.WALL, zone, None, frozenset(), skip), start_at, duration) == start_at + duration


@FAST
@given(calendars, timers())
def test_pausing_never_makes_the_due_time_earlier(calendar, timer):
    due = timer_due_at(calendar, timer)
    assert due is not None
    assert due >= due_at(calendar, timer.started_at, timer.duration)
    assert remaining(calendar, timer, due) == timedelta()
    assert remaining(calendar, timer, due - timedelta(microseconds=1)) > timedelta()


@FAST
@given(calendars, instants, st.timedeltas(timedelta(), timedelta(days=20)))
def test_counted_time_matches_the_rota_restriction_windows(calendar, start_at, length):
    # An independent route to the same answer: rota_time's restriction spans (cut at local midnights).
    if calendar.mode == SlaClock.WALL:
        window = Restriction(days=EVERY_DAY, holidays=HolidayRule.EXCLUDE)
    else:
        window = calendar.business_hours.as_restriction()
    skipped = calendar.holidays if calendar.skip_holidays else frozenset()
    spans = active_spans([window], calendar.timezone, skipped, start_at, start_at + length)
    assert elapsed(calendar, start_at, start_at + length) == sum((end - start for start, end in spans), timedelta())


def test_days_on_a_business_hours_clock_are_business_days_and_the_words_say_so():
    from bot.domain.sla import SlaCalendar, SlaClock, budget
    from bot.domain.sla_terms import describe

    sg = ZoneInfo("Asia/Singapore")
    business = SlaCalendar(SlaClock.BUSINESS_HOURS, sg, BusinessHours())
    wall = SlaCalendar(SlaClock.WALL, sg, BusinessHours(), skip_holidays=False)
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert budget(business, timedelta(days=2)) == timedelta(hours=18)
    assert budget(business, timedelta(hours=4)) == timedelta(hours=4)
    assert budget(wall, timedelta(days=2)) == timedelta(days=2)
    assert describe(business, timedelta(days=2), at=at) == "2 business days, Mon-Fri 09:00-18:00 SGT".replace(
        "-", "\u2013"
    )
    assert describe(business, timedelta(hours=4), at=at) == "4 business hours, Mon-Fri 09:00-18:00 SGT".replace(
        "-", "\u2013"
    )
    assert describe(wall, timedelta(minutes=15), at=at) == "15 min, round the clock"
    assert describe(wall, timedelta(hours=8), at=at) == "8 hours, round the clock"
