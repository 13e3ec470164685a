"""A local Twilio: Messages and Calls (2010-04-01 REST API), phones that can be unreachable, and the
people behind them, who reply by SMS and press keys on calls — signed as Twilio signs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_standin.contacts.base import Answer, HttpContactStandIn, post

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SIDS = itertools.count(1)
_ACCOUNT_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/(?P<resource>Messages|Calls)\.json$")
_GATHER_ACTION = re.compile(r'<Gather[^>]*action="([^"]+)"')


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's X-Twilio-Signature, written apart from the bot's checker so the two check each other."""
    payload = url
    for name in sorted(params):
        payload += name + params[name]
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _error(status: int, code: int, message: str) -> Answer:
    return Answer(
        status,
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
    )


def _sid(prefix: str) -> str:
    return f"{prefix}{next(_SIDS):032x}"


@dataclass
class Sent:
    """A message or call Twilio accepted."""

    sid: str
    kind: str  # sms | call
    to: str
    from_: str
    body: str
    at: datetime
    params: dict[str, str]
    twiml: str = ""
    status: str = "queued"


@dataclass
class TwilioStandIn(HttpContactStandIn):
    """Account `account_sid` with `auth_token`, owning `numbers`; SMS and calls to `unreachable`
    numbers are accepted (201) and then reported undelivered/no-answer through StatusCallback."""

    account_sid: str = "AC" + "0" * 31 + "1"
    auth_token: str = "twilio-sandbox-token"
    numbers: tuple[str, ...] = ("+6560000000",)
    sms_url: str = ""  # the bot's inbound-SMS webhook, as set on the number in Twilio's console
    unreachable: set[str] = field(default_factory=set)
    per_second: int = 10  # messages a second per account (Twilio queues beyond; we answer 429 20429)
    sent: list[Sent] = field(default_factory=list)

    def _rate(self) -> tuple[int, timedelta]:
        return self.per_second, timedelta(seconds=1)

    def _route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        match = _ACCOUNT_PATH.match(urllib.parse.urlsplit(path).path)
        if method != "POST" or match is None:
            return _error(404, 20404, "The requested resource was not found")
        auth = headers.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if not hmac.compare_digest(auth, expected) or match["account"] != self.account_sid:
            return _error(401, 20003, "Authenticate")
        params = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        to, from_ = params.get("To", ""), params.get("From", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not _E164.match(to):
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if from_ not in self.numbers:
            return _error(
                400,
                21606,
                f"The 'From' phone number provided ({from_}) is not a valid, message-capable Twilio phone number.",
            )
        now = self.clock.now()
        with self._lock:
            if not self._window.allow(self.account_sid, now):
                return _error(429, 20429, "Too Many Requests")
        if match["resource"] == "Messages":
            if not params.get("Body"):
                return _error(400, 21602, "Message body is required.")
            item = Sent(_sid("SM"), "sms", to, from_, params["Body"], now, params)
        else:
            if not params.get("Url") and not params.get("Twiml"):
                return _error(400, 21205, "Url parameter is required.")
            item = Sent(_sid("CA"), "call", to, from_, "", now, params)
        with self._lock:
            self.sent.append(item)
        threading.Thread(target=self._progress, args=(item,), daemon=True).start()
        return Answer(201, self._resource(item))

    def _resource(self, item: Sent) -> dict[str, Any]:
        body: dict[str, Any] = {
            "sid": item.sid,
            "account_sid": self.account_sid,
            "to": item.to,
            "from": item.from_,
            "status": "queued",
            "date_created": item.at.strftime("%a, %d %b %Y %H:%M:%S +0000"),
            "api_version": "2010-04-01",
            "error_code": None,
            "error_message": None,
        }
        if item.kind == "sms":
            body |= {"body": item.body, "direction": "outbound-api", "num_segments": "1"}
        return body

    def _signed(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(self.auth_token, url, params),
        }
        return post(url, urllib.parse.urlencode(params).encode(), headers)

    def _progress(self, item: Sent) -> None:
        """What happens after Twilio accepted: delivery or not, reported through StatusCallback; an
        answered call fetches its TwiML from the Url."""
        callback = item.params.get("StatusCallback", "")
        reached = item.to not in self.unreachable
        if item.kind == "sms":
            state = (
                {"MessageStatus": "delivered"} if reached else {"MessageStatus": "undelivered", "ErrorCode": "30003"}
            )
            item.status = state["MessageStatus"]
            if callback:
                self._signed(
                    callback,
                    {
                        "MessageSid": item.sid,
                        "AccountSid": self.account_sid,
                        "To": item.to,
                        "From": item.from_,
                        **state,
                    },
                )
            return
        if not reached:
            item.status = "no-answer"
            if callback:
                self._signed(
                    callback,
                    {
                        "CallSid": item.sid,
                        "AccountSid": self.account_sid,
                        "To": item.to,
                        "From": item.from_,
                        "CallStatus": "no-answer",
                    },
                )
            return
        item.status = "in-progress"
        url = item.params.get("Url", "")
        if url:
            _status, item.twiml = self._signed(url, self._call_params(item, "in-progress"))

    def _call_params(self, item: Sent, status: str) -> dict[str, str]:
        return {
            "CallSid": item.sid,
            "AccountSid": self.account_sid,
            "From": item.from_,
            "To": item.to,
            "CallStatus": status,
            "Direction": "outbound-api",
            "ApiVersion": "2010-04-01",
        }

    # The people with the phones.

    def messages_to(self, number: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == "sms" and s.to == number]

    def calls_to(self, number: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == "call" and s.to == number]

    def reply_sms(self, from_number: str, body: str, *, signature: str | None = None) -> tuple[int, str]:
        """A person texts our number back; returns the bot's HTTP status and TwiML."""
        params = {
            "MessageSid": _sid("SM"),
            "AccountSid": self.account_sid,
            "From": from_number,
            "To": self.numbers[0],
            "Body": body,
            "NumMedia": "0",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature if signature is not None else sign(self.auth_token, self.sms_url, params),
        }
        return post(self.sms_url, urllib.parse.urlencode(params).encode(), headers)

    def press(self, call: Sent, digits: str) -> tuple[int, str]:
        """The person on an answered call presses `digits`: Twilio posts them to the Gather action."""
        match = _GATHER_ACTION.search(call.twiml)
        if match is None:
            raise AssertionError(f"the call's TwiML has no <Gather action>: {call.twiml!r}")
        action = urllib.parse.urljoin(call.params["Url"], match.group(1).replace("&amp;", "&"))
        return self._signed(action, self._call_params(call, "in-progress") | {"Digits": digits})
