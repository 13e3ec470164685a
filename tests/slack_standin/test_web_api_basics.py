"""The Web API half answers like Slack: auth, methods, argument names, required arguments, both body kinds."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_standin import SlackStandIn
from tests.slack_standin.conftest import TOKEN


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.status, json.loads(answer.read())


def test_auth_test_reports_the_bot_identity_and_scopes(client: WebClient):
    answer = client.auth_test()
    assert answer["user_id"] == "U0BOT"
    assert answer["bot_id"] == "B0BOT"
    assert answer["team_id"] == "T0SANDBOX"
    assert "chat:write" in answer.headers["x-oauth-scopes"]


def test_missing_token_is_not_authed(standin: SlackStandIn):
    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=standin.api_url).auth_test()
    assert raised.value.response["error"] == "not_authed"


def test_unknown_token_is_invalid_auth(standin: SlackStandIn):
    with pytest.raises(SlackApiError) as raised:
        WebClient(token="xoxb-stolen", base_url=standin.api_url).chat_postMessage(channel="C0ESCALATE", text="x")
    assert raised.value.response["error"] == "invalid_auth"
    assert standin.messages("C0ESCALATE") == []


def test_token_in_the_form_body_is_accepted(standin: SlackStandIn):
    body = urlencode({"token": TOKEN, "user": "U0REP1"}).encode()
    status, answer = _post(standin.api_url + "users.info", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert (status, answer["ok"], answer["user"]["id"]) == (200, True, "U0REP1")


def test_unknown_method_is_unknown_method(client: WebClient):
    with pytest.raises(SlackApiError) as raised:
        client.api_call("chat.postMessagee", json={"channel": "C0ESCALATE", "text": "x"})
    assert raised.value.response["error"] == "unknown_method"


def test_unknown_argument_name_is_invalid_arg_name(client: WebClient, standin: SlackStandIn):
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0ESCALATE", text="x", thred_ts="1.2")
    assert raised.value.response["error"] == "invalid_arg_name"
    assert standin.calls("chat.postMessage")[0].args["thred_ts"] == "1.2"


@pytest.mark.parametrize(
    ("method", "args", "error"),
    [
        ("chat.postMessage", {"text": "x"}, "channel_not_found"),
        ("chat.postMessage", {"channel": "C0ESCALATE"}, "no_text"),
        ("chat.postMessage", {"channel": "C0ESCALATE", "text": ""}, "no_text"),
        ("chat.update", {"channel": "C0ESCALATE", "text": "x"}, "message_not_found"),
        ("chat.postEphemeral", {"channel": "C0ESCALATE", "text": "x"}, "user_not_found"),
        ("chat.getPermalink", {"channel": "C0ESCALATE"}, "message_not_found"),
        ("views.open", {"trigger_id": "1.2.3"}, "invalid_arguments"),
        ("views.open", {"view": {"type": "modal"}}, "invalid_arguments"),
        ("views.update", {"view": {"type": "modal"}}, "invalid_arguments"),
        ("users.info", {}, "user_not_found"),
        ("users.lookupByEmail", {}, "users_not_found"),
        ("usergroups.users.list", {}, "no_such_subteam"),
        ("conversations.open", {}, "users_list_not_supplied"),
        ("conversations.replies", {"channel": "C0ESCALATE"}, "thread_not_found"),
    ],
)
def test_missing_required_arguments_give_the_slack_error(client: WebClient, method: str, args: dict, error: str):
    with pytest.raises(SlackApiError) as raised:
        client.api_call(method, json=args)
    assert raised.value.response["error"] == error


def test_json_and_form_bodies_are_both_accepted_for_any_method(standin: SlackStandIn, client: WebClient):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*form*"}}]
    form = urlencode({"channel": "C0ESCALATE", "text": "via form", "blocks": json.dumps(blocks)}).encode()
    status, answer = _post(
        standin.api_url + "chat.postMessage",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Bearer {TOKEN}"},
    )
    assert (status, answer["ok"]) == (200, True)
    client.api_call("users.info", json={"user": "U0REP1"})
    form_call, json_call = standin.calls("chat.postMessage")[0], standin.calls("users.info")[0]
    assert form_call.content_type == "form"
    assert form_call.args["blocks"] == blocks, "JSON-carrying form args are recorded decoded"
    assert json_call.content_type == "json"
    assert standin.messages("C0ESCALATE")[0]["blocks"] == blocks


def test_every_call_is_recorded_with_arguments_time_and_answer(standin: SlackStandIn, client: WebClient):
    client.chat_postMessage(
        channel="C0ESCALATE", text="hello", unfurl_links=False, metadata={"event_type": "x", "event_payload": {}}
    )
    call = standin.wait_for_call("chat.postMessage", where=lambda c: c.args["text"] == "hello")
    assert call.args == {
        "channel": "C0ESCALATE",
        "text": "hello",
        "unfurl_links": False,
        "metadata": {"event_type": "x", "event_payload": {}},
    }
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.status == 200
    assert call.ok
    assert call.response is not None
    assert call.response["ts"] == standin.messages("C0ESCALATE")[0]["ts"]
    assert call.at.tzinfo is not None
    standin.reset_calls()
    assert standin.calls() == []


def test_wait_for_call_times_out_with_what_it_saw(standin: SlackStandIn, client: WebClient):
    client.auth_test()
    with pytest.raises(TimeoutError, match=r"auth\.test"):
        standin.wait_for_call("views.open", timeout=0.05)
