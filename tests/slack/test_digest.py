"""The leads' digest arrives at 09:00 Singapore time once per channel per day — through a restart,
with two replicas on one store, and late (marked so) after an outage; on demand for the asker."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.domain.digest_schedule import DAYS, DigestSchedule
from bot.services.digests import plan_digests
from bot.services.weekly import plan_weekly
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, ticks_pass, wait_until

SGT = ZoneInfo("Asia/Singapore")
DAILY = (DigestSchedule(channel_id="C0LEADS", at=time(9, 0), days=DAYS["daily"], timezone=SGT),)


def digests(standin: SlackStandIn) -> list[dict]:
    """Digest posts in the leads' channel (not the paging alerts that also go there)."""
    return [
        c.args
        for c in standin.calls("chat.postMessage")
        if c.ok
        and c.args["channel"] == "C0LEADS"
        and ("Escalations digest" in json.dumps(c.args) or "Nothing to report" in json.dumps(c.args))
    ]


def tick(bot) -> None:
    plan_digests(config=bot.config, store=bot.store, now=bot.clock.now())
    bot.runner.run_due()


def test_one_digest_at_nine_through_a_restart_and_two_replicas(standin: SlackStandIn, make_bot, tmp_path):
    # Ticking: a digest that meets Slack's per-channel rate limit is retried after Retry-After.
    clock = FakeClock(datetime(2026, 12, 2, 8, 0, tzinfo=SGT), ticking=True)
    first = make_bot(clock=clock, digests=DAILY)
    file_case(standin, deadline=(clock.now() + timedelta(hours=20)).replace(microsecond=0))
    wait_until(lambda: first.store and standin.calls("chat.getPermalink"))
    clock.set(datetime(2026, 12, 2, 8, 59, 50, tzinfo=SGT))
    tick(first)
    assert digests(standin) == []
    second = make_bot(clock=clock, digests=DAILY)  # a second replica on the same database
    clock.set(datetime(2026, 12, 2, 9, 0, 1, tzinfo=SGT))
    for replica in (first, second, first, second):
        tick(replica)
    wait_until(lambda: digests(standin))
    first.stop()
    third = make_bot(clock=clock, digests=DAILY)  # a restart
    tick(third)
    tick(second)
    [digest] = digests(standin)
    text = json.dumps(digest["blocks"])
    assert "ADS-1001" in text and "Late digest" not in text
    clock.set(datetime(2026, 12, 3, 9, 0, 1, tzinfo=SGT))  # the next day: one more

    def next_day_sent() -> bool:
        tick(third)
        with third.store.read() as tx:
            return tx.jobs.states(kind="digest.send")["digest:C0LEADS:2026-12-03T09:00"] == "done"

    wait_until(next_day_sent, timeout=20)
    assert len(digests(standin)) == 2


def test_a_digest_missed_while_down_is_sent_late_once(standin: SlackStandIn, make_bot):
    clock = FakeClock(datetime(2026, 12, 1, 17, 0, tzinfo=SGT))  # running the evening before
    bot = make_bot(clock=clock, digests=DAILY)
    tick(bot)
    bot.stop()  # down from 17:00 until 11:30 the next day
    clock.set(datetime(2026, 12, 2, 11, 30, tzinfo=SGT))
    bot = make_bot(clock=clock, digests=DAILY)
    tick(bot)
    tick(bot)
    [digest] = wait_until(lambda: digests(standin))
    assert "Late digest" in json.dumps(digest["blocks"])


def test_a_bot_started_after_nine_for_the_first_time_sends_no_late_digest(standin: SlackStandIn, make_bot):
    bot = make_bot(clock=FakeClock(datetime(2026, 12, 2, 11, 30, tzinfo=SGT)), digests=DAILY)
    tick(bot)
    ticks_pass(bot)
    assert digests(standin) == []
    with bot.store.read() as tx:
        assert "digest:C0LEADS:2026-12-02T09:00" not in tx.jobs.states(kind="digest.send")
        assert "digest:C0LEADS:2026-12-03T09:00" in tx.jobs.states(kind="digest.send")


def test_two_digests_on_one_channel_are_two_posts_each_covering_since_the_other(standin: SlackStandIn, make_bot):
    twice = (*DAILY, DigestSchedule(channel_id="C0LEADS", at=time(17, 0), days=DAYS["daily"], timezone=SGT))
    clock = FakeClock(datetime(2026, 12, 2, 8, 0, tzinfo=SGT))
    bot = make_bot(clock=clock, digests=twice)
    tick(bot)
    with bot.store.read() as tx:
        keys = set(tx.jobs.states(kind="digest.send"))
    assert {"digest:C0LEADS:2026-12-02T09:00", "digest:C0LEADS:2026-12-02T17:00"} <= keys
    clock.set(datetime(2026, 12, 2, 9, 0, 5, tzinfo=SGT))
    tick(bot)
    wait_until(lambda: len(digests(standin)) == 1)
    clock.set(datetime(2026, 12, 2, 17, 0, 5, tzinfo=SGT))
    tick(bot)
    wait_until(lambda: len(digests(standin)) == 2)
    evening = json.dumps(digests(standin)[1])
    assert "09:00" in evening  # "since" the morning digest, not the day before
    assert "Late digest" not in evening


def test_a_quiet_day_says_so_in_one_line(standin: SlackStandIn, make_bot):
    clock = FakeClock(datetime(2026, 12, 2, 8, 59, 30, tzinfo=SGT))
    bot = make_bot(clock=clock, digests=DAILY)
    tick(bot)
    clock.set(datetime(2026, 12, 2, 9, 0, 30, tzinfo=SGT))
    tick(bot)
    [digest] = wait_until(lambda: digests(standin))
    assert "Nothing to report" in json.dumps(digest) and "Late digest" not in json.dumps(digest)


def test_digest_on_demand_is_shown_to_the_asker_only(standin: SlackStandIn, make_bot):
    clock = FakeClock(datetime(2026, 12, 2, 14, 0, tzinfo=SGT), ticking=True)
    bot = make_bot(clock=clock, digests=())  # no scheduled digest in this test
    file_case(standin, deadline=(clock.now() + timedelta(hours=20)).replace(microsecond=0))
    wait_until(lambda: bot.store and standin.calls("chat.getPermalink"))
    standin.user("U0LEAD1").slash_command("/ad-escalate", text="digest", channel_id="C0LEADS")
    shown = wait_until(lambda: [e for e in standin.ephemerals("U0LEAD1") if e.get("blocks")])
    assert "ADS-1001" in json.dumps(shown[-1]["blocks"])
    assert digests(standin) == []


def test_the_weekly_report_is_posted_once_on_monday(standin: SlackStandIn, make_bot):
    weekly = (DigestSchedule(channel_id="C0LEADS", at=time(9, 30), days=frozenset({0}), timezone=SGT, kind="weekly"),)
    clock = FakeClock(datetime(2026, 11, 30, 9, 29, tzinfo=SGT))  # a Monday
    bot = make_bot(clock=clock, weekly_reports=weekly)

    def reports() -> list[dict]:
        return [c.args for c in standin.calls("chat.postMessage") if c.ok and "Weekly report" in c.args["text"]]

    plan_weekly(config=bot.config, store=bot.store, now=clock.now())
    bot.runner.run_due()
    assert reports() == []
    clock.set(datetime(2026, 11, 30, 9, 30, 5, tzinfo=SGT))
    for _ in range(3):
        plan_weekly(config=bot.config, store=bot.store, now=clock.now())
        bot.runner.run_due()
    [report] = wait_until(reports)
    assert "Weekly report · Mon 23 Nov to Mon 30 Nov 2026" in json.dumps(report["blocks"], ensure_ascii=False)
    blocks = json.dumps(report["blocks"], ensure_ascii=False)
    assert "On-call burden this week" in blocks and "quarter" in blocks and "holiday" in blocks
