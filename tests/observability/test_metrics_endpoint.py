"""GET /metrics over real HTTP: a case filed, paged and acknowledged through the stand-in moves the
counters and histograms by exactly what happened (before/after: the registry is process-wide)."""

from __future__ import annotations

import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.clock import FakeClock
from slack_standin import SlackStandIn
from tests.slack.conftest import prelaunch_values, to_channel, wait_until

SGT = ZoneInfo("Asia/Singapore")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(bot) -> Samples:
    with urllib.request.urlopen(f"http://{bot.http.host}:{bot.http.port}/metrics", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def scrape_once_moved(bot, before: Samples, kind: str, outcome: str) -> Samples | None:
    """A scrape in which jobs of `kind` have moved `outcome`, else None (to poll with wait_until)."""
    now = scrape(bot)
    return now if moved(before, now, "escalation_bot_jobs_total", kind=kind, outcome=outcome) else None


def case(bot, case_id: int = 1):
    with bot.store.read() as tx:
        return tx.cases.get(case_id)


def page_dms(standin: SlackStandIn) -> list[str]:
    """The users the bot paged (one entry per page DM that Slack accepted)."""
    return [
        c.args["channel"]
        for c in standin.calls("chat.postMessage")
        if c.ok and c.args["channel"].startswith("U") and c.args.get("text", "").startswith("Paged:")
    ]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 11, 0, tzinfo=SGT), ticking=True)  # a Tuesday morning


def test_a_paged_and_acknowledged_case_moves_the_counters_and_histograms(standin: SlackStandIn, make_bot, clock):
    bot = make_bot(clock=clock)
    before = scrape(bot)
    rep = standin.user("U0REP1")
    assert rep.slash_command("/ad-escalate", channel_id="C0SALES").status == 200
    opened = standin.wait_for_call("views.open", where=lambda c: c.ok)
    # Each fault names the one call it is for: this rep's form, and the case channel's root post.
    view_id = opened.response["view"]["id"]
    standin.faults.add("views.update", status=429, retry_after=1, where=lambda a: a.get("view_id") == view_id)
    standin.faults.add("chat.postMessage", status=429, retry_after=1, where=to_channel("C0ESCALATE"))
    rep.select(rep.open_view(), block_id="flow_pick", action_id="flow_pick", value="prelaunch_review")
    standin.wait_for_call("views.update", where=lambda c: c.ok)
    deadline = (clock.now() + timedelta(hours=3)).replace(microsecond=0)
    assert rep.submit_view(prelaunch_values(deadline=deadline)).status == 200
    paged = wait_until(lambda: page_dms(standin), timeout=10)
    page = next(m for m in standin.dm_messages(paged[0]) if m["text"].startswith("Paged:"))
    standin.user(paged[0]).click(page, "case_ack", value="1")
    wait_until(lambda: case(bot).acknowledged_at)
    # The page DMs are updated by the job the acknowledgement enqueues; its first run times the ack.
    wait_until(lambda: [c for c in standin.calls("chat.update") if c.ok and c.args["channel"].startswith("D")])
    # The root post was retried after its 429; a job is counted just after its commit, so poll.
    after = wait_until(lambda: scrape_once_moved(bot, before, "case.post_root", "sent"), timeout=10)

    pages = len(page_dms(standin))
    severity = case(bot).severity_id
    assert moved(before, after, "escalation_bot_cases_opened_total", flow="prelaunch_review", severity=severity) == 1
    assert moved(before, after, "escalation_bot_pages_total", outcome="sent") == pages
    assert moved(before, after, "escalation_bot_pages_total", outcome="failed") == 0
    assert moved(before, after, "escalation_bot_jobs_total", kind="page.send", outcome="sent") == pages
    assert moved(before, after, "escalation_bot_jobs_total", kind="case.post_root", outcome="retried") == 1
    assert moved(before, after, "escalation_bot_jobs_total", kind="case.post_root", outcome="sent") == 1
    assert moved(before, after, "escalation_bot_page_lateness_seconds_count") == pages
    assert moved(before, after, "escalation_bot_ack_latency_seconds_count") == 1

    def calls(method: str, outcome: str) -> float:
        return moved(before, after, "escalation_bot_slack_api_calls_total", method=method, outcome=outcome)

    assert calls("chat.postMessage", "ratelimited") == 1
    assert calls("views.update", "ratelimited") == 1  # counted although the SDK retried it
    assert calls("chat.postMessage", "ok") >= pages + 1
    assert calls("views.update", "ok") >= 1
    assert calls("chat.update", "ok") >= 1

    assert ("escalation_bot_timers_pending", frozenset()) in after
    assert ("escalation_bot_timer_oldest_overdue_seconds", frozenset()) in after
    assert ("escalation_bot_tick_duration_seconds_count", frozenset()) in after
