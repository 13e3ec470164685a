"""The people half signs like Slack: a real Bolt app behind waitress accepts it and rejects forgeries."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

import pytest
from slack_bolt import App

from slack_standin import Signing, SlackStandIn

INTAKE = {
    "type": "modal",
    "callback_id": "intake",
    "title": {"type": "plain_text", "text": "Escalate"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Loading…"}}],
}


@pytest.fixture
def commands(bolt: App) -> list[dict]:
    """Slash command bodies the bot saw; each one opens the intake modal."""
    seen: list[dict] = []

    @bolt.command("/ad-escalate")
    def handle_escalate(ack, body, client):
        ack()
        seen.append(body)
        client.views_open(trigger_id=body["trigger_id"], view=INTAKE)

    return seen


def test_bolt_app_startup_called_auth_test_on_the_stand_in(standin: SlackStandIn, bolt: App):
    assert standin.calls("auth.test")[0].ok


def test_a_signed_slash_command_reaches_the_listener_and_opens_a_view(standin: SlackStandIn, commands: list[dict]):
    rep = standin.user("U0REP1")
    answer = rep.slash_command("/ad-escalate", text="Acme spring launch", channel_id="C0SALES")
    assert (answer.ok, answer.status, answer.body) == (True, 200, "")
    opened = standin.wait_for_call("views.open")
    assert opened.ok
    body = commands[0]
    assert body["text"] == "Acme spring launch"
    assert (body["user_id"], body["user_name"], body["channel_id"], body["channel_name"]) == (
        "U0REP1",
        "mei.tan",
        "C0SALES",
        "sales-apac",
    )
    assert (body["team_id"], body["api_app_id"], body["command"]) == ("T0SANDBOX", "A0ESCBOT", "/ad-escalate")
    assert body["response_url"].startswith(standin.base_url + "response_url/")
    assert opened.args["trigger_id"] == body["trigger_id"]
    assert rep.open_view()["callback_id"] == "intake"


def test_the_form_body_has_every_slash_command_field(standin: SlackStandIn, commands: list[dict]):
    answer = standin.user("U0REP2").slash_command(text="x")
    sent = parse_qs(answer.request_body.decode())
    assert set(sent) == {
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    }
    assert answer.request_headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert answer.request_headers["X-Slack-Signature"].startswith("v0=")


@pytest.mark.parametrize(
    ("signing", "status"),
    [
        (Signing(secret="not-the-secret"), 401),
        (Signing(timestamp=-301), 401),
        (Signing(timestamp=-299), 200),
        (Signing(tamper=True), 401),
        (Signing(tamper=lambda body: body.replace(b"Acme", b"Evil")), 401),
    ],
    ids=["wrong secret", "301 s old", "299 s old", "appended after signing", "edited after signing"],
)
def test_signature_checks(standin: SlackStandIn, commands: list[dict], signing: Signing, status: int):
    if signing.timestamp is not None:  # an age in seconds, turned into a timestamp just before sending
        signing = Signing(timestamp=int(time.time()) + signing.timestamp)
    answer = standin.user("U0REP1").slash_command(text="Acme", signing=signing)
    assert answer.status == status
    if status == 401:
        assert answer.json() == {"error": "invalid request"}
        assert commands == []
        assert not answer.ok
        assert answer in standin.failed_deliveries()


def test_raw_posts_without_signature_headers_are_rejected(standin: SlackStandIn, commands: list[dict]):
    answer = standin.post_raw(b"command=%2Fad-escalate&text=x", {"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 401
    oversized = standin.post_raw(b"text=" + b"x" * 2_000_000, {"Content-Type": "application/x-www-form-urlencoded"})
    assert oversized.status == 401
    invalid_utf8 = standin.post_raw(b"\xff\xfe payload", {"Content-Type": "application/x-www-form-urlencoded"})
    assert invalid_utf8.status >= 400
    assert commands == []
