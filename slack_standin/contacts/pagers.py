"""Local PagerDuty (Events API v2 + v3 webhooks) and Opsgenie (Alert API v2 + outgoing webhook)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from slack_standin.contacts.base import Answer, HttpContactStandIn, post

_IDS = itertools.count(1)
PD_SEVERITIES = {"critical", "error", "warning", "info"}
PD_ACTIONS = {"trigger", "acknowledge", "resolve"}


def _invalid(*errors: str) -> Answer:
    return Answer(400, {"status": "invalid event", "message": "Event object is invalid", "errors": list(errors)})


@dataclass
class Incident:
    dedup_key: str
    status: str
    summary: str
    routing_key: str
    log: list[str] = field(default_factory=list)


@dataclass
class PagerDutyStandIn(HttpContactStandIn):
    """Events API v2 at POST /v2/enqueue for the integrations in `routing_keys`; incidents by dedup_key."""

    routing_keys: tuple[str, ...] = ("R0" + "0" * 29 + "1",)
    webhook_url: str = ""
    webhook_secret: str = "pagerduty-sandbox-secret"
    per_minute: int = 120  # events a minute per routing key, then 429
    incidents: dict[str, Incident] = field(default_factory=dict)

    def _rate(self) -> tuple[int, timedelta]:
        return self.per_minute, timedelta(minutes=1)

    def _route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method != "POST" or urllib.parse.urlsplit(path).path != "/v2/enqueue":
            return Answer(404, {"status": "not found", "message": "Not Found"})
        try:
            event = json.loads(body)
        except ValueError:
            return _invalid("Event object is not valid JSON")
        if not isinstance(event, dict):
            return _invalid("Event object is not a JSON object")
        key, action = str(event.get("routing_key", "")), event.get("event_action")
        errors = []
        if len(key) != 32 or key not in self.routing_keys:
            errors.append("'routing_key' is invalid")
        if action not in PD_ACTIONS:
            errors.append("'event_action' is missing or invalid")
        dedup = str(event.get("dedup_key") or "")
        if action in ("acknowledge", "resolve") and not dedup:
            errors.append("'dedup_key' is required for acknowledge and resolve")
        if len(dedup) > 255:
            errors.append("'dedup_key' is longer than 255 characters")
        payload = event.get("payload") or {}
        if action == "trigger":
            for name in ("summary", "source", "severity"):
                if not payload.get(name):
                    errors.append(f"'payload.{name}' is missing")
            if payload.get("severity") and payload["severity"] not in PD_SEVERITIES:
                errors.append("'payload.severity' must be one of critical, error, warning, info")
        if errors:
            return _invalid(*errors)
        with self._lock:
            if not self._window.allow(key, self.clock.now()):
                return Answer(
                    429,
                    {
                        "status": "throttle event",
                        "message": "Requests for this service are arriving too quickly. Please retry later.",
                    },
                )
            dedup = dedup or uuid.uuid4().hex
            incident = self.incidents.get(dedup)
            if action == "trigger" and (incident is None or incident.status == "resolved"):
                self.incidents[dedup] = incident = Incident(dedup, "triggered", str(payload["summary"]), key)
            if incident is not None:
                if action == "acknowledge" and incident.status == "triggered":
                    incident.status = "acknowledged"
                if action == "resolve":
                    incident.status = "resolved"
                incident.log.append(str(action))
        return Answer(202, {"status": "success", "message": "Event processed", "dedup_key": dedup})

    def acknowledge_in_app(self, dedup_key: str, *, signature: str | None = None) -> tuple[int, str]:
        """A responder acknowledges the incident in PagerDuty: a v3 webhook goes to the bot."""
        incident = self.incidents[dedup_key]
        incident.status = "acknowledged"
        body = json.dumps(
            {
                "event": {
                    "id": f"01{next(_IDS):024X}",
                    "event_type": "incident.acknowledged",
                    "resource_type": "incident",
                    "occurred_at": self.clock.now().isoformat(),
                    "agent": {"id": "PUSER01", "type": "user_reference", "summary": "On-call responder"},
                    "data": {
                        "id": f"Q{next(_IDS):013X}",
                        "type": "incident",
                        "status": "acknowledged",
                        "incident_key": dedup_key,
                        "title": incident.summary,
                    },
                }
            }
        ).encode()
        digest = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-PagerDuty-Signature": signature or f"v1={digest}"}
        return post(self.webhook_url, body, headers)


@dataclass
class Alert:
    alias: str
    message: str
    status: str
    priority: str
    acknowledged: bool = False


@dataclass
class OpsgenieStandIn(HttpContactStandIn):
    """Alert API v2: create (POST /v2/alerts), acknowledge and close by alias, each 202 + requestId."""

    api_key: str = "opsgenie-sandbox-key"
    webhook_url: str = ""
    webhook_key: str = "opsgenie-sandbox-webhook-key"
    per_minute: int = 600
    alerts: dict[str, Alert] = field(default_factory=dict)

    def _rate(self) -> tuple[int, timedelta]:
        return self.per_minute, timedelta(minutes=1)

    @staticmethod
    def _answer(status: int, **extra: Any) -> Answer:
        return Answer(status, {"took": 0.01, "requestId": str(uuid.uuid4()), **extra})

    def _route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if headers.get("authorization", "") != f"GenieKey {self.api_key}":
            return self._answer(401, message="Could not authenticate")
        parts = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        with self._lock:
            if not self._window.allow(self.api_key, self.clock.now()):
                return self._answer(
                    429, message="You are making too many requests! To avoid errors, we recommend you limit requests."
                )
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return self._answer(400, message="Request body is not processable")
        if method == "POST" and parts.path == "/v2/alerts":
            message = str(data.get("message") or "")
            if not message:
                return self._answer(
                    422,
                    message="Request body is not processable. Please check the errors.",
                    errors={"message": "Message can not be empty."},
                )
            if len(message) > 130:
                return self._answer(
                    422,
                    message="Request body is not processable. Please check the errors.",
                    errors={"message": "Message can not be longer than 130 characters."},
                )
            alias = str(data.get("alias") or uuid.uuid4())
            with self._lock:
                if alias not in self.alerts or self.alerts[alias].status == "closed":
                    self.alerts[alias] = Alert(alias, message, "open", str(data.get("priority", "P3")))
            return self._answer(202, result="Request will be processed")
        segments = parts.path.split("/")
        if (
            method == "POST"
            and len(segments) == 5
            and segments[1:3] == ["v2", "alerts"]
            and segments[4] in ("acknowledge", "close")
        ):
            if query.get("identifierType", "id") != "alias":
                return self._answer(422, message="Only identifierType=alias is kept by this stand-in")
            # Opsgenie processes asynchronously: an unknown alias still answers 202 (the request fails later).
            alias = urllib.parse.unquote(segments[3])
            with self._lock:
                alert = self.alerts.get(alias)
                if alert is not None:
                    if segments[4] == "acknowledge":
                        alert.acknowledged = True
                    else:
                        alert.status = "closed"
            return self._answer(202, result="Request will be processed")
        return self._answer(404, message="Not found")

    def acknowledge_in_app(self, alias: str, *, key: str | None = None) -> tuple[int, str]:
        """A responder acknowledges in Opsgenie: its outgoing webhook posts to the bot, with our header."""
        alert = self.alerts[alias]
        alert.acknowledged = True
        body = json.dumps(
            {
                "action": "Acknowledge",
                "alert": {
                    "alertId": str(uuid.uuid4()),
                    "alias": alias,
                    "message": alert.message,
                    "username": "responder@adsco.test",
                },
                "source": {"name": "iOS", "type": "mobile"},
                "integrationName": "escalation-bot",
                "integrationType": "Webhook",
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"GenieKey {key if key is not None else self.webhook_key}",
        }
        return post(self.webhook_url, body, headers)
