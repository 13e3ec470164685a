"""Every message tells the truth (issue 14, item 5): SLA words name their clock, SEV1/SEV2 count every
hour, page DMs follow the case, and "the leads are told" only when they are."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, wait_until
from tests.slack.test_lifecycle import case, menu, root_message
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


def test_cant_take_it_at_the_last_level_alerts_the_leads_at_once_and_says_only_that(standin: SlackStandIn, make_bot):
    clock = FakeClock(TUESDAY_MORNING, ticking=True)
    bot = make_bot(clock=clock)
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))  # SEV1
    wait_until(lambda: len(dms(standin)) == 1)
    clock.advance(timedelta(minutes=15))  # nobody on the secondary layer on a weekday: the duty lead now
    bot.ticker.kick()
    wait_until(lambda: len(dms(standin)) == 2)
    lead = dms(standin)[1][0]
    standin.user(lead).click(page_dm(standin, lead), "page_pass", value="1")
    told = wait_until(lambda: [e for e in standin.ephemerals(lead) if "Passed on" in e["text"]])
    assert "last level" in told[0]["text"] and "being alerted now" in told[0]["text"]
    # The clock has not moved on: the alert and round 2's first page come now, not after the 30 min wait.
    standin.wait_for_call(
        "chat.postMessage", where=lambda c: c.args["channel"] == "C0LEADS" and "every level" in c.args["text"]
    )
    wait_until(lambda: len(dms(standin)) == 3)
    assert dms(standin)[2][0] == dms(standin)[0][0]
    wait_until(lambda: any("the leads are being alerted" in t for t in thread(standin, bot)))


def updates_of(standin: SlackStandIn, user: str) -> list:
    """chat.update calls on the first page DM sent to `user`."""
    sent = next(
        c
        for c in standin.calls("chat.postMessage")
        if c.ok and c.args["channel"] == user and c.args["text"].startswith("Paged:")
    )
    ts = sent.response["ts"]
    return [c for c in standin.calls("chat.update") if c.ok and c.args["ts"] == ts]


def test_a_resolve_updates_every_page_dm_and_removes_its_buttons(standin: SlackStandIn, make_bot):
    clock = FakeClock(SATURDAY_NIGHT, ticking=True)
    bot = make_bot(clock=clock)
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))  # SEV1
    wait_until(lambda: dms(standin))
    primary = dms(standin)[0][0]
    menu(standin, "U0LEAD1", bot, "resolve")
    standin.wait_for_call("views.open", where=lambda c: c.args["view"]["callback_id"] == "case_action")
    standin.user("U0LEAD1").submit_view({"case_outcome": "rejected", "case_text": "Not allowed in SG"})
    wait_until(lambda: case(bot).status.value == "resolved")
    update = wait_until(lambda: updates_of(standin, primary))[-1]
    blocks = json.dumps(update.args["blocks"])
    assert "case_ack" not in blocks and "page_pass" not in blocks
    assert "was resolved by <@U0LEAD1>" in blocks and "Rejected" in blocks


def test_a_downgrade_rewrites_the_page_with_the_new_severity(standin: SlackStandIn, make_bot):
    clock = FakeClock(SATURDAY_NIGHT, ticking=True)
    bot = make_bot(clock=clock)
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))  # SEV1
    wait_until(lambda: dms(standin))
    primary = dms(standin)[0][0]
    menu(standin, "U0LEAD1", bot, "change_severity")
    standin.wait_for_call("views.open", where=lambda c: c.args["view"]["callback_id"] == "case_action")
    standin.user("U0LEAD1").submit_view({"case_severity": "sev3", "case_text": "The campaign moved to next month"})
    wait_until(lambda: case(bot).severity_id == "sev3")
    update = wait_until(lambda: [u for u in updates_of(standin, primary) if "SEV3" in u.args["text"]])[-1]
    blocks = json.dumps(update.args["blocks"])
    assert "SEV1" not in blocks and "SEV3" in blocks
    # Still unacknowledged: the page can still be acknowledged, on the business-hours clock it now has.
    assert "case_ack" in blocks and "business hours" in blocks
