"""People's requests over Socket Mode: the HTTP body becomes an envelope, the ack becomes a Response."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from slack_standin.transport.delivery import JSON, Response
from slack_standin.transport.socket_mode import SocketModeHub

# Slack marks the envelopes whose ack may carry a body that changes what the user sees.
_ANSWERABLE = frozenset({"slash_command", "view_submission", "block_suggestion"})


def envelope_for(body: str, *, kind: str, content_type: str, retry: dict[str, str]) -> dict[str, Any]:
    """The Socket Mode envelope carrying the same payload an HTTP request would (Slack signs neither)."""
    if kind == "slash_command":
        envelope_type, payload = "slash_commands", dict(parse_qsl(body, keep_blank_values=True))
    elif content_type == JSON:
        envelope_type, payload = "events_api", json.loads(body)
    else:
        envelope_type, payload = "interactive", json.loads(dict(parse_qsl(body)).get("payload", "{}"))
    headers = {name.lower(): value for name, value in retry.items()}
    return {
        "envelope_id": str(uuid.uuid4()),
        "type": envelope_type,
        "payload": payload,
        "accepts_response_payload": kind in _ANSWERABLE,
        "retry_attempt": int(headers.get("x-slack-retry-num", 0)),
        "retry_reason": headers.get("x-slack-retry-reason", ""),
    }


class SocketSender:
    """Delivers over the newest Socket Mode link and shapes the answer like an HTTP delivery's."""

    def __init__(self, hub: SocketModeHub) -> None:
        self._hub = hub

    def deliver(
        self, body: str, *, kind: str, content_type: str, retry: dict[str, str], ack_deadline: float
    ) -> Response:
        """Send one envelope and wait for its ack; no link or no ack in time is a failed delivery."""
        envelope = envelope_for(body, kind=kind, content_type=content_type, retry=retry)
        sent = json.dumps(envelope).encode()
        started = time.monotonic()
        if not self._hub.links():
            return Response(
                0, "", {}, 0.0, kind, ack_deadline, problem="no Socket Mode client connected", request_body=sent
            )
        # A hair past the deadline, so a missing ack can never count as on time.
        ack = self._hub.deliver(envelope, deadline=ack_deadline + 0.001)
        if ack is None:
            elapsed = time.monotonic() - started
            problem = f"no Socket Mode ack within {ack_deadline} s"
            return Response(0, "", {}, elapsed, kind, ack_deadline, problem=problem, request_body=sent)
        body_text = json.dumps(ack.payload) if ack.payload is not None else ""
        headers = {"content-type": "application/json"} if ack.payload is not None else {}
        return Response(200, body_text, headers, ack.elapsed, kind, ack_deadline, request_body=sent)
