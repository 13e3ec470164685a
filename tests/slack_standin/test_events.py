"""Events API deliveries: signed JSON envelopes, re-sent with X-Slack-Retry-* headers after failures."""

from __future__ import annotations

import json
import queue
import socket

from slack_bolt import App

from slack_standin import SlackStandIn


def test_opening_the_home_tab_delivers_app_home_opened(standin: SlackStandIn, bolt: App):
    events: queue.Queue = queue.Queue()

    @bolt.event("app_home_opened")
    def handle_home(event, client):
        events.put(event)
        home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "On call: Li Wei"}}]}
        client.views_publish(user_id=event["user"], view=home)

    attempts = standin.user("U0LEAD1").open_home()
    assert [a.status for a in attempts] == [200]
    event = events.get(timeout=5)
    assert (event["user"], event["tab"], event["channel"]) == ("U0LEAD1", "home", "D0LEAD1")
    standin.wait_for_call("views.publish")
    assert standin.home_view("U0LEAD1")["blocks"][0]["text"]["text"] == "On call: Li Wei"


def test_failed_event_deliveries_are_retried_with_retry_headers(standin: SlackStandIn):
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    standin.bot_url = f"http://127.0.0.1:{port}/slack/events"
    attempts = standin.send_event({"type": "app_mention", "user": "U0REP1", "text": "hi"}, retry_delays=(0, 0, 0))
    assert [a.status for a in attempts] == [0, 0, 0, 0]
    assert "X-Slack-Retry-Num" not in attempts[0].request_headers
    assert [a.request_headers["X-Slack-Retry-Num"] for a in attempts[1:]] == ["1", "2", "3"]
    assert {a.request_headers["X-Slack-Retry-Reason"] for a in attempts[1:]} == {"connection_failed"}
    bodies = {a.request_body for a in attempts}
    assert len(bodies) == 1, "every retry carries the identical body (same event_id)"
    assert json.loads(attempts[0].request_body)["event"]["type"] == "app_mention"
