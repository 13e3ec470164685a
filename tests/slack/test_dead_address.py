"""A page that can never arrive (deactivated account, unknown user) moves on to the next level at once,
and the thread says so (issue 14, item 6)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, wait_until
from tests.slack.test_paging import bot_case, dms, on_call

SGT = ZoneInfo("Asia/Singapore")
SATURDAY_NIGHT = datetime(2026, 11, 28, 22, 0, tzinfo=SGT)
TUESDAY_MORNING = datetime(2026, 12, 1, 11, 0, tzinfo=SGT)


def thread(standin: SlackStandIn, bot) -> list[str]:
    root = bot_case(bot).root
    return [m["text"] for m in standin.messages(root.channel_id, thread_ts=root.ts)] if root else []


# `account_inactive` is the bot token's own account (SLACK-FACTS: an auth error, held), not the recipient.
@pytest.mark.parametrize("error", ["user_disabled", "user_not_found"])
def test_a_page_to_a_deactivated_primary_pages_the_secondary_at_once_on_saturday_night(
    standin: SlackStandIn, make_bot, error: str
):
    clock = FakeClock(SATURDAY_NIGHT, ticking=True)
    bot = make_bot(clock=clock)
    primary = on_call(bot, "primary", clock.now())[0]
    secondary = on_call(bot, "secondary", clock.now())[0]
    standin.faults.add("chat.postMessage", error=error, times=None, where=lambda a: a.get("channel") == primary)
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))  # SEV1
    wait_until(lambda: [u for u, _ in dms(standin)] == [secondary])
    said = wait_until(lambda: [t for t in thread(standin, bot) if "cannot be delivered" in t])
    assert f"<@{primary}>" in said[0] and error in said[0] and "next level is paged now" in said[0]
    with bot.store.read() as tx:
        events = tx.cases.events(1)
    failed = [e.data for e in events if e.kind == "page_failed"]
    assert failed == [
        {"user": primary, "round": 1, "level": 1, "reason": f"chat.postMessage: {error}", "moved_on": True}
    ]
    # The primary's re-page is cancelled, not tried again at 5 min.
    clock.advance(timedelta(minutes=6))
    bot.ticker.kick()
    wait_until(lambda: any(e.kind == "repaged" for e in bot_events(bot)))  # the secondary's re-page
    tries = [c for c in standin.calls("chat.postMessage") if c.args.get("channel") == primary]
    assert len(tries) == 1


def bot_events(bot):
    with bot.store.read() as tx:
        return tx.cases.events(1)


def test_a_dead_duty_lead_at_the_last_level_tells_the_leads_now(standin: SlackStandIn, make_bot):
    clock = FakeClock(TUESDAY_MORNING, ticking=True)
    bot = make_bot(clock=clock)
    lead = on_call(bot, "lead", clock.now())[0]
    standin.faults.add("chat.postMessage", error="user_disabled", times=None, where=lambda a: a.get("channel") == lead)
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))  # SEV1
    wait_until(lambda: len(dms(standin)) == 1)
    # Tuesday daytime: nobody on the secondary layer, so at 15 min the lead is paged, and that page is dead.
    clock.advance(timedelta(minutes=15))
    bot.ticker.kick()
    alert = standin.wait_for_call(
        "chat.postMessage",
        where=lambda c: c.args["channel"] == "C0LEADS" and c.ok and "every level" in c.args["text"],
        timeout=10,
    )
    assert "Paging starts again from level 1" in json.dumps(alert.args["blocks"])
    said = wait_until(lambda: [t for t in thread(standin, bot) if "cannot be delivered" in t])
    assert f"<@{lead}>" in said[0]
    # Round 2 starts at once with the primary, not 30 minutes later.
    wait_until(lambda: len(dms(standin)) == 2)
    assert dms(standin)[1][0] == dms(standin)[0][0]
    assert bot_case(bot).needs_paging
