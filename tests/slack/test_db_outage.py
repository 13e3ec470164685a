"""Fault matrix #6: the database unreachable for 5 s and for 60 s (Postgres behind a cut TCP proxy)
or locked by another process (SQLite). Intake tells the rep to try again within Slack's 3 s and
keeps nothing half-done; what was accepted before is intact; timers due during the outage fire on
recovery; the leads hear of a long outage and of its end; the bot never crashes."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.services.auditor import AuditLimits
from slack_standin import SlackStandIn
from tests.conftest import postgres_schema_url
from tests.slack.conftest import file_case, open_flow, prelaunch_values, ticks_pass, wait_until
from tests.tcp_proxy import TcpProxy

SGT = ZoneInfo("Asia/Singapore")
SATURDAY_NIGHT = datetime(2026, 11, 28, 22, 0, tzinfo=SGT)


def pages(standin: SlackStandIn, prefix: str) -> list[str]:
    return [
        c.args["channel"]
        for c in standin.calls("chat.postMessage")
        if c.ok and c.args["channel"].startswith("U") and c.args["text"].startswith(prefix)
    ]


def leads(standin: SlackStandIn) -> list[str]:
    return [c.args["text"] for c in standin.calls("chat.postMessage") if c.ok and c.args["channel"] == "C0LEADS"]


def case_count(bot) -> int:
    with bot.store.read() as tx:
        return tx.cases.count()


def submit_during_outage(standin: SlackStandIn, clock: FakeClock) -> dict:
    """A second rep files while the database is away; returns the answer Slack received.

    Slack itself judges the 3 s: the stand-in marks an answer that came later as not on time (what a
    rep would see as an error), so the test checks Slack's verdict, not a stopwatch of its own.
    """
    person = open_flow(standin, "U0REP2", "prelaunch_review")
    response = person.submit_view(
        prelaunch_values(campaign="Outage launch", deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))
    )
    print(f"intake answered in {response.elapsed:.2f} s")
    assert response.status == 200, response.body
    assert response.on_time, "Slack gave up waiting: the rep saw an error instead of the answer"
    return json.loads(response.body)


def start_with_a_page_out(standin: SlackStandIn, make_bot, store_url: str, clock: FakeClock):
    bot = make_bot(store_url=store_url, clock=clock)
    bot.watchdog.set_limits(AuditLimits(
        every=timedelta(seconds=1), late_after=timedelta(seconds=30), stalled_after=timedelta(seconds=90),
        store_down_after=timedelta(seconds=20),
    ))  # fmt: skip
    file_case(standin, deadline=(clock.now() + timedelta(hours=3)).replace(microsecond=0))  # SEV1: paged at once
    wait_until(lambda: len(pages(standin, "Paged:")) == 1, timeout=10)
    return bot


def assert_recovers(standin: SlackStandIn, bot, clock: FakeClock) -> None:
    # The re-page fell due during the outage (5 min on the bot's clock): it goes out now, once.
    wait_until(lambda: pages(standin, "Paged again"), timeout=20)
    ticks_pass(bot)  # a second copy would have been sent by now
    assert len(pages(standin, "Paged again")) == 1
    with bot.store.read() as tx:
        case = tx.cases.get(1)
        kinds = [e.kind for e in tx.cases.events(1)]
    assert case.advertiser == "Acme Foods" and kinds.count("repaged") == 1
    assert case_count(bot) == 1  # the refused submission left nothing behind
    # The rep tries again, as told, and the case is filed.
    answer = submit_during_outage(standin, clock)
    assert answer.get("response_action") == "update", answer
    assert case_count(bot) == 2
    assert bot.ticker.periodic.running


@pytest.mark.postgres
@pytest.mark.parametrize("outage_seconds", [5, 60])
def test_postgres_unreachable(standin: SlackStandIn, make_bot, outage_seconds: int):
    urls = postgres_schema_url()
    url = next(urls)
    target = urlsplit(url.replace("postgresql://", "http://", 1))
    proxy = TcpProxy((target.hostname or "127.0.0.1", target.port or 5432))
    proxied = url.replace(f"{target.hostname}:{target.port}", f"127.0.0.1:{proxy.port}", 1)
    clock = FakeClock(SATURDAY_NIGHT, ticking=True)
    try:
        bot = start_with_a_page_out(standin, make_bot, proxied, clock)
        # A long outage looks like a dead host (connections hang); a short one like a restart (refused).
        proxy.cut("blackhole" if outage_seconds >= 60 else "refuse")
        cut_at = time.monotonic()
        clock.advance(timedelta(minutes=6))  # the level-1 re-page is due while the database is away
        bot.ticker.kick()

        answer = submit_during_outage(standin, clock)
        assert answer["response_action"] == "errors"
        assert "Nothing was filed" in json.dumps(answer["errors"])

        if outage_seconds >= 60:
            wait_until(lambda: [t for t in leads(standin) if "database has been unreachable" in t], timeout=40)
        remaining = outage_seconds - (time.monotonic() - cut_at)
        if remaining > 0:
            time.sleep(remaining)
        assert not pages(standin, "Paged again")  # nothing could be recorded, so nothing was sent
        proxy.restore()
        assert_recovers(standin, bot, clock)
        if outage_seconds >= 60:
            wait_until(lambda: [t for t in leads(standin) if "reachable again" in t], timeout=10)
    finally:
        proxy.close()
        for _ in urls:  # drop the private schema
            pass


def test_sqlite_locked_by_another_process_for_5_s(standin: SlackStandIn, make_bot, tmp_path):
    path = tmp_path / "locked.db"
    clock = FakeClock(SATURDAY_NIGHT, ticking=True)
    bot = start_with_a_page_out(standin, make_bot, f"sqlite:///{path}", clock)
    locked, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(5)
        other.execute("ROLLBACK")
        other.close()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    locked.wait(5)
    try:
        clock.advance(timedelta(minutes=6))
        bot.ticker.kick()
        answer = submit_during_outage(standin, clock)
        assert answer["response_action"] == "errors"
        assert "Nothing was filed" in json.dumps(answer["errors"])
    finally:
        holder.join()
    assert_recovers(standin, bot, clock)


def test_a_click_while_the_database_is_locked_is_answered_with_try_again(standin: SlackStandIn, make_bot, tmp_path):
    """Any listener, not only intake: the person hears that nothing changed, and the log line carries
    the Slack request's id (the listener thread runs in the request's log context)."""
    import logging

    from bot.observability.logs import ContextFilter

    path = tmp_path / "clicks.db"
    clock = FakeClock(SATURDAY_NIGHT, ticking=True)
    bot = start_with_a_page_out(standin, make_bot, f"sqlite:///{path}", clock)
    (user,) = pages(standin, "Paged:")
    page = next(m for m in standin.dm_messages(user) if m["text"].startswith("Paged:"))
    seen: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "store unavailable" in record.getMessage():
                seen.append(dict(getattr(record, "bot_context", {})))

    keep = Keep()
    keep.addFilter(ContextFilter())
    logging.getLogger("bot.slack.bolt").addHandler(keep)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        standin.user(user).click(page, "case_ack", value="1")
        told = wait_until(lambda: [e for e in standin.ephemerals(user) if "cannot be reached" in e["text"]], timeout=8)
        assert "nothing was changed" in told[0]["text"]
    finally:
        other.execute("ROLLBACK")
        other.close()
        logging.getLogger("bot.slack.bolt").removeHandler(keep)
    assert seen and seen[0].get("request_id"), seen
    with bot.store.read() as tx:
        assert tx.cases.get(1).acknowledged_by is None  # nothing changed
    standin.user(user).click(page, "case_ack", value="1")  # the same click, once the database is back
    wait_until(lambda: acknowledged_by(bot) == user)


def acknowledged_by(bot) -> str | None:
    with bot.store.read() as tx:
        return tx.cases.get(1).acknowledged_by
