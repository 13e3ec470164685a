"""HTTP mode: Bolt's WSGI adapter plus /healthz, /readyz and /metrics, served by waitress (a
production WSGI server)."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.observability import metrics
from bot.observability.logs import log_context

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 512 * 1024  # Slack's payloads are far smaller; refuse floods before parsing

StartResponse = Callable[..., Any]
CALENDAR_PREFIX = "/calendar/"  # GET /calendar/<token>.ics: a person's private calendar feed
# The poll's timeout. Waitress's own is 1 s, but nothing in its loop needs a timeout but its channel
# clean-up (idle connections closed after channel_timeout, 120 s, looked at every cleanup_interval,
# 30 s): sockets and its trigger (an answer ready, stop()) end the poll at once. So an idle server
# wakes once per cleanup interval, not every second.
POLL_S = 30.0


def build_wsgi(
    app: App | None,
    *,
    health: Callable[[], dict[str, Any]],
    path: str = "/slack/events",
    ready: Callable[[], tuple[bool, dict[str, Any]]] | None = None,
    calendar: Callable[[str], bytes | None] | None = None,
    routes: Mapping[str, Callable[..., Iterable[bytes]]] | None = None,
    in_flight: InFlight | None = None,
) -> Callable[..., Iterable[bytes]]:
    """A WSGI app: POST /slack/events to Bolt; GET /healthz, /readyz, /metrics; a JSON error for the rest.

    `routes` maps a path prefix to another WSGI app (the inbound webhooks of contact methods).
    /readyz answers 200 with `ready()`'s details when it says ready, else 503 (like /healthz if no
    `ready` is given). Each Slack request is handled with a request id in the log context.
    Without an `app` (Socket Mode: Slack's requests come over the websocket, and there is no signing
    secret to check a POST with) only the probes and /metrics are served.
    `in_flight` hears when a Slack request is handled and when its answer has been written (a listener's
    kick of the job runner waits for that: bot.jobs.acks_first).
    """
    slack = SlackRequestHandler(app, path=path) if app is not None else None

    def reply(start_response: StartResponse, status: str, payload: dict[str, Any]) -> list[bytes]:
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def readiness(start_response: StartResponse) -> list[bytes]:
        if ready is None:
            return reply(start_response, "200 OK", health())
        try:
            ok, details = ready()
        except Exception as exc:  # a check that cannot answer means not ready, not a 500
            log.warning("readiness check failed: %s: %s", type(exc).__name__, exc, exc_info=True)
            ok, details = False, {"status": "error", "error": type(exc).__name__}
        return reply(start_response, "200 OK" if ok else "503 Service Unavailable", details)

    def scrape(start_response: StartResponse) -> list[bytes]:
        body, content_type = metrics.render()
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    def feed(start_response: StartResponse, token: str) -> list[bytes]:
        body = calendar(token) if calendar is not None else None
        if body is None:  # unknown and revoked tokens look the same
            return reply(start_response, "404 Not Found", {"error": "not found"})
        headers = [
            ("Content-Type", "text/calendar; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "private, max-age=300"),
        ]
        start_response("200 OK", headers)
        return [body]

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, route = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
        if route.startswith(CALENDAR_PREFIX) and route.endswith(".ics") and method in ("GET", "HEAD"):
            return feed(start_response, route[len(CALENDAR_PREFIX) : -len(".ics")])
        if route == "/healthz" and method == "GET":
            return reply(start_response, "200 OK", health())
        if route == "/readyz" and method == "GET":
            return readiness(start_response)
        if route == "/metrics" and method == "GET":
            return scrape(start_response)
        for prefix, other in (routes or {}).items():
            if route.startswith(prefix):
                with log_context(request_id=uuid.uuid4().hex):
                    return other(environ, start_response)
        if slack is None or route != path or method != "POST":
            return reply(start_response, "404 Not Found", {"error": "not found"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            return reply(start_response, "413 Request Entity Too Large", {"error": "request too large"})
        if not str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "").isdigit():
            # Slack always sends whole seconds; anything else cannot be signed by Slack (Bolt would
            # raise on it and answer 500 with an ERROR line anyone could provoke).
            return reply(start_response, "401 Unauthorized", {"error": "invalid request timestamp"})
        if in_flight is None:
            return handle(environ, start_response)
        with in_flight.answering() as number:
            try:
                body = handle(environ, start_response)
            except BaseException:
                in_flight.answered(number)
                raise
        return _Answered(body, lambda: in_flight.answered(number))

    def handle(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        assert slack is not None
        with log_context(request_id=_request_id(environ)):
            try:
                return slack(environ, start_response)
            except Exception as exc:
                # Bolt parses the body before it checks the signature, so a malformed (even unsigned)
                # payload can raise inside its request object: answer plainly. The log gets where it
                # failed, never the exception's words (they may quote the payload).
                log.warning("malformed Slack request: %s\n%s", type(exc).__name__, frames(exc))
                return reply(start_response, "400 Bad Request", {"error": "malformed request"})

    return wsgi


class InFlight(Protocol):
    """Told when a Slack request is being handled (`answering`, which numbers it) and when its answer has
    been written (`answered`, with that number): bot.jobs.acks_first.AcksFirst."""

    def answering(self) -> AbstractContextManager[int]: ...

    def answered(self, number: int) -> None: ...


class _Answered:
    """A response body that calls `done` once the server has written it: WSGI servers call `close()`
    after the last byte (PEP 3333), and also when the client went away."""

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self._body = body
        self._done: Callable[[], None] | None = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            done, self._done = self._done, None
            if done is not None:
                done()


def frames(exc: BaseException) -> str:
    """The traceback's frames (file, line, code) without the exception's message or any values."""
    return "".join(traceback.format_tb(exc.__traceback__)).rstrip()


def _request_id(environ: dict[str, Any]) -> str:
    """Slack's request timestamp (when sent) and a short random part: unique, and sortable by arrival."""
    stamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")[:12]
    suffix = uuid.uuid4().hex[:8]
    return f"{stamp}-{suffix}" if stamp.isdigit() else uuid.uuid4().hex


def _shared_listener(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) with SO_REUSEPORT: other processes binding the same way (each with
    this flag) listen on the same port beside it, and the kernel spreads new connections over them."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise OSError("SO_REUSEPORT is not available on this system")
    family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind(address)
        listener.setblocking(False)
    except OSError:
        listener.close()
        raise
    return listener


class QueueDepthThrottle(logging.Filter):
    """waitress warns "Task queue depth is N" each time a request waits for a thread, under its dispatch lock:
    in a burst, one line per request, formatted while the next request waits. One line per `every` seconds,
    with how many were held back and the deepest queue among them, says the same."""

    def __init__(self, *, every: float = 10.0, now: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.every = every
        self._now = now
        self._next_at = 0.0
        self._held = 0
        self._deepest = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        first = record.args[0] if isinstance(record.args, tuple) and record.args else None
        depth = first if isinstance(first, int) else 0
        with self._lock:
            now = self._now()
            if now < self._next_at:
                self._held += 1
                self._deepest = max(self._deepest, depth)
                return False
            held, deepest = self._held, self._deepest
            self._next_at, self._held, self._deepest = now + self.every, 0, 0
        if held:
            record.msg = f"{record.msg} (and {held} more since the last such line, deepest %d)"
            record.args = (*(record.args if isinstance(record.args, tuple) else ()), max(deepest, depth))
        return True


def throttle_queue_warnings(every: float = 10.0) -> None:
    """Install one QueueDepthThrottle on waitress's queue logger (again: nothing more)."""
    logger = logging.getLogger("waitress.queue")
    if not any(isinstance(f, QueueDepthThrottle) for f in logger.filters):
        logger.addFilter(QueueDepthThrottle(every=every))


class HttpServer:
    """waitress in a thread: the port is known after construction (port 0 picks a free one)."""

    def __init__(
        self,
        wsgi: Callable[..., Iterable[bytes]],
        *,
        host: str = "127.0.0.1",
        port: int = 3000,
        threads: int = 8,
        drain_seconds: float = 10.0,
        reuse_port: bool = False,
    ) -> None:
        """`reuse_port`: bind with SO_REUSEPORT, so several processes serve one port and the kernel
        shares the connections out among them (Linux; `serve --reuse-port`)."""
        from waitress.server import create_server

        throttle_queue_warnings()
        where: dict[str, Any] = {"host": host, "port": port}
        if reuse_port:
            where = {"sockets": [_shared_listener(host, port)]}
        self._server = create_server(
            wsgi, threads=threads, ident="escalation-bot", clear_untrusted_proxy_headers=True, **where
        )
        self.port = int(self._server.effective_port)
        self.host = host
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.drain_seconds = drain_seconds

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/slack/events"

    def serve_forever(self) -> None:
        """Serve until stop(), then drain: stop accepting, let requests in flight finish and their
        answers go out (up to `drain_seconds`), close idle keep-alive connections, and exit.

        Everything happens in this thread, never under a running poll.
        """
        from waitress import wasyncore

        server, socket_map = self._server, self._server._map
        while not self._stopping.is_set():
            # An idle server wakes once per POLL_S for its channel clean-up; stop() ends the poll at
            # once through waitress's trigger.
            wasyncore.loop(timeout=POLL_S, map=socket_map, use_poll=True, count=1)
        server.accepting = False
        server.del_channel()  # the listening socket leaves the poll; the trigger and channels stay
        server.socket.close()
        deadline = time.monotonic() + self.drain_seconds
        while time.monotonic() < deadline:
            channels = list(server.active_channels.values())
            busy = [c for c in channels if c.requests or c.total_outbufs_len]
            for channel in channels:
                if channel not in busy:
                    channel.will_close = True  # idle keep-alive: closed, the client reconnects elsewhere
            if not busy and not any(c.will_close for c in server.active_channels.values()):
                break
            wasyncore.loop(timeout=0.05, map=socket_map, use_poll=True, count=1)
        else:
            log.warning("shutdown: %d request(s) still running after %.0f s", len(busy), self.drain_seconds)
        server.task_dispatcher.shutdown(timeout=1)
        wasyncore.close_all(socket_map)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting and wait for the requests in flight (see serve_forever)."""
        first = not self._stopping.is_set()
        self._stopping.set()
        if first:
            # Wakes the poll in serve_forever; if the loop already ended, its trigger is closed: no one to wake.
            with contextlib.suppress(OSError):
                self._server.pull_trigger()
        if self._thread is not None:
            self._thread.join(timeout=self.drain_seconds + 5)
