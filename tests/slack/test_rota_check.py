"""The weekly rota check tells the leads' channel of gaps and placeholder ids in the next N weeks,
once across two replicas, at its local time; a clean rota posts nothing."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.domain import rota
from bot.domain.digest_schedule import DigestSchedule
from bot.services.rota_check import plan_rota_checks
from slack_standin import SlackStandIn
from tests.slack.conftest import ticks_pass, wait_until

SGT = ZoneInfo("Asia/Singapore")
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=SGT)
WEEKLY = (DigestSchedule("C0LEADS", time(9, 0), frozenset({0}), SGT, kind="rota_check"),)


def rota_checks(standin: SlackStandIn) -> list[dict]:
    return [
        c.args
        for c in standin.calls("chat.postMessage")
        if c.ok and c.args["channel"] == "C0LEADS" and "Rota check" in c.args.get("text", "")
    ]


def with_gap_after(config, stop: datetime):
    """The shipped config whose after-hours rotation stops at `stop` (weekday nights uncovered after it)."""
    [(schedule_id, schedule)] = config.schedules.items()
    primary = schedule.layer("primary")
    last = stop.date()
    rotations = tuple(
        dataclasses.replace(
            r, restrictions=tuple(dataclasses.replace(w, dates=((r.start, last),)) for w in r.restrictions)
        )
        if r.name == "after-hours"
        else r
        for r in primary.rotations
    )
    layers = tuple(rota.Layer("primary", rotations) if lay.name == "primary" else lay for lay in schedule.layers)
    return dataclasses.replace(config, schedules={schedule_id: dataclasses.replace(schedule, layers=layers)})


def test_rota_check_tells_the_leads_of_a_gap_weeks_ahead_and_of_placeholders_once(
    standin: SlackStandIn, make_bot, shipped_config
):
    config = with_gap_after(shipped_config, datetime(2027, 1, 15, tzinfo=SGT))  # 6 weeks ahead
    clock = FakeClock(MONDAY_9 - timedelta(minutes=2))
    first = make_bot(clock=clock, config=config, rota_checks=WEEKLY, rota_check_weeks=8)
    second = make_bot(clock=clock, config=config, rota_checks=WEEKLY, rota_check_weeks=8)
    for bot in (first, second):
        plan_rota_checks(config=bot.config, store=bot.store, now=clock.now())
    ticks_pass(first)
    assert rota_checks(standin) == []
    clock.set(MONDAY_9 + timedelta(seconds=5))
    ticks_pass(first)
    ticks_pass(second)
    [post] = wait_until(lambda: rota_checks(standin))
    text = str(post["blocks"])
    # Fri 15 Jan is the last dated day: its night stops at midnight, so Saturday 00:00 to 09:00 is the first gap.
    gap_start = datetime(2027, 1, 16, 0, 0, tzinfo=SGT)
    assert "nobody on call for *primary*" in text
    assert f"<!date^{int(gap_start.timestamp())}^" in text
    assert "placeholder id `U0SPEC1`" in text
    ticks_pass(first)
    ticks_pass(second)
    assert len(rota_checks(standin)) == 1


def test_a_gap_beyond_the_window_is_not_reported_by_the_weekly_check(standin: SlackStandIn, make_bot, shipped_config):
    config = with_gap_after(shipped_config, datetime(2027, 6, 30, tzinfo=SGT))
    config = dataclasses.replace(config, placeholders={})
    clock = FakeClock(MONDAY_9 - timedelta(minutes=2))
    bot = make_bot(clock=clock, config=config, rota_checks=WEEKLY, rota_check_weeks=8)
    plan_rota_checks(config=bot.config, store=bot.store, now=clock.now())
    clock.set(MONDAY_9 + timedelta(seconds=5))
    ticks_pass(bot)
    with bot.store.read() as tx:
        assert tx.jobs.states(kind="rota.check")["rota_check:C0LEADS:2026-12-07T09:00"] == "done"
    assert rota_checks(standin) == []
