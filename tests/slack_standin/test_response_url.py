"""response_url: posts are recorded and act on the conversation; 5 uses within 30 minutes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import timedelta

from slack_sdk import WebClient

from bot.clock import FakeClock
from slack_standin import SlackStandIn


def _post(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_response_url_works_five_times(frozen: SlackStandIn):
    url = frozen.response_url("U0REP1", "C0SALES")
    statuses = [_post(url, {"text": f"try {n}"})[0] for n in range(5)]
    assert statuses == [200] * 5
    assert _post(url, {"text": "sixth"}) == (404, {"ok": False, "error": "used_url"})
    recorded = frozen.calls("response_url")
    assert [c.args["text"] for c in recorded] == [f"try {n}" for n in range(5)] + ["sixth"]
    assert recorded[0].args["response_url_id"] == url.rsplit("/", 1)[1]


def test_a_response_url_expires_after_thirty_minutes(clock: FakeClock, frozen: SlackStandIn):
    url = frozen.response_url("U0REP1", "C0SALES")
    clock.advance(timedelta(minutes=30, seconds=1))
    assert _post(url, {"text": "late"}) == (404, {"ok": False, "error": "expired_url"})


def test_default_responses_are_ephemeral_and_in_channel_ones_are_posted(frozen: SlackStandIn):
    _post(frozen.response_url("U0REP1", "C0SALES"), {"text": "Only you: ADS-1042 opened"})
    _post(frozen.response_url("U0REP1", "C0SALES"), {"text": "Everyone: ADS-1042", "response_type": "in_channel"})
    assert [m["text"] for m in frozen.ephemerals("U0REP1")] == ["Only you: ADS-1042 opened"]
    assert [m["text"] for m in frozen.messages("C0SALES")] == ["Everyone: ADS-1042"]


def test_replace_and_delete_original(frozen: SlackStandIn, frozen_client: WebClient):
    ts = frozen_client.chat_postMessage(channel="C0ESCALATE", text="Acknowledge?")["ts"]
    url = frozen.response_url("U0SPEC1", "C0ESCALATE", ts)
    _post(url, {"text": "Acknowledged by Li Wei", "replace_original": True})
    assert frozen.messages("C0ESCALATE")[0]["text"] == "Acknowledged by Li Wei"
    _post(url, {"delete_original": True})
    assert frozen.messages("C0ESCALATE") == []


def test_invalid_blocks_in_a_response_are_refused(frozen: SlackStandIn):
    status, body = _post(frozen.response_url("U0REP1", "C0SALES"), {"text": "x", "blocks": [{"type": "nope"}]})
    assert (status, body["error"]) == (400, "invalid_blocks")
