"""Rate limits: ~1 message a second per channel with a small burst, 429 + Retry-After, tiers per method."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from slack_standin import SlackStandIn
from slack_standin.web_api.ratelimit import RateLimiter
from tests.slack_standin.conftest import TOKEN


def _flood(client: WebClient, channel: str, count: int) -> list[SlackApiError]:
    refused = []
    for number in range(count):
        try:
            client.chat_postMessage(channel=channel, text=f"page {number}")
        except SlackApiError as error:
            refused.append(error)
    return refused


def test_flooding_a_channel_gets_429_with_an_integer_retry_after(standin: SlackStandIn, client: WebClient):
    refused = _flood(client, "C0ESCALATE", 8)
    assert refused, "a burst of 8 in one channel must be limited"
    first = refused[0].response
    assert first.status_code == 429
    assert first["error"] == "ratelimited"
    assert int(first.headers["Retry-After"]) >= 1
    assert len(standin.messages("C0ESCALATE")) == 8 - len(refused)
    assert client.chat_postMessage(channel="C0LEADS", text="other channels are unaffected")["ok"]
    statuses = [c.status for c in standin.calls("chat.postMessage")]
    assert statuses.count(429) == len(refused)


def test_the_sdk_rate_limit_handler_honours_retry_after(standin: SlackStandIn):
    patient = WebClient(
        token=TOKEN, base_url=standin.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    assert not _flood(patient, "C0ESCALATE", 6), "the sixth message waits out Retry-After and gets through"
    calls = standin.calls("chat.postMessage")
    limited = next(c for c in calls if c.status == 429)
    retried = next(c for c in calls if c.seq > limited.seq and c.args == limited.args)
    assert retried.status == 200
    assert retried.monotonic - limited.monotonic >= int(limited.response_headers["Retry-After"])
    assert len(standin.messages("C0ESCALATE")) == 6


def test_rate_limits_can_be_switched_off(clock):
    with SlackStandIn(bot_token=TOKEN, clock=clock, rate_limits=False) as relaxed:
        client = WebClient(token=TOKEN, base_url=relaxed.api_url)
        assert not _flood(client, "C0ESCALATE", 30)


@pytest.mark.parametrize(("tier", "allowed"), [(2, 5), (3, 10), (4, 20)])
def test_tiers_allow_their_burst_then_limit(tier: int, allowed: int):
    limiter = RateLimiter(clock=lambda: 100.0)
    answers = [limiter.check(f"tier{tier}.method", tier) for _ in range(allowed + 1)]
    assert answers[:allowed] == [None] * allowed
    assert answers[allowed] is not None
    assert answers[allowed] >= 1


def test_tokens_come_back_with_time():
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    for _ in range(5):
        assert limiter.check("chat.postMessage", None, channel="C1") is None
    assert limiter.check("chat.postMessage", None, channel="C1") == 1
    now[0] += 1.0
    assert limiter.check("chat.postMessage", None, channel="C1") is None


def test_a_scale_makes_limits_looser_or_tighter():
    tight = RateLimiter(scale=0.2, clock=lambda: 0.0)
    assert tight.check("chat.postMessage", None, channel="C1") is None
    assert tight.check("chat.postMessage", None, channel="C1") is not None
