"""Policies page rota layers: the shipped policies page this week's duty lead (issue 14, item 2)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, wait_until
from tests.slack.test_paging import dms, on_call

SGT = ZoneInfo("Asia/Singapore")


def test_level_three_pages_this_weeks_duty_lead_on_a_tuesday(standin: SlackStandIn, make_bot):
    clock = FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT), ticking=True)
    bot = make_bot(clock=clock)
    assert on_call(bot, "lead", clock.now()) == ("U0LEAD2",)
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))  # SEV1
    wait_until(lambda: len(dms(standin)) == 1)
    clock.advance(timedelta(minutes=15))  # no secondary on a weekday: level 3 follows at once
    bot.ticker.kick()
    wait_until(lambda: len(dms(standin)) == 2)
    assert dms(standin)[1][0] == "U0LEAD2"
    assert "U0LEAD1" not in [u for u, _ in dms(standin)]


def test_the_duty_lead_after_a_monday_handoff_is_the_other_lead(standin: SlackStandIn, make_bot):
    clock = FakeClock(datetime(2026, 11, 28, 23, 0, tzinfo=SGT), ticking=True)  # Saturday night
    bot = make_bot(clock=clock)
    assert on_call(bot, "lead", clock.now()) == ("U0LEAD1",)
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))
    wait_until(lambda: len(dms(standin)) == 1)
    clock.advance(timedelta(minutes=15))
    bot.ticker.kick()
    wait_until(lambda: len(dms(standin)) == 2)  # the weekend secondary
    clock.advance(timedelta(minutes=15))
    bot.ticker.kick()
    wait_until(lambda: len(dms(standin)) == 3)
    assert dms(standin)[2][0] == "U0LEAD1"
