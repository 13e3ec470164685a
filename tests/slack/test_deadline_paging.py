"""Deadline-aware paging (issue 14, item 1): a held case is paged in time for its deadline; a deadline
that comes within a raise window raises the severity then, with re-paging; reminders mention whoever
works the case."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, wait_until
from tests.slack.test_lifecycle import case, events
from tests.slack.test_paging import dms, on_call

SGT = ZoneInfo("Asia/Singapore")
FRIDAY_7PM = datetime(2026, 12, 4, 19, 0, tzinfo=SGT)


def thread_texts(standin: SlackStandIn, bot) -> list[str]:
    root = case(bot).root
    return [m["text"] for m in standin.messages(root.channel_id, thread_ts=root.ts)] if root else []


def move_to(bot, clock: FakeClock, at: datetime) -> None:
    clock.set(at)
    bot.ticker.kick()


def test_a_sev3_filed_friday_evening_for_a_monday_8am_deadline_is_raised_and_paged_on_sunday_morning(
    standin: SlackStandIn, make_bot
):
    clock = FakeClock(FRIDAY_7PM, ticking=True)
    bot = make_bot(clock=clock)
    deadline = datetime(2026, 12, 7, 8, 0, tzinfo=SGT)
    file_case(standin, deadline=deadline)
    # Held, but (4 h to acknowledge, 1 h margin) no later than Monday 03:00, not Monday 09:00.
    wait_until(lambda: any("before the campaign deadline" in t for t in thread_texts(standin, bot)))
    assert case(bot).severity_id == "sev3"
    move_to(bot, clock, datetime(2026, 12, 6, 7, 59, tzinfo=SGT))  # Sunday, just before the raise window
    bot.runner.run_due()
    assert dms(standin) == []
    move_to(bot, clock, datetime(2026, 12, 6, 8, 0, 1, tzinfo=SGT))  # 24 h before the deadline
    primary = on_call(bot, "primary", clock.now())
    wait_until(lambda: [u for u, _ in dms(standin)] == list(primary))
    assert case(bot).severity_id == "sev2"
    # Five thread notes fall due at 08:00 in one channel; Slack's 1-a-second pace for a conversation
    # spreads them over several seconds (the stand-in answers 429 and the runner retries after it).
    wait_until(lambda: any("Severity raised to *SEV2" in t for t in thread_texts(standin, bot)), timeout=15)
    reminder = wait_until(lambda: [t for t in thread_texts(standin, bot) if "Campaign deadline in 24h" in t])
    assert f"<@{primary[0]}>" in reminder[0]  # nobody owns it: the on-call is named
    raised = [e.data for e in events(bot) if e.kind == "severity_raised"]
    assert raised and raised[0]["after"] == {"severity_id": "sev2"}
    page = next(m for m in standin.dm_messages(primary[0]) if m["text"].startswith("Paged:"))
    assert "SEV2" in json.dumps(page["blocks"])


def test_a_held_sev4_is_paged_in_time_to_acknowledge_before_its_deadline(standin: SlackStandIn, make_bot):
    clock = FakeClock(FRIDAY_7PM, ticking=True)
    bot = make_bot(clock=clock)
    deadline = datetime(2026, 12, 6, 2, 0, tzinfo=SGT)  # Sunday 02:00; SEV4 acknowledges within 1 day
    file_case(standin, deadline=deadline, severity="sev4")
    wait_until(lambda: any("before the campaign deadline" in t for t in thread_texts(standin, bot)))
    assert case(bot).severity_id == "sev4"
    move_to(bot, clock, datetime(2026, 12, 5, 0, 59, tzinfo=SGT))
    bot.runner.run_due()
    assert dms(standin) == []
    # Deadline minus 1 day minus the policy's 1 h margin: Saturday 01:00, not Monday 09:00.
    move_to(bot, clock, datetime(2026, 12, 5, 1, 0, 1, tzinfo=SGT))
    primary = on_call(bot, "primary", clock.now())
    wait_until(lambda: [u for u, _ in dms(standin)] == list(primary))
    started = [e.data for e in events(bot) if e.kind == "paging_started"]
    assert started[0]["held_for_deadline"] is True


def test_a_deadline_reminder_names_the_owner(standin: SlackStandIn, make_bot):
    clock = FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT), ticking=True)  # Tuesday
    bot = make_bot(clock=clock)
    file_case(standin, deadline=datetime(2026, 12, 1, 13, 30, tzinfo=SGT))  # SEV1: within 4 h
    root = wait_until(lambda: case(bot).root)
    standin.user("U0SPEC2").click(root.ts, "case_take", value="1", channel="C0ESCALATE")
    wait_until(lambda: case(bot).owner_id == "U0SPEC2")
    move_to(bot, clock, datetime(2026, 12, 1, 11, 30, 1, tzinfo=SGT))
    reminder = wait_until(lambda: [t for t in thread_texts(standin, bot) if "Campaign deadline in 2h" in t])
    assert "<@U0SPEC2>" in reminder[0]


def test_on_a_public_holiday_a_held_case_is_raised_and_paged_by_the_holiday_rota(standin: SlackStandIn, make_bot):
    clock = FakeClock(datetime(2026, 12, 25, 10, 0, tzinfo=SGT), ticking=True)  # Christmas Day, a Friday
    bot = make_bot(clock=clock)
    assert clock.now().date() in bot.config.schedules["ads-policy-oncall"].holidays
    file_case(standin, deadline=datetime(2026, 12, 26, 12, 0, tzinfo=SGT))  # 26 h away: SEV3, held
    wait_until(lambda: any("before the campaign deadline" in t for t in thread_texts(standin, bot)))
    bot.runner.run_due()
    assert dms(standin) == [] and case(bot).severity_id == "sev3"  # no business hours on a holiday
    move_to(bot, clock, datetime(2026, 12, 25, 12, 0, 1, tzinfo=SGT))  # 24 h before the deadline
    primary = on_call(bot, "primary", clock.now())  # the weekend-and-holiday rotation
    wait_until(lambda: [u for u, _ in dms(standin)] == list(primary))
    assert case(bot).severity_id == "sev2"
