"""The stand-in refuses what Slack refuses: chat.update's channel ids and 4,000 characters, the total
size of a message, a token that no longer works; it keeps and returns message metadata as Slack does."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_standin import SlackStandIn

JOB = {"event_type": "escalation_bot_job", "event_payload": {"job_key": "page:ADS-1:1:1", "part": 0}}


def _error(call, **kwargs) -> str:
    with pytest.raises(SlackApiError) as raised:
        call(**kwargs)
    return str(raised.value.response["error"])


def _sections(count: int, size: int) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * size}} for _ in range(count)]


def test_chat_update_takes_a_conversation_id_not_a_user_id_or_a_name(client: WebClient):
    posted = client.chat_postMessage(channel="U0SPEC1", text="page")
    assert _error(client.chat_update, channel="U0SPEC1", ts=posted["ts"], text="done") == "channel_not_found"
    assert _error(client.chat_update, channel="#ads-escalations", ts=posted["ts"], text="x") == "channel_not_found"
    assert client.chat_update(channel=posted["channel"], ts=posted["ts"], text="done")["ok"]


def test_chat_update_refuses_text_over_4000_characters(client: WebClient):
    posted = client.chat_postMessage(channel="C0ESCALATE", text="root")
    assert _error(client.chat_update, channel="C0ESCALATE", ts=posted["ts"], text="x" * 4001) == "msg_too_long"
    assert client.chat_update(channel="C0ESCALATE", ts=posted["ts"], text="x" * 4000)["ok"]


def test_a_message_over_12000_characters_across_its_blocks_is_refused(client: WebClient):
    assert client.chat_postMessage(channel="C0ESCALATE", text="ok", blocks=_sections(4, 3000))["ok"]
    error = _error(client.chat_postMessage, channel="C0ESCALATE", text="big", blocks=_sections(5, 2500))
    assert error == "msg_blocks_too_long"


@pytest.mark.parametrize("error", ["token_revoked", "invalid_auth", "account_inactive"])
def test_a_refused_token_fails_every_call_until_restored(standin: SlackStandIn, client: WebClient, error: str):
    standin.refuse_token(error)
    assert _error(client.auth_test) == error
    assert _error(client.chat_postMessage, channel="C0ESCALATE", text="page") == error
    standin.restore_token()
    assert client.chat_postMessage(channel="C0ESCALATE", text="page")["ok"]


def test_metadata_comes_back_only_with_include_all_metadata(client: WebClient):
    posted = client.chat_postMessage(channel="U0SPEC1", text="page", metadata=JOB)
    dm = posted["channel"]
    plain = client.conversations_history(channel=dm)["messages"][0]
    assert "metadata" not in plain
    full = client.conversations_history(channel=dm, include_all_metadata=True)["messages"][0]
    assert full["metadata"] == JOB
    reply = client.chat_postMessage(channel=dm, text="part 2", thread_ts=posted["ts"], metadata=JOB)
    thread = client.conversations_replies(channel=dm, ts=posted["ts"], include_all_metadata=True)["messages"]
    assert [m["ts"] for m in thread] == [posted["ts"], reply["ts"]]
    assert thread[1]["metadata"] == JOB


def test_metadata_without_an_event_type_or_payload_is_refused(client: WebClient):
    bad = {"event_payload": {"a": 1}}
    assert _error(client.chat_postMessage, channel="C0ESCALATE", text="x", metadata=bad) == "invalid_metadata_schema"


def test_a_hang_with_effect_lands_the_message_after_the_clients_deadline(standin: SlackStandIn):
    standin.faults.add("chat.postMessage", hang=2.0, takes_effect=True)
    hurried = WebClient(token=standin.bot_token, base_url=standin.api_url, timeout=1)
    with pytest.raises(TimeoutError):
        hurried.chat_postMessage(channel="C0ESCALATE", text="late page")
    assert [m["text"] for m in standin.messages("C0ESCALATE")] == ["late page"]
