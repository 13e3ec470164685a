"""Paging through signed requests and the stand-in: the policy walks its levels on a moved clock,
the first acknowledgement wins and stops everything pending."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.domain import rota
from slack_standin import SlackStandIn
from tests.slack.conftest import file_case, last_seq, ticks_pass, to_channel, to_dm, wait_until

SGT = ZoneInfo("Asia/Singapore")
SATURDAY_NIGHT = datetime(2026, 11, 28, 22, 0, tzinfo=SGT)


def dms(standin: SlackStandIn, *, after: int = 0) -> list[tuple[str, str]]:
    """(user, text) of every page DM the bot sent."""
    return [
        (c.args["channel"], c.args["text"])
        for c in standin.calls("chat.postMessage")
        if c.ok and c.seq > after and c.args["channel"].startswith("U") and c.args["text"].startswith("Paged:")
    ]


def on_call(bot, layer: str, at: datetime) -> tuple[str, ...]:
    schedule = bot.config.schedules["ads-policy-oncall"]
    return rota.on_call(schedule, at, overrides=())[layer]


def advance(bot, clock: FakeClock, minutes: float) -> None:
    clock.advance(timedelta(minutes=minutes))
    bot.ticker.kick()


def settle(bot, clock: FakeClock, predicate, *, step_seconds: float = 1.0, tries: int = 50):
    """Let retries come due on the bot's (frozen) clock: nudge it a second at a time until `predicate`."""
    for _ in range(tries):
        result = predicate()
        if result:
            return result
        clock.advance(timedelta(seconds=step_seconds))
        bot.runner.run_due()
        time.sleep(0.02)
    raise TimeoutError("condition not met")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SATURDAY_NIGHT)


@pytest.fixture
def paging_bot(make_bot, clock):
    return make_bot(clock=clock)


def file_sev1(standin: SlackStandIn, clock: FakeClock, user: str = "U0REP1", **extra):
    return file_case(standin, user, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0), **extra)


def test_sev1_on_saturday_night_pages_primary_then_secondary_then_lead_until_acknowledged(
    standin: SlackStandIn, paging_bot, clock
):
    bot = paging_bot
    file_sev1(standin, clock)
    primary = on_call(bot, "primary", clock.now())
    secondary = on_call(bot, "secondary", clock.now())
    assert primary and secondary and set(primary).isdisjoint(secondary)

    wait_until(lambda: [u for u, _ in dms(standin)] == list(primary))
    note = standin.wait_for_call("chat.postMessage", where=lambda c: "Paging" in c.args.get("text", ""))
    assert f"<@{primary[0]}>" in note.args["text"] and "level 1" in note.args["text"]

    advance(bot, clock, 5)
    again = wait_until(
        lambda: [c for c in standin.calls("chat.postMessage") if c.args["text"].startswith("Paged again")]
    )
    assert [c.args["channel"] for c in again] == list(primary)  # re-paged at 5 min, same person
    advance(bot, clock, 9)
    ticks_pass(bot)  # the ticks that would have paged the secondary too early have run
    assert [u for u, _ in dms(standin)] == list(primary)  # the secondary not yet
    advance(bot, clock, 1)
    wait_until(lambda: [u for u, _ in dms(standin)] == [*primary, *secondary])
    advance(bot, clock, 5)  # the secondary's re-page
    wait_until(
        lambda: len([c for c in standin.calls("chat.postMessage") if c.args["text"].startswith("Paged again")]) == 2
    )
    advance(bot, clock, 10)
    wait_until(lambda: [u for u, _ in dms(standin)] == [*primary, *secondary, "U0LEAD1"])

    lead = standin.user("U0LEAD1")
    page = next(m for m in standin.dm_messages("U0LEAD1") if m["text"].startswith("Paged:"))
    lead.click(page, "case_ack", value="1")
    wait_until(lambda: bot_case(bot).acknowledged_by == "U0LEAD1")
    mark = last_seq(standin)
    advance(bot, clock, 120)
    bot.runner.run_due()
    assert dms(standin, after=mark) == []  # nothing more after the acknowledgement

    root = wait_until(
        lambda: next((c for c in standin.calls("chat.update") if c.args["ts"] == bot_case(bot).root.ts), None)
    )
    assert "by <@U0LEAD1>" in json.dumps(root.args["blocks"])
    assert "case_ack" not in json.dumps(root.args["blocks"])  # the Acknowledge button is gone
    # Three pages and two re-pages (primary and secondary at 5 min) are all updated.
    wait_until(lambda: len([c for c in standin.calls("chat.update") if c.args["channel"].startswith("D")]) == 5)
    with bot.store.read() as tx:
        events = [e.kind for e in tx.cases.events(1)]
    assert events.count("paged") == 3 and events.count("repaged") == 2 and events.count("acknowledged") == 1


def bot_case(bot):
    with bot.store.read() as tx:
        return tx.cases.get(1)


def test_unanswered_policy_alerts_the_leads_and_repeats(standin: SlackStandIn, paging_bot, clock):
    bot = paging_bot
    file_sev1(standin, clock)
    wait_until(lambda: len(dms(standin)) == 1)
    for minutes, pages in ((5, 1), (10, 2), (5, 2), (10, 3), (30, 4)):  # re-pages at 5, levels at 15, 30, 60
        advance(bot, clock, minutes)
        wait_until(lambda pages=pages: len(dms(standin)) == pages)
        ticks_pass(bot)
    # (A SEV1 counts every hour: its acknowledge SLA breached at 15 min, in the same channel.)
    alert = standin.wait_for_call(
        "chat.postMessage", where=lambda c: c.args["channel"] == "C0LEADS" and "every level" in c.args["text"]
    )
    assert "nobody acknowledged it through every level" in alert.args["text"]
    wait_until(lambda: len(dms(standin)) == 4)  # round 2 starts with the primary again
    assert dms(standin)[3][0] == dms(standin)[0][0]


def test_second_click_is_told_who_acknowledged_first(standin: SlackStandIn, paging_bot, clock):
    bot = paging_bot
    file_sev1(standin, clock)
    root = wait_until(lambda: bot_case(bot).root)
    # Keep the root message as people saw it (Slack's update is slower than a second click).
    standin.faults.add("chat.update", status=503, times=None, where=to_channel("C0ESCALATE"))
    standin.user("U0SPEC1").click(root.ts, "case_ack", value="1", channel="C0ESCALATE")
    wait_until(lambda: bot_case(bot).acknowledged_by == "U0SPEC1")
    standin.user("U0SPEC2").click(root.ts, "case_ack", value="1", channel="C0ESCALATE")
    told = wait_until(lambda: [e for e in standin.ephemerals("U0SPEC2") if "already acknowledged" in e["text"]])
    assert "<@U0SPEC1>" in told[0]["text"]


def test_ten_simultaneous_clicks_make_one_acknowledgement(standin: SlackStandIn, paging_bot, clock):
    bot = paging_bot
    file_sev1(standin, clock)
    root = wait_until(lambda: bot_case(bot).root)
    # Every click sees the Acknowledge button: the root message is never updated.
    standin.faults.add("chat.update", status=503, times=None, where=to_channel("C0ESCALATE"))
    users = [
        "U0SPEC1",
        "U0SPEC2",
        "U0SPEC3",
        "U0LEAD1",
        "U0LEAD2",
        "U0SPEC2",
        "U0SPEC3",
        "U0LEAD2",
        "U0SPEC1",
        "U0LEAD1",
    ]
    barrier = threading.Barrier(len(users))

    def click(user: str) -> None:
        barrier.wait()
        standin.user(user).click(root.ts, "case_ack", value="1", channel="C0ESCALATE")

    threads = [threading.Thread(target=click, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    # Listeners finish after their ack: wait until every click has been answered.
    wait_until(
        lambda: len([e for u in set(users) for e in standin.ephemerals(u) if "acknowledged" in e["text"]]) == len(users)
    )
    with bot.store.read() as tx:
        events = [e.kind for e in tx.cases.events(1)]
    assert events.count("acknowledged") == 1
    assert bot_case(bot).acknowledged_by in users
    refusals = [e for u in set(users) for e in standin.ephemerals(u) if "already acknowledged" in e["text"]]
    assert len(refusals) == len(users) - 1


def test_a_rep_cannot_acknowledge(standin: SlackStandIn, paging_bot, clock):
    bot = paging_bot
    file_sev1(standin, clock)
    root = wait_until(lambda: bot_case(bot).root)
    standin.user("U0REP2").click(root.ts, "case_ack", value="1", channel="C0ESCALATE")
    told = wait_until(lambda: standin.ephemerals("U0REP2"))
    assert "Only the ads policy specialists and leads" in told[-1]["text"]
    assert bot_case(bot).acknowledged_by is None


def test_cant_take_it_pages_the_next_level_now(standin: SlackStandIn, paging_bot, clock):
    bot = paging_bot
    file_sev1(standin, clock)
    primary = on_call(bot, "primary", clock.now())
    secondary = on_call(bot, "secondary", clock.now())
    wait_until(lambda: len(dms(standin)) == 1)
    page = next(m for m in standin.dm_messages(primary[0]) if m["text"].startswith("Paged:"))
    standin.user(primary[0]).click(page, "page_pass", value="1")
    wait_until(lambda: [u for u, _ in dms(standin)] == [*primary, *secondary])


def test_low_severity_on_a_sunday_waits_for_business_hours(standin: SlackStandIn, make_bot):
    clock = FakeClock(datetime(2026, 11, 29, 10, 0, tzinfo=SGT))  # Sunday
    bot = make_bot(clock=clock)
    file_case(standin, deadline=(clock.now() + timedelta(days=5)).replace(microsecond=0))  # SEV3
    held = settle(
        bot,
        clock,
        lambda: [c for c in standin.calls("chat.postMessage") if "business hours" in c.args.get("text", "") and c.ok],
    )
    assert held
    bot.runner.run_due()
    assert dms(standin) == []
    clock.set(datetime(2026, 11, 30, 8, 59, tzinfo=SGT))
    bot.runner.run_due()
    assert dms(standin) == []
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=SGT))
    bot.ticker.kick()
    wait_until(lambda: dms(standin))
    assert dms(standin)[0][0] in on_call(bot, "primary", clock.now())


def test_a_backlog_pages_the_current_level_once_not_every_missed_level(standin: SlackStandIn, paging_bot, clock):
    """Fault matrix #7: the scheduler (or the database) was away for an hour with levels due; on
    recovery the case pages the level that is current now, once, instead of a burst of every missed
    level and re-page."""
    bot = paging_bot
    file_sev1(standin, clock)
    wait_until(lambda: len(dms(standin)) == 1)
    primary_then = dms(standin)[0][0]
    clock.advance(timedelta(minutes=61))  # past the re-page, levels 2 and 3, and level 1 of round 2
    bot.ticker.kick()
    wait_until(lambda: len(dms(standin)) == 2)
    ticks_pass(bot)
    with bot.store.read() as tx:
        events = tx.cases.events(1)
    escalated = [(e.data["round"], e.data["level"]) for e in events if e.kind == "escalated"]
    assert escalated == [(1, 1), (2, 1)]
    (coalesced,) = [e.data for e in events if e.kind == "escalation_coalesced"]
    assert coalesced["skipped"] == [[1, 2], [1, 3]]
    assert coalesced["paging"] == [2, 1]
    assert coalesced["late_seconds"] >= 60 * 60 - 15 * 60 - 30 * 60 - 1
    # The level-1 re-page that was due during the backlog is stale, and not sent.
    assert [e.data["level"] for e in events if e.kind == "page_skipped"] == [1]
    pages = dms(standin)
    assert len(pages) == 2
    assert pages[1][0] in on_call(bot, "primary", clock.now()) or pages[1][0] == primary_then
    # The current level gets its whole wait from now: nothing more for 14 minutes, then level 2.
    advance(bot, clock, 14)
    wait_until(lambda: [c for c in standin.calls("chat.postMessage") if c.args["text"].startswith("Paged again")])
    ticks_pass(bot)
    assert len(dms(standin)) == 2  # only the re-page of round 2 level 1, 5 minutes after it was paged
    advance(bot, clock, 1.5)
    wait_until(lambda: len(dms(standin)) == 3)
    assert dms(standin)[2][0] in on_call(bot, "secondary", clock.now())


def test_pages_survive_slack_429_and_5xx(standin: SlackStandIn, paging_bot, clock):
    bot = paging_bot
    standin.faults.add("chat.postMessage", status=503, times=2, where=to_dm())
    standin.faults.add(
        "chat.postMessage",
        status=429,
        retry_after=1,
        times=1,
        where=to_dm(),
    )
    file_sev1(standin, clock)
    # The fake clock does not move by itself: retries are due after backoff on the bot's clock.
    for _ in range(30):
        if dms(standin):
            break
        advance(bot, clock, 0.05)
        threading.Event().wait(0.1)
    assert len(dms(standin)) == 1
    tries = [c.status for c in standin.calls("chat.postMessage") if str(c.args.get("channel")).startswith("U")]
    assert tries[:4] == [503, 503, 429, 200]
