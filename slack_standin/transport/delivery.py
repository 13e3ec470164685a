"""Signing and sending requests to the bot's endpoint, and what came back."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from slack_sdk.signature import SignatureVerifier

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
Transport = Literal["http", "socket"]


@dataclass(frozen=True, slots=True)
class Signing:
    """Per-request signing overrides for hostile tests (stale timestamp, wrong secret, tampering)."""

    timestamp: int | None = None
    secret: str | None = None
    tamper: bool | Callable[[bytes], bytes] = False


@dataclass(slots=True)
class Response:
    """The bot's answer to one delivery, and what the stand-in made of it."""

    status: int
    body: str
    headers: dict[str, str]
    elapsed: float
    kind: str
    ack_deadline: float = 3.0
    errors: dict[str, str] | None = None
    problem: str | None = None
    delivered: bool = True
    request_headers: dict[str, str] = field(default_factory=dict, repr=False)
    request_body: bytes = field(default=b"", repr=False)

    @property
    def ok(self) -> bool:
        """Delivered, answered 200 within the ack deadline, and nothing wrong with the answer."""
        return self.delivered and self.status == 200 and self.on_time and self.problem is None

    @property
    def on_time(self) -> bool:
        """Answered within Slack's 3 s (or the configured) ack deadline."""
        return self.elapsed <= self.ack_deadline

    def json(self) -> Any | None:
        """The body as JSON, or None if it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body.strip() else None
        except ValueError:
            return None


class SocketTransport(Protocol):
    """Delivers a request body over Socket Mode instead of HTTP (see socket_delivery.SocketSender)."""

    def deliver(
        self, body: str, *, kind: str, content_type: str, retry: dict[str, str], ack_deadline: float
    ) -> Response:
        """Send `body` as an envelope and turn the ack into a Response."""
        ...


def _tampered(body: bytes, tamper: bool | Callable[[bytes], bytes]) -> bytes:
    if callable(tamper):
        return tamper(body)
    return body + b"&tampered=1" if tamper else body


class Sender:
    """Delivers like Slack: signed posts to `bot_url` (or Socket Mode envelopes), timed, logged in `deliveries`."""

    def __init__(
        self,
        *,
        signing_secret: str,
        ack_deadline: float,
        timeout: float,
        socket: SocketTransport | None = None,
        transport: Transport = "http",
    ) -> None:
        self.bot_url: str | None = None
        self.socket = socket
        self.transport: Transport = transport
        self.deliveries: list[Response] = []
        self._secret = signing_secret
        self.ack_deadline = ack_deadline
        self._timeout = timeout
        self._lock = threading.Lock()

    def signed(
        self,
        body: str,
        *,
        kind: str,
        content_type: str = FORM,
        signing: Signing | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Response:
        """Sign `body` with slack_sdk's SignatureVerifier (v0, HMAC-SHA256) and post it, or send it over the socket."""
        if self.transport == "socket":
            if signing is not None:
                raise ValueError("Slack does not sign Socket Mode envelopes; signing overrides apply to HTTP only")
            return self._over_socket(body, kind=kind, content_type=content_type, retry=extra_headers or {})
        options = signing or Signing()
        timestamp = str(options.timestamp if options.timestamp is not None else int(time.time()))
        verifier = SignatureVerifier(options.secret or self._secret)
        signature = verifier.generate_signature(timestamp=timestamp, body=body) or ""
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
            **(extra_headers or {}),
        }
        return self.post(_tampered(body.encode(), options.tamper), headers, kind=kind)

    def post(self, body: bytes, headers: dict[str, str], *, kind: str = "raw") -> Response:
        """Post raw bytes with exactly these headers; status 0 when the connection failed."""
        if not self.bot_url:
            raise RuntimeError("set standin.bot_url to the bot's endpoint first")
        url = urlsplit(self.bot_url)
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=self._timeout)
        started = time.monotonic()
        try:
            connection.request("POST", url.path or "/", body=body, headers=headers)
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", errors="replace")
            status, answer_headers = answer.status, {k.lower(): v for k, v in answer.getheaders()}
        except OSError as error:
            status, text, answer_headers = 0, f"{type(error).__name__}: {error}", {}
        finally:
            connection.close()
        response = Response(
            status,
            text,
            answer_headers,
            time.monotonic() - started,
            kind,
            self.ack_deadline,
            request_headers=dict(headers),
            request_body=body,
        )
        return self._logged(response)

    def _over_socket(self, body: str, *, kind: str, content_type: str, retry: dict[str, str]) -> Response:
        if self.socket is None:
            raise RuntimeError("this sender has no Socket Mode transport")
        response = self.socket.deliver(
            body, kind=kind, content_type=content_type, retry=retry, ack_deadline=self.ack_deadline
        )
        return self._logged(response)

    def _logged(self, response: Response) -> Response:
        with self._lock:
            self.deliveries.append(response)
        return response

    def event(self, body: str, *, retry_delays: tuple[float, ...], signing: Signing | None = None) -> list[Response]:
        """Deliver an Events API body; re-send after a failure like Slack (X-Slack-Retry-Num/Reason)."""
        attempts = [self.signed(body, kind="event", content_type=JSON, signing=signing)]
        for number, delay in enumerate(retry_delays, start=1):
            last = attempts[-1]
            if last.ok:
                break
            time.sleep(delay)
            reason = "connection_failed" if last.status == 0 else "http_error"
            if not last.on_time:  # a late answer, or none at all within the deadline
                reason = "http_timeout"
            retry = {"X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": reason}
            attempts.append(self.signed(body, kind="event", content_type=JSON, signing=signing, extra_headers=retry))
        return attempts
