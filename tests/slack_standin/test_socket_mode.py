"""Socket Mode: apps.connections.open, the websocket link, and people's requests as envelopes to a real Bolt app."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slack_standin import Signing, SlackStandIn
from tests.slack_standin.conftest import TOKEN

APP_TOKEN = "xapp-sandbox"


@pytest.fixture
def socket_app(standin: SlackStandIn) -> Iterator[App]:
    """A real Bolt App connected over slack_sdk's builtin Socket Mode client; people deliver over it."""
    standin.transport = "socket"
    app = App(client=WebClient(token=TOKEN, base_url=standin.api_url), signing_secret="x")
    handler = SocketModeHandler(app, APP_TOKEN)
    handler.connect()
    standin.wait_for_socket(timeout=5)
    yield app
    handler.close()


def modal(callback_id: str = "intake") -> dict[str, Any]:
    summary = {"type": "plain_text_input", "action_id": "summary"}
    severity = {
        "type": "static_select",
        "action_id": "severity",
        "options": [{"text": {"type": "plain_text", "text": s}, "value": s} for s in ("sev1", "sev2")],
    }
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": "Escalate"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            {
                "type": "input",
                "block_id": "severity",
                "dispatch_action": True,
                "label": {"type": "plain_text", "text": "Sev"},
                "element": severity,
            },
            {
                "type": "input",
                "block_id": "summary",
                "label": {"type": "plain_text", "text": "Summary"},
                "element": summary,
            },
        ],
    }


def envelope(response: Any) -> dict[str, Any]:
    return json.loads(response.request_body)


def test_slash_command_over_the_socket_reaches_the_listener_and_its_ack_comes_back(standin, socket_app):
    seen: list[dict[str, Any]] = []

    @socket_app.command("/ad-escalate")
    def handle(ack, command):
        seen.append(command)
        ack("Pick a flow")

    response = standin.user("U0REP1").slash_command("/ad-escalate", "urgent", channel_id="C0SALES")
    assert response.ok, response
    assert response.status == 200 and response.json() == {"text": "Pick a flow"}
    assert (seen[0]["command"], seen[0]["text"], seen[0]["channel_id"]) == ("/ad-escalate", "urgent", "C0SALES")
    sent = envelope(response)
    assert (sent["type"], sent["accepts_response_payload"], sent["retry_attempt"]) == ("slash_commands", True, 0)
    assert "x-slack-signature" not in {k.lower() for k in response.request_headers}, "Slack does not sign envelopes"
    assert [m["text"] for m in standin.ephemerals("U0REP1")] == ["Pick a flow"], "same ack handling as HTTP"


def test_listener_opens_a_modal_with_the_trigger_and_block_actions_arrive_as_interactive(standin, socket_app):
    picked: list[str] = []

    @socket_app.command("/ad-escalate")
    def handle(ack, body, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal())

    @socket_app.action("severity")
    def on_pick(ack, action):
        ack()
        picked.append(action["selected_option"]["value"])

    person = standin.user("U0REP1")
    assert person.slash_command("/ad-escalate", channel_id="C0SALES").ok
    assert standin.wait_for_call("views.open").ok
    view = person.open_view()
    assert view["callback_id"] == "intake"
    action = person.select(view, "severity", "severity", "sev1")
    assert action is not None and action.ok
    assert envelope(action)["type"] == "interactive" and envelope(action)["accepts_response_payload"] is False
    assert picked == ["sev1"]


def test_view_submission_acks_come_back_as_errors_then_update(standin, socket_app):
    @socket_app.view("intake")
    def on_submit(ack, view):
        summary = view["state"]["values"]["summary"]["summary"]["value"]
        if len(summary) < 10:
            ack(response_action="errors", errors={"summary": "Say a bit more"})
            return
        done = {"type": "modal", "title": {"type": "plain_text", "text": "Sent"}, "blocks": []}
        ack(response_action="update", view=done)

    person = standin.user("U0REP2")
    client = WebClient(token=TOKEN, base_url=standin.api_url)
    client.views_open(trigger_id=standin.mint_trigger("U0REP2"), view=modal())
    refused = person.submit_view({"severity": "sev2", "summary": "short"})
    assert refused.ok and refused.errors == {"summary": "Say a bit more"}
    assert envelope(refused)["accepts_response_payload"] is True
    accepted = person.submit_view({"summary": "Creative rejected twice in SG"})
    assert accepted.ok and accepted.errors is None
    assert person.open_view()["title"]["text"] == "Sent"


def test_an_ack_later_than_the_deadline_is_a_failed_delivery(standin, socket_app):
    standin.ack_deadline = 0.3

    @socket_app.command("/ad-escalate")
    def slow(ack):
        time.sleep(0.6)
        ack()

    response = standin.user("U0REP1").slash_command("/ad-escalate", channel_id="C0SALES")
    assert not response.ok and response.status == 0 and not response.on_time
    assert "no Socket Mode ack" in (response.problem or "")
    assert standin.failed_deliveries() == [response]
    deadline = time.monotonic() + 3
    while not standin.state.sockets.late_acks and time.monotonic() < deadline:
        time.sleep(0.05)
    assert standin.state.sockets.late_acks[0]["envelope_id"] == envelope(response)["envelope_id"]


def test_events_are_retried_with_retry_attempt_which_bolt_mirrors_into_headers(standin, socket_app):
    standin.ack_deadline = 0.3
    retries: list[Any] = []

    @socket_app.middleware
    def slow_first_attempt(req, next):
        if req.headers.get("x-slack-retry-num", ["0"])[0] == "0":
            time.sleep(0.5)
        return next()

    @socket_app.event("app_mention")
    def mention(event, req):
        retries.append(req.headers.get("x-slack-retry-num"))

    attempts = standin.send_event({"type": "app_mention", "user": "U0REP1", "text": "hi"}, retry_delays=(0, 0))
    assert [a.ok for a in attempts] == [False, True]
    first, second = (envelope(a) for a in attempts)
    assert (first["type"], first["accepts_response_payload"]) == ("events_api", False)
    assert (second["retry_attempt"], second["retry_reason"]) == (1, "http_timeout")
    assert first["payload"] == second["payload"], "the same event_id on the retry"
    deadline = time.monotonic() + 3
    while len(retries) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(retries, key=str) == [["0"], ["1"]]


def test_refresh_requested_makes_the_client_reconnect_and_deliveries_continue(standin, socket_app):
    @socket_app.command("/ad-escalate")
    def handle(ack):
        ack()

    first = standin.calls("apps.connections.open")[0]
    assert standin.refresh_socket() == 1
    opened = standin.wait_for_call("apps.connections.open", where=lambda c: c.seq > first.seq and c.ok)
    assert opened.headers["authorization"] == f"Bearer {APP_TOKEN}"
    deadline = time.monotonic() + 5
    while standin.socket_connections() != 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # the client opens the new link, then closes the old one
    assert len(standin.calls("apps.connections.open")) == 2
    assert standin.user("U0REP1").slash_command("/ad-escalate", channel_id="C0SALES").ok


def test_without_a_connected_client_a_socket_delivery_fails(standin):
    standin.transport = "socket"
    response = standin.user("U0REP1").slash_command("/ad-escalate", channel_id="C0SALES")
    assert response.status == 0 and not response.ok
    assert response.problem == "no Socket Mode client connected"
    assert standin.failed_deliveries() == [response]


def test_socket_transport_refuses_signing_overrides_and_unknown_transports(standin):
    standin.transport = "socket"
    with pytest.raises(ValueError, match="does not sign Socket Mode envelopes"):
        standin.user("U0REP1").slash_command("/ad-escalate", signing=Signing(secret="wrong"))
    with pytest.raises(ValueError, match="transport"):
        standin.transport = "carrier-pigeon"  # type: ignore[assignment]
    assert standin.transport == "socket"


def test_apps_connections_open_needs_an_app_level_token(standin, client):
    url = WebClient(base_url=standin.api_url).apps_connections_open(app_token=APP_TOKEN)["url"]
    assert re.fullmatch(rf"ws://127\.0\.0\.1:{standin.port}/link/\?ticket=[0-9a-f]{{32}}&app_id=A0ESCBOT", url)
    for token, error in ((TOKEN, "not_allowed_token_type"), ("xapp-unknown", "invalid_auth")):
        with pytest.raises(SlackApiError) as refused:
            client.apps_connections_open(app_token=token)
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as wrong_kind:
        WebClient(token=APP_TOKEN, base_url=standin.api_url).chat_postMessage(channel="C0SALES", text="hi")
    assert wrong_kind.value.response["error"] == "not_allowed_token_type"


def test_socket_mode_handler_with_a_bot_token_is_refused(standin):
    app = App(client=WebClient(token=TOKEN, base_url=standin.api_url), signing_secret="x")
    handler = SocketModeHandler(app, TOKEN)
    try:
        with pytest.raises(SlackApiError, match="not_allowed_token_type"):
            handler.connect()
    finally:
        handler.close()
    assert standin.socket_connections() == 0


def test_apps_connections_open_is_tier_1(standin):
    client = WebClient(base_url=standin.api_url)
    client.apps_connections_open(app_token=APP_TOKEN)
    client.apps_connections_open(app_token=APP_TOKEN)  # Tier 1 allows a small burst
    with pytest.raises(SlackApiError) as limited:
        client.apps_connections_open(app_token=APP_TOKEN)
    assert limited.value.response.status_code == 429
    assert int(limited.value.response.headers["Retry-After"]) >= 1
