"""On-call burden over a period, from the rota as it ran (overrides included) and the pages sent."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config.model import Config
from bot.domain import rota
from bot.domain.burden import Burden, Calendar, burden
from bot.store.store import Store
from bot.store.weekly import pages_between

PERIODS = (("week", timedelta(days=7)), ("month", timedelta(days=30)), ("quarter", timedelta(days=91)))


def calendar_of(schedule: rota.Schedule) -> Calendar:
    return Calendar(schedule.timezone, schedule.business_hours, schedule.holidays)


def build_burden(config: Config, store: Store, *, start_at: datetime, end_at: datetime) -> Burden:
    """Everyone's shifts, hours and pages in [start_at, end_at), split by kind of time, and who covered whom."""
    # Never behind an ack (weekly report, chart jobs, App Home, the CLI): a quarter of pages on a busy store
    # can take longer than the ack budget (bench/bench_digest.py on Postgres under load), so wait patiently.
    with store.read(patient=True) as tx:
        overrides = {s: tuple(tx.overrides.active(s)) for s in config.schedules}
        pages = pages_between(tx.session, start_at=start_at, end_at=end_at)
    shifts = []
    natural = []
    for schedule in config.schedules.values():
        calendar = calendar_of(schedule)
        shifts += [(s, calendar) for s in rota.shifts(schedule, start_at, end_at, overrides=overrides[schedule.id])]
        if overrides[schedule.id]:
            natural += rota.shifts(schedule, start_at, end_at)
    first = next(iter(config.schedules.values()), None)
    return burden(
        start_at=start_at,
        end_at=end_at,
        shifts=shifts,
        natural=natural,
        pages=pages,
        page_calendar=calendar_of(first) if first else None,
    )


def burden_periods(config: Config, store: Store, *, end_at: datetime) -> dict[str, Burden]:
    """The week, month (30 days) and quarter (91 days) before `end_at`."""
    return {name: build_burden(config, store, start_at=end_at - length, end_at=end_at) for name, length in PERIODS}
