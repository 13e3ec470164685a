"""Injected faults: 429, 5xx, ok:false, hangs and dropped connections, for the next N matching calls."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from slack_standin import SlackStandIn
from tests.slack_standin.conftest import TOKEN


def test_a_500_fault_hits_the_next_call_only(standin: SlackStandIn, client: WebClient):
    fault = standin.faults.add("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0ESCALATE", text="first")
    assert raised.value.response.status_code == 500
    assert client.chat_postMessage(channel="C0ESCALATE", text="second")["ok"]
    failed, passed = standin.calls("chat.postMessage")
    assert (failed.fault, failed.status, passed.fault) == (fault, 500, None)
    assert [m["text"] for m in standin.messages("C0ESCALATE")] == ["second"], "a refused call has no effect"
    assert standin.faults.fired == [("chat.postMessage", fault)]


def test_the_sdk_server_error_handler_retries_a_503(standin: SlackStandIn):
    retrying = WebClient(
        token=TOKEN,
        base_url=standin.api_url,
        retry_handlers=[
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01))
        ],
    )
    standin.faults.add("users.info", status=503, times=2)
    assert retrying.users_info(user="U0REP1")["user"]["id"] == "U0REP1"
    assert [c.status for c in standin.calls("users.info")] == [503, 503, 200]


def test_a_429_fault_carries_retry_after(standin: SlackStandIn, client: WebClient):
    standin.faults.add("views.update", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.views_update(view_id="V1", view={"type": "modal"})
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"


def test_an_error_fault_answers_ok_false_and_can_match_arguments(standin: SlackStandIn, client: WebClient):
    standin.faults.add("chat.postMessage", error="channel_not_found", where=lambda args: args["channel"] == "C0LEADS")
    assert client.chat_postMessage(channel="C0ESCALATE", text="unaffected")["ok"]
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0LEADS", text="digest")
    assert (raised.value.response.status_code, raised.value.response["error"]) == (200, "channel_not_found")


def test_a_hang_makes_the_client_time_out(standin: SlackStandIn):
    impatient = WebClient(token=TOKEN, base_url=standin.api_url, timeout=0.3)
    standin.faults.add("chat.postMessage", hang=0.6, status=503)
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C0ESCALATE", text="slow")
    call = standin.wait_for_call("chat.postMessage")
    assert call.status == 503
    assert standin.messages("C0ESCALATE") == []


def test_a_reset_is_retried_once_by_the_sdk_default_handler(standin: SlackStandIn, client: WebClient):
    standin.faults.add("chat.postMessage", reset=True)
    assert client.chat_postMessage(channel="C0ESCALATE", text="page")["ok"]
    assert [c.status for c in standin.calls("chat.postMessage")] == [0, 200]
    assert len(standin.messages("C0ESCALATE")) == 1


def test_a_reset_after_the_work_shows_how_a_blind_retry_duplicates(standin: SlackStandIn, client: WebClient):
    standin.faults.add("chat.postMessage", reset=True, takes_effect=True)
    client.chat_postMessage(channel="C0ESCALATE", text="page Li Wei")
    assert [m["text"] for m in standin.messages("C0ESCALATE")] == ["page Li Wei", "page Li Wei"]


def test_a_reset_without_retries_raises_a_connection_error(standin: SlackStandIn):
    bare = WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])
    standin.faults.add("*", reset=True, times=None)
    with pytest.raises(ConnectionError):
        bare.auth_test()
    with pytest.raises(ConnectionError):
        bare.users_info(user="U0REP1")
    standin.faults.clear()
    assert bare.auth_test()["ok"]


def test_a_fault_needs_something_to_do(standin: SlackStandIn):
    with pytest.raises(ValueError, match="needs"):
        standin.faults.add("chat.postMessage")
