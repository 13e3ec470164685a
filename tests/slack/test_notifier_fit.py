"""The notifier against the stand-in: a digest too big for one message becomes a parent and thread
replies, each naming its job; a send whose job may have landed before looks in history first."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from bot.services.ports import SendingFor, sending_for
from bot.slack.client import build_client
from bot.slack.notifier import SlackNotifier
from slack_standin import SlackStandIn
from tests.slack.test_digest_blocks import busy_digest

SGT = ZoneInfo("Asia/Singapore")


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(rate_limits=False) as running:
        yield running


@pytest.fixture
def notifier(standin: SlackStandIn) -> SlackNotifier:
    return SlackNotifier(build_client(token=standin.bot_token, base_url=standin.api_url, for_sends=True), tz=SGT)


def test_a_busy_days_digest_is_a_parent_and_thread_replies_each_within_slacks_limits(standin, notifier):
    token = sending_for.set(SendingFor(key="digest:C0LEADS:2026-12-02", may_have_sent=False))
    try:
        notifier.post_digest(busy_digest(60), channel_id="C0LEADS")
    finally:
        sending_for.reset(token)
    [parent] = standin.messages("C0LEADS")
    thread = standin.messages("C0LEADS", thread_ts=parent["ts"])
    assert len(thread) >= 2  # the parent and at least one reply
    assert all(c.ok for c in standin.calls("chat.postMessage"))
    assert standin.posted_by_job() == {("digest:C0LEADS:2026-12-02", n): 1 for n in range(len(thread))}


def test_a_second_attempt_finds_the_first_in_history_and_posts_nothing(standin, notifier):
    token = sending_for.set(SendingFor(key="digest:C0LEADS:2026-12-02", may_have_sent=False))
    try:
        notifier.post_digest(busy_digest(60), channel_id="C0LEADS")
    finally:
        sending_for.reset(token)
    posted = len(standin.calls("chat.postMessage"))
    token = sending_for.set(SendingFor(key="digest:C0LEADS:2026-12-02", may_have_sent=True))
    try:
        notifier.post_digest(busy_digest(60), channel_id="C0LEADS")
    finally:
        sending_for.reset(token)
    assert len(standin.calls("chat.postMessage")) == posted
    assert set(standin.posted_by_job().values()) == {1}
