"""Shared plumbing of the contact-method stand-ins: a threaded HTTP server, recorded requests, faults,
a per-key rate limit, and signed calls back to the bot."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_standin.clock import Clock, SystemClock


@dataclass
class Received:
    """One request a stand-in answered, with the time on the shared clock."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: datetime
    answer: dict[str, Any] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body or b"{}"))


@dataclass
class Answer:
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    """Answer the next `times` requests whose path contains `path` with `answer`."""

    path: str
    answer: Answer
    times: int


class Window:
    """At most `limit` requests per `period` for one key (a sliding window on the shared clock)."""

    def __init__(self, limit: int, period: timedelta) -> None:
        self.limit, self.period = limit, period
        self._seen: dict[str, deque[datetime]] = {}

    def allow(self, key: str, now: datetime) -> bool:
        seen = self._seen.setdefault(key, deque())
        while seen and now - seen[0] >= self.period:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        return True


Route = Callable[[str, str, dict[str, str], bytes], Answer]


class StandInServer:
    """A real HTTP server on 127.0.0.1 answering through `route`; every request is recorded."""

    def __init__(self, route: Route, *, clock: Clock | None = None, host: str = "127.0.0.1") -> None:
        self.clock: Clock = clock or SystemClock()
        self.received: list[Received] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        route_fn, server = route, self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = server._fault(self.path) or route_fn(self.command, self.path, headers, body)
                payload = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
                data = payload.encode()
                with server._changed:  # recorded before the answer leaves, so a client never sees it first
                    server.received.append(
                        Received(
                            self.command,
                            self.path,
                            headers,
                            body,
                            answer.status,
                            server.clock.now(),
                            answer.body if isinstance(answer.body, dict) else {},
                        )
                    )
                    server._changed.notify_all()
                self.send_response(answer.status)
                ctype = "application/json" if not isinstance(answer.body, str) else "text/plain"
                self.send_header("Content-Type", ctype)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = _handle  # noqa: N815
            do_GET = _handle  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="contact-standin", daemon=True)
        self._thread.start()

    def _fault(self, path: str) -> Answer | None:
        with self._lock:
            for fault in self.faults:
                if fault.path in path and fault.times > 0:
                    fault.times -= 1
                    return fault.answer
        return None

    def fail(self, path: str, answer: Answer, *, times: int = 1) -> None:
        with self._lock:
            self.faults.append(Fault(path, answer, times))

    def wait_for(
        self, predicate: Callable[[Received], bool], *, count: int = 1, timeout: float = 10.0
    ) -> list[Received]:
        """The first `count` recorded requests matching `predicate`, waiting for them to arrive."""
        with self._changed:
            ok = self._changed.wait_for(lambda: len([r for r in self.received if predicate(r)]) >= count, timeout)
            found = [r for r in self.received if predicate(r)]
        if not ok:
            raise TimeoutError(f"{count} matching request(s) not received; got {len(found)}")
        return found[:count]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class HttpContactStandIn:
    """What the HTTP contact stand-ins share: the shared clock, a server answering through `_route`,
    a rate window of `_rate()` requests and one lock."""

    clock: Clock

    def __post_init__(self) -> None:
        self._window = Window(*self._rate())
        self._lock = threading.Lock()
        self.server = StandInServer(self._route, clock=self.clock)
        self.url = self.server.url

    def _rate(self) -> tuple[int, timedelta]:
        """(requests, per period) allowed for one key before answering 429."""
        raise NotImplementedError

    def _route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        raise NotImplementedError

    def close(self) -> None:
        self.server.close()


def post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST to the bot, as the service would; (status, body)."""
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, OSError) as exc:  # the bot went away (a test's teardown): as Twilio, give up
        return 0, f"unreachable: {exc}"
