"""Socket Mode links: tickets from apps.connections.open, `hello`, envelopes out and their acks back."""

from __future__ import annotations

import json
import logging
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from slack_standin.transport.websocket import PING, Readable, WebSocket, handshake_reply
from slack_standin.transport.wire import HttpReply, HttpRequest, json_reply

log = logging.getLogger(__name__)
LINK_PATH = "/link/"
# The stand-in pings every link this often. It also keeps slack_sdk's builtin client responsive: its
# reader holds a lock inside a 3 s recv(), so `close()` would otherwise wait for that recv to time out.
PING_INTERVAL = 0.5


@dataclass(slots=True)
class Ack:
    """The bot's answer to one envelope: its `payload` (None if it sent none) and how long it took."""

    payload: dict[str, Any] | None
    elapsed: float


@dataclass(slots=True)
class _Pending:
    started: float
    answered: threading.Event = field(default_factory=threading.Event)
    ack: Ack | None = None


class SocketModeHub:
    """The Socket Mode half of the stand-in; `accept` is the HTTP server's upgrade hook for GET /link/."""

    def __init__(self, *, app_id: str) -> None:
        self.app_id = app_id
        self.base_url = ""
        self.late_acks: list[dict[str, Any]] = []
        self._tickets: set[str] = set()
        self._links: list[WebSocket] = []
        self._pending: dict[str, _Pending] = {}
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._pinger: threading.Thread | None = None

    def start(self, host: str, port: int) -> None:
        """Serve links at ws://host:port/link/ and start pinging them."""
        self.base_url = f"ws://{host}:{port}{LINK_PATH}"
        self._stopping.clear()
        self._pinger = threading.Thread(target=self._ping_links, name="standin-socket-ping", daemon=True)
        self._pinger.start()

    def stop(self) -> None:
        """Close every link with 1001 (going away) and stop pinging."""
        self._stopping.set()
        for link in self.links():
            link.close(1001, "stand-in stopping")
        if self._pinger is not None:
            self._pinger.join(timeout=2)

    def open_url(self) -> str:
        """A fresh single-use link URL, as apps.connections.open answers."""
        ticket = secrets.token_hex(16)
        with self._changed:
            self._tickets.add(ticket)
        return f"{self.base_url}?ticket={ticket}&app_id={self.app_id}"

    def links(self) -> list[WebSocket]:
        """The open links, oldest first."""
        with self._changed:
            return [link for link in self._links if not link.closed]

    def wait_for_link(self, timeout: float) -> None:
        """Block until at least one link is open (TimeoutError after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not any(not link.closed for link in self._links):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no Socket Mode client connected within {timeout} s")
                self._changed.wait(remaining)

    def accept(self, request: HttpRequest, sock: socket.socket, stream: Readable) -> HttpReply | None:
        """Upgrade GET /link/?ticket=…; serves the link on this thread until it closes (then None)."""
        if request.path != LINK_PATH:
            return json_reply(404, {"ok": False, "error": "not_found"})
        ticket = (parse_qs(request.query).get("ticket") or [""])[0]
        key = request.headers.get("sec-websocket-key", "")
        if not key or request.headers.get("sec-websocket-version") != "13":
            return json_reply(400, {"ok": False, "error": "bad_websocket_handshake"})
        with self._changed:
            if ticket not in self._tickets:
                return json_reply(401, {"ok": False, "error": "invalid_ticket"})
            self._tickets.discard(ticket)
        sock.sendall(handshake_reply(key))
        link = WebSocket(sock, stream)
        with self._changed:
            self._links.append(link)
            count = sum(not other.closed for other in self._links)
        link.send_text(json.dumps(self._hello(count)))
        with self._changed:
            self._changed.notify_all()
        try:
            while (text := link.receive()) is not None:
                self._on_message(text)
        finally:
            with self._changed:
                self._links.remove(link)
                self._changed.notify_all()
        return None

    def deliver(self, envelope: dict[str, Any], *, deadline: float) -> Ack | None:
        """Send `envelope` on the newest link and wait up to `deadline` s for its ack (None: no ack)."""
        links = self.links()
        if not links:
            return None
        pending = _Pending(time.monotonic())
        envelope_id = str(envelope["envelope_id"])
        with self._changed:
            self._pending[envelope_id] = pending
        try:
            if links[-1].send_text(json.dumps(envelope)):
                pending.answered.wait(deadline)
        finally:
            with self._changed:
                self._pending.pop(envelope_id, None)
        return pending.ack

    def refresh(self, reason: str = "refresh_requested") -> int:
        """Send Slack's `disconnect` message to every link (clients reconnect); how many were told."""
        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-sandbox"}})
        return sum(link.send_text(message) for link in self.links())

    def _hello(self, count: int) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": count,
            "debug_info": {"host": "applink-sandbox", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }

    def _on_message(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            log.warning("Socket Mode client sent non-JSON text: %.200r", text)
            return
        if not isinstance(message, dict) or "envelope_id" not in message:
            log.warning("Socket Mode client sent a message without envelope_id: %.200r", text)
            return
        with self._changed:
            pending = self._pending.get(str(message["envelope_id"]))
            if pending is None or pending.answered.is_set():
                self.late_acks.append(message)
                return
            payload = message.get("payload")
            pending.ack = Ack(payload if isinstance(payload, dict) else None, time.monotonic() - pending.started)
            pending.answered.set()

    def _ping_links(self) -> None:
        beat = 0
        while not self._stopping.wait(PING_INTERVAL):
            beat += 1
            for link in self.links():
                # A non-empty payload: the builtin client blocks for more bytes on a frame of <= 2 bytes.
                link.send(PING, f"standin:{beat}".encode())
