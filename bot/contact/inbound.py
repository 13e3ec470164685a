"""Inbound HTTP from Twilio, PagerDuty and Opsgenie: authenticate, then hand over to the ContactReplies use
cases. A request that fails its check is refused with 403 and nothing else happens."""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from bot.contact.secrets import ContactSecrets
from bot.contact.signatures import key_valid, pagerduty_valid, twilio_valid
from bot.domain.contact import MethodKind
from bot.services.contact_replies import ContactReplies

log = logging.getLogger(__name__)

PREFIX = "/contact/"
MAX_BODY = 64 * 1024
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
# Twilio's message and call states that mean the person was not reached.
UNREACHED = {"undelivered", "failed", "busy", "no-answer", "canceled"}


def _reply(start_response: StartResponse, status: str, body: str, content_type: str) -> list[bytes]:
    data = body.encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def twiml(*parts: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(parts) + "</Response>"


def build_contact_routes(replies: ContactReplies, secrets: ContactSecrets, *, public_url: Callable[[], str]) -> WsgiApp:
    """One WSGI app for every /contact/… route."""

    def url_of(environ: dict[str, Any]) -> str:
        """The URL Twilio signed: our public URL, else this request's own scheme, host, path and query."""
        base = public_url() or f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        query = str(environ.get("QUERY_STRING", ""))
        return base + str(environ.get("PATH_INFO", "")) + (f"?{query}" if query else "")

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        route = environ.get("PATH_INFO", "").removeprefix(PREFIX)
        if environ.get("REQUEST_METHOD") != "POST":
            return _reply(start_response, "405 Method Not Allowed", "", "text/plain")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            return _reply(start_response, "413 Request Entity Too Large", "", "text/plain")
        body = environ["wsgi.input"].read(length) if length else b""
        query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        if route.startswith("twilio/"):
            params = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            signature = environ.get("HTTP_X_TWILIO_SIGNATURE", "")
            if not twilio_valid(secrets.twilio_auth_token, url_of(environ), params, signature):
                log.warning("refused a Twilio request to %s: bad or missing X-Twilio-Signature", route)
                return _reply(start_response, "403 Forbidden", "", "text/plain")
            return twilio(route.removeprefix("twilio/"), dict(params), query, start_response)
        if route == "pagerduty":
            if not pagerduty_valid(
                secrets.pagerduty_webhook_secret, body, environ.get("HTTP_X_PAGERDUTY_SIGNATURE", "")
            ):
                log.warning("refused a PagerDuty webhook: bad or missing X-PagerDuty-Signature")
                return _reply(start_response, "403 Forbidden", "", "text/plain")
            return pagerduty(body, start_response)
        if route == "opsgenie":
            given = environ.get("HTTP_AUTHORIZATION", "").removeprefix("GenieKey ").strip()
            if not key_valid(secrets.opsgenie_webhook_key, given):
                log.warning("refused an Opsgenie webhook: bad or missing key")
                return _reply(start_response, "403 Forbidden", "", "text/plain")
            return opsgenie(body, start_response)
        return _reply(start_response, "404 Not Found", "", "text/plain")

    def twilio(route: str, params: dict[str, str], query: dict[str, str], start_response: StartResponse) -> list[bytes]:
        xml = "text/xml"
        if route == "sms":
            text = replies.sms_reply(from_number=params.get("From", ""), body=params.get("Body", ""))
            return _reply(start_response, "200 OK", twiml(f"<Message>{escape(text)}</Message>"), xml)
        case_id, user_id = int(query.get("case", "0") or 0), query.get("user", "")
        if route == "voice":
            prompt = replies.voice_prompt(case_id=case_id)
            action = quoteattr(f"{PREFIX}twilio/gather?" + urllib.parse.urlencode({"case": case_id, "user": user_id}))
            gather = (
                f'<Gather numDigits="1" timeout="10" method="POST" action={action}>'
                f"<Say>{escape(prompt)} Press 1 to acknowledge.</Say></Gather>"
            )
            return _reply(start_response, "200 OK", twiml(gather, "<Say>Not acknowledged. Goodbye.</Say>"), xml)
        if route == "gather":
            said = replies.voice_digits(case_id=case_id, user_id=user_id, digits=params.get("Digits", ""))
            return _reply(start_response, "200 OK", twiml(f"<Say>{escape(said)}</Say>"), xml)
        if route == "status":
            state = params.get("MessageStatus") or params.get("CallStatus") or ""
            if state in UNREACHED and case_id:
                method = MethodKind.VOICE if "CallStatus" in params else MethodKind.SMS
                code = params.get("ErrorCode") or params.get("SipResponseCode") or ""
                error = f"Twilio {state}" + (f", error {code}" if code else "")
                replies.report_undelivered(case_id=case_id, user_id=user_id, method=method, error=error)
            return _reply(start_response, "204 No Content", "", "text/plain")
        return _reply(start_response, "404 Not Found", "", "text/plain")

    def pagerduty(body: bytes, start_response: StartResponse) -> list[bytes]:
        event = _json(body).get("event", {})
        if event.get("event_type") == "incident.acknowledged":
            data = event.get("data") or {}
            replies.pager_acknowledged(method=MethodKind.PAGERDUTY, key=str(data.get("incident_key") or ""))
        return _reply(start_response, "200 OK", "", "text/plain")

    def opsgenie(body: bytes, start_response: StartResponse) -> list[bytes]:
        payload = _json(body)
        if str(payload.get("action", "")).lower() == "acknowledge":
            alert = payload.get("alert") or {}
            replies.pager_acknowledged(method=MethodKind.OPSGENIE, key=str(alert.get("alias") or ""))
        return _reply(start_response, "200 OK", "", "text/plain")

    return app


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
