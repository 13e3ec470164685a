"""Every message tells the truth (issue 14, item 5): SLA words name their clock, SEV1/SEV2 count every
hour, page DMs follow the case, and "the leads are told" only when they are."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.jobs.clock import FakeClock
from bot.sandbox import SlackStandIn
from tests.slack.conftest import file_case, wait_until
from tests.slack.test_lifecycle import case, root_message
from tests.slack.test_paging import dms

SGT = ZoneInfo("Asia/Singapore")
SATURDAY_NIGHT = datetime(2026, 11, 28, 22, 0, tzinfo=SGT)
TUESDAY_MORNING = datetime(2026, 12, 1, 11, 0, tzinfo=SGT)
BUSINESS = "Mon\u2013Fri 09:00\u201318:00 SGT"


def thread(standin: SlackStandIn, bot) -> list[str]:
    root = case(bot).root
    return [m["text"] for m in standin.messages(root.channel_id, thread_ts=root.ts)] if root else []


def page_dm(standin: SlackStandIn, user: str) -> dict:
    return next(m for m in standin.dm_messages(user) if m["text"].startswith("Paged:"))


def test_a_sev1_prelaunch_on_saturday_night_counts_every_hour_and_says_so(standin: SlackStandIn, make_bot):
    clock = FakeClock(SATURDAY_NIGHT, ticking=True)
    bot = make_bot(clock=clock)
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))
    wait_until(lambda: dms(standin))
    user = dms(standin)[0][0]
    assert "acknowledge within 15 min, round the clock" in json.dumps(page_dm(standin, user)["blocks"])
    wait_until(lambda: "resolve within 4 hours, round the clock" in json.dumps(root_message(standin, bot)["blocks"]))
    clock.advance(timedelta(minutes=15))  # Saturday 22:15: the acknowledge SLA is breached now, not on Monday
    bot.ticker.kick()
    wait_until(lambda: any("Acknowledge sla breached" in t for t in thread(standin, bot)))
    standin.wait_for_call(
        "chat.postMessage", where=lambda c: c.args["channel"] == "C0LEADS" and "SLA is breached" in c.args["text"]
    )


def test_a_sev3_states_business_days_and_hours_on_a_tuesday(standin: SlackStandIn, make_bot):
    clock = FakeClock(TUESDAY_MORNING, ticking=True)
    bot = make_bot(clock=clock)
    file_case(standin, deadline=(clock.now() + timedelta(days=5)).replace(microsecond=0))  # SEV3
    wait_until(lambda: case(bot).root)
    blocks = json.dumps(root_message(standin, bot)["blocks"], ensure_ascii=False)
    assert f"Acknowledge within 4 business hours, {BUSINESS}" in blocks
    assert f"resolve within 2 business days, {BUSINESS}" in blocks
    wait_until(lambda: dms(standin))
    assert f"acknowledge within 4 business hours, {BUSINESS}" in json.dumps(
        page_dm(standin, dms(standin)[0][0])["blocks"], ensure_ascii=False
    )
