"""Under freezegun: the daily digest is sent at 09:00 Singapore time exactly once per channel per day,
with two replicas on one store and through a restart (on SQLite and Postgres)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from bot.clock import SystemClock
from bot.domain.digest_schedule import DAYS, DigestSchedule
from bot.jobs.runner import JobRunner
from bot.services.deliveries import give_up
from bot.services.digests import Digests, plan_digests
from bot.store.store import Store

SGT = ZoneInfo("Asia/Singapore")


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []

    def post_digest(self, digest, *, channel_id):
        self.sent.append((channel_id, digest.late))


def test_nine_oclock_digest_once_with_two_replicas_and_a_restart(store_url, shipped_config):
    daily = (DigestSchedule("C0LEADS", time(9, 0), DAYS["daily"], SGT),)
    config = dataclasses.replace(shipped_config, app=dataclasses.replace(shipped_config.app, digests=daily))
    recorder = Recorder()
    replicas = [Store.open(store_url) for _ in range(2)]

    def replica(store: Store) -> JobRunner:
        handlers = Digests(config, store, recorder, SystemClock().now).handlers()
        return JobRunner(store=store, clock=SystemClock(), handlers=handlers, give_up=give_up)

    try:
        runners = [replica(s) for s in replicas]
        with freeze_time(datetime(2026, 12, 2, 8, 59, tzinfo=SGT)) as frozen:
            for store, runner in zip(replicas, runners, strict=True):
                plan_digests(config=config, store=store, now=SystemClock().now())
                runner.run_due()
            assert recorder.sent == []
            frozen.move_to(datetime(2026, 12, 2, 9, 0, 1, tzinfo=SGT))
            for store, runner in zip(replicas * 2, runners * 2, strict=True):
                plan_digests(config=config, store=store, now=SystemClock().now())
                runner.run_due()
            assert recorder.sent == [("C0LEADS", False)]
            replicas[0].close()
            replicas[0] = Store.open(store_url)  # a restart
            restarted = replica(replicas[0])
            plan_digests(config=config, store=replicas[0], now=SystemClock().now())
            restarted.run_due()
            assert recorder.sent == [("C0LEADS", False)]
            frozen.move_to(datetime(2026, 12, 3, 9, 0, 1, tzinfo=SGT))
            plan_digests(config=config, store=replicas[1], now=SystemClock().now())
            runners[1].run_due()
            restarted.run_due()
            assert recorder.sent == [("C0LEADS", False), ("C0LEADS", False)]
    finally:
        for store in replicas:
            store.close()


def test_the_digest_splits_days_by_the_schedules_calendar_with_its_extra_and_excluded_days(shipped_config):
    from datetime import date

    from bot.services.digest_data import day_calendar, team_holidays

    [(schedule_id, schedule)] = list(shipped_config.schedules.items())
    deepavali = date(2026, 11, 9)  # in-lieu Monday in the package list
    assert deepavali in team_holidays(shipped_config)
    company_day = date(2026, 12, 24)
    edited = dataclasses.replace(schedule, holidays=(schedule.holidays | {company_day}) - {deepavali})
    config = dataclasses.replace(shipped_config, schedules={schedule_id: edited})
    zone, holidays = day_calendar(config)
    assert zone == schedule.timezone
    assert company_day in holidays and deepavali not in holidays
