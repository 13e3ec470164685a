"""When Slack misbehaves: a send Slack posted after the client's deadline is not repeated, a hanging
Slack keeps only its own case waiting, a 429 holds the method for everyone, a refused token holds
every page until it works again, a message too long is rendered smaller, and modals always answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.observability import metrics
from slack_standin import SlackStandIn
from tests.slack.conftest import (
    file_case,
    open_flow,
    prelaunch_values,
    ticks_pass,
    to_channel,
    to_dm,
    wait_until,
)

SGT = ZoneInfo("Asia/Singapore")
SATURDAY_NIGHT = datetime(2026, 11, 28, 22, 0, tzinfo=SGT)  # SEV1 pages at once, whatever the hour


def file_sev1(standin: SlackStandIn, clock: FakeClock, user: str = "U0REP1", advertiser: str = "Acme"):
    deadline = (clock.now() + timedelta(hours=3)).replace(microsecond=0)
    return file_case(standin, user, deadline=deadline, advertiser=advertiser)


def page_keys(standin: SlackStandIn) -> dict[tuple[str, int], int]:
    return {k: n for k, n in standin.posted_by_job().items() if k[0].startswith("page.send")}


def pages_sent(bot) -> dict[str, str]:
    with bot.store.read() as tx:
        return tx.jobs.states(kind="page.send")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SATURDAY_NIGHT, ticking=True)


def test_every_post_names_its_job_in_message_metadata(standin: SlackStandIn, make_bot, clock):
    make_bot(clock=clock)
    file_sev1(standin, clock)
    wait_until(lambda: page_keys(standin))
    posts = [c for c in standin.calls("chat.postMessage") if c.ok]
    assert posts and all(c.args["metadata"]["event_type"] == "escalation_bot_job" for c in posts)
    assert all(n == 1 for n in standin.posted_by_job().values())


def test_a_page_slack_posted_after_the_clients_deadline_is_found_in_history_not_sent_again(
    standin: SlackStandIn, make_bot, clock
):
    bot = make_bot(clock=clock, send_deadline=timedelta(seconds=1))
    # Slack posts the page, then answers 2 s later: the client has given up after 1 s.
    standin.faults.add("chat.postMessage", hang=2.0, takes_effect=True, where=to_dm())
    found_before = metrics.value("escalation_bot_slack_found_in_history_total")
    file_sev1(standin, clock)
    first_page = "page.send:1:g1:r1:l1"
    wait_until(lambda: any(k.startswith(first_page) and s == "done" for k, s in pages_sent(bot).items()), timeout=20)
    assert page_keys(standin) and set(page_keys(standin).values()) == {1}
    assert standin.calls("conversations.history")  # the second attempt looked before posting
    assert metrics.value("escalation_bot_slack_found_in_history_total") == found_before + 1


def test_a_hanging_page_to_one_person_does_not_hold_up_another_cases_root_post(standin: SlackStandIn, make_bot, clock):
    make_bot(clock=clock, send_deadline=timedelta(seconds=8))
    file_sev1(standin, clock)
    wait_until(lambda: page_keys(standin))
    # Every DM now hangs past the deadline; the next case's channel post must not wait for them.
    standin.faults.add("chat.postMessage", hang=6.0, where=to_dm(), times=None)
    file_sev1(standin, clock, user="U0REP2", advertiser="Globex")
    roots = lambda: [c for c in standin.calls("chat.postMessage") if c.ok and c.args["channel"] == "C0ESCALATE"]  # noqa: E731
    wait_until(lambda: len([c for c in roots() if "thread_ts" not in c.args]) >= 2, timeout=5)


def test_after_a_429_no_job_posts_to_that_conversation_before_retry_after(standin: SlackStandIn, make_bot, clock):
    make_bot(clock=clock)
    standin.faults.add("chat.postMessage", status=429, retry_after=2, where=to_dm())
    file_sev1(standin, clock)
    file_sev1(standin, clock, user="U0REP2", advertiser="Globex")
    wait_until(lambda: len(page_keys(standin)) >= 2, timeout=20)
    calls = standin.calls("chat.postMessage")
    limited = [c for c in calls if c.status == 429]  # the injected one, and any the stand-in's own limits gave
    assert limited
    for refused in limited:
        retry_after = float(refused.response_headers["Retry-After"])
        same = [c for c in calls if c.seq > refused.seq and c.args["channel"] == refused.args["channel"]]
        # A send already on its way when the 429 came is not "after" it; every later one waits Retry-After.
        early = [
            c.monotonic - refused.monotonic for c in same if 0.5 < c.monotonic - refused.monotonic < retry_after - 0.1
        ]
        assert not early, (refused.args["channel"], retry_after, early)
    assert set(page_keys(standin).values()) == {1}


def test_a_revoked_token_holds_every_page_and_sends_them_oldest_first_once_it_works(
    standin: SlackStandIn, make_bot, clock
):
    bot = make_bot(clock=clock)
    deadline = (clock.now() + timedelta(hours=3)).replace(microsecond=0)
    forms = [open_flow(standin, user, "prelaunch_review") for user in ("U0REP1", "U0REP2")]
    standin.refuse_token("token_revoked")  # revoked while both reps fill in their forms
    for form, advertiser in zip(forms, ("Acme", "Globex"), strict=True):
        assert form.submit_view(prelaunch_values(advertiser=advertiser, deadline=deadline)).status == 200
    wait_until(lambda: bot.slack is not None and bot.slack.refused_with == "token_revoked")
    ticks_pass(bot)
    ok, body = bot.ready()
    assert ok and body["checks"]["slack"] == "auth_failed: token_revoked"
    with bot.store.read() as tx:
        states = tx.jobs.states()
    assert "failed" not in states.values()
    standin.restore_token()
    wait_until(lambda: len(page_keys(standin)) >= 2, timeout=40)
    roots = [c for c in standin.calls("chat.postMessage") if c.ok and c.args["channel"] == "C0ESCALATE"]
    assert "ADS-1001" in roots[0].args["text"]  # the oldest case's root went first
    assert set(standin.posted_by_job().values()) == {1}
    wait_until(lambda: bot.ready()[1]["checks"]["slack"] == "ok")
    leads = lambda: [c for c in standin.calls("chat.postMessage") if c.ok and "Slack answers" in c.args["text"]]  # noqa: E731
    wait_until(leads)


def test_msg_blocks_too_long_gets_a_smaller_rendering_not_a_failure(standin: SlackStandIn, make_bot, clock):
    bot = make_bot(clock=clock)
    standin.faults.add("chat.postMessage", error="msg_blocks_too_long", where=to_channel("C0ESCALATE"))
    file_sev1(standin, clock)
    wait_until(lambda: [c for c in standin.calls("chat.postMessage") if c.ok and c.args["channel"] == "C0ESCALATE"])
    refused, posted = [c for c in standin.calls("chat.postMessage") if c.args["channel"] == "C0ESCALATE"][:2]
    assert refused.response["error"] == "msg_blocks_too_long"
    assert len(posted.args["blocks"]) < len(refused.args["blocks"])
    with bot.store.read() as tx:
        assert "failed" not in tx.jobs.states().values()
