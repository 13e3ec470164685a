"""Outbound clients: Twilio (Messages, Calls), SMTP, PagerDuty Events v2, Opsgenie Alert API.

Each turns its service's answer into a sent reference or a DeliveryError: retryable for 429 (with
Retry-After), 5xx and a dropped connection; final for what a retry cannot fix (an invalid number or
routing key, bad credentials). See docs/CONTACT-FACTS.md for the contracts.
"""

from __future__ import annotations

import base64
import json
import smtplib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from bot.contact.secrets import ContactSecrets
from bot.services.ports import DeliveryError

TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]
    retry_after: timedelta | None = None


def _request(url: str, *, data: bytes, headers: dict[str, str]) -> Answer:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return Answer(response.status, _json(response.read()))
    except urllib.error.HTTPError as exc:
        wait = exc.headers.get("Retry-After") if exc.headers else None
        retry_after = timedelta(seconds=int(wait)) if wait and wait.isdigit() else None
        return Answer(exc.code, _json(exc.read()), retry_after)
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{url.split('?')[0]} unreachable: {exc}", retryable=True) from exc


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {"raw": raw[:200].decode("utf-8", "replace")}
    return value if isinstance(value, dict) else {"value": value}


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


# Twilio error codes a retry cannot fix (www.twilio.com/docs/api/errors): invalid 'To', not a mobile
# number, the person replied STOP, a region not enabled, an invalid 'From'.
TWILIO_FINAL = {21211, 21214, 21217, 21408, 21610, 21612, 21614, 21606, 21212, 20003, 20404}


class TwilioClient:
    """Messages and Calls on Twilio's 2010-04-01 REST API (form bodies, HTTP Basic with the account)."""

    def __init__(self, secrets: ContactSecrets, *, public_url: Callable[[], str]) -> None:
        self.secrets = secrets
        self.public_url = public_url
        token = f"{secrets.twilio_account_sid}:{secrets.twilio_auth_token}".encode()
        self._auth = "Basic " + base64.b64encode(token).decode()
        self._base = f"{secrets.twilio_api_url}/2010-04-01/Accounts/{secrets.twilio_account_sid}"

    def _post(self, resource: str, fields: dict[str, str]) -> str:
        answer = _request(
            f"{self._base}/{resource}.json",
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Authorization": self._auth, "Content-Type": "application/x-www-form-urlencoded"},
        )
        if answer.status in (200, 201):
            return str(answer.body.get("sid", ""))
        code = int(answer.body.get("code") or 0)
        reason = f"Twilio {answer.status} error {code}: {answer.body.get('message', '')}".strip()
        raise DeliveryError(
            reason,
            retryable=_retryable(answer.status) and code not in TWILIO_FINAL,
            retry_after=answer.retry_after,
        )

    def _url(self, route: str, case_id: int, user_id: str) -> str:
        query = urllib.parse.urlencode({"case": case_id, "user": user_id})
        return f"{self.public_url()}/contact/twilio/{route}?{query}"

    def send_sms(self, to: str, body: str, *, case_id: int, user_id: str) -> str:
        return self._post(
            "Messages",
            {
                "To": to,
                "From": self.secrets.twilio_from,
                "Body": body,
                "StatusCallback": self._url("status", case_id, user_id),
            },
        )

    def call(self, to: str, *, case_id: int, user_id: str) -> str:
        """Twilio fetches the call's TwiML from us when it is answered (so the text is read then)."""
        return self._post(
            "Calls",
            {
                "To": to,
                "From": self.secrets.twilio_from,
                "Url": self._url("voice", case_id, user_id),
                "StatusCallback": self._url("status", case_id, user_id),
            },
        )


class SmtpClient:
    """One message per connection over SMTP (STARTTLS and login when configured)."""

    def __init__(self, secrets: ContactSecrets) -> None:
        self.secrets = secrets

    def send(self, to: str, *, subject: str, body: str, message_id: str) -> str:
        message = EmailMessage()
        message["From"] = self.secrets.smtp_from
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = message_id  # the job key: a repeat after a lost answer is recognisable
        message.set_content(body)
        s = self.secrets
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT) as smtp:
                if s.smtp_starttls and smtp.has_extn("starttls"):
                    smtp.starttls()
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"SMTP refused {to}: {exc.recipients}", retryable=False) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login refused: {exc.smtp_code}", retryable=False) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", retryable=exc.smtp_code < 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP unreachable: {exc}", retryable=True) from exc
        return message_id


class PagerDutyClient:
    """Events API v2: POST /v2/enqueue, one incident per case through its dedup_key."""

    def __init__(self, secrets: ContactSecrets) -> None:
        self.secrets = secrets

    def event(self, action: str, *, dedup_key: str, summary: str = "", severity: str = "critical") -> str:
        event: dict[str, Any] = {
            "routing_key": self.secrets.pagerduty_routing_key,
            "event_action": action,
            "dedup_key": dedup_key,
        }
        if action == "trigger":
            event["payload"] = {"summary": summary[:1024], "source": "escalation-bot", "severity": severity}
        answer = _request(
            f"{self.secrets.pagerduty_events_url}/v2/enqueue",
            data=json.dumps(event).encode(),
            headers={"Content-Type": "application/json"},
        )
        if answer.status == 202:
            return str(answer.body.get("dedup_key", dedup_key))
        errors = "; ".join(str(e) for e in answer.body.get("errors", []))
        reason = f"PagerDuty {answer.status}: {answer.body.get('message', '')} {errors}".strip()
        raise DeliveryError(reason, retryable=_retryable(answer.status), retry_after=answer.retry_after)


class OpsgenieClient:
    """Alert API v2: create, acknowledge and close by alias (asynchronous: 202 and a requestId)."""

    def __init__(self, secrets: ContactSecrets) -> None:
        self.secrets = secrets

    def _post(self, path: str, body: dict[str, Any]) -> str:
        answer = _request(
            f"{self.secrets.opsgenie_api_url}{path}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"GenieKey {self.secrets.opsgenie_api_key}", "Content-Type": "application/json"},
        )
        if answer.status == 202:
            return str(answer.body.get("requestId", ""))
        reason = f"Opsgenie {answer.status}: {answer.body.get('message', '')}".strip()
        raise DeliveryError(reason, retryable=_retryable(answer.status), retry_after=answer.retry_after)

    def create(self, *, alias: str, message: str, responder: str, priority: str) -> str:
        body = {
            "message": message[:130],
            "alias": alias,
            "priority": priority,
            "source": "escalation-bot",
            "responders": [{"name": responder, "type": "team"}],
        }
        return self._post("/v2/alerts", body)

    def act(self, action: str, *, alias: str) -> str:
        """`acknowledge` or `close` the alert whose alias is `alias`."""
        quoted = urllib.parse.quote(alias, safe="")
        return self._post(f"/v2/alerts/{quoted}/{action}?identifierType=alias", {"source": "escalation-bot"})
