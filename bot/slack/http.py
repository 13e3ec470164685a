"""HTTP mode: Bolt's WSGI adapter plus /healthz, served by waitress (a production WSGI server)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 512 * 1024  # Slack's payloads are far smaller; refuse floods before parsing

StartResponse = Callable[..., Any]


def build_wsgi(
    app: App, *, health: Callable[[], dict[str, Any]], path: str = "/slack/events"
) -> Callable[..., Iterable[bytes]]:
    """A WSGI app: POST /slack/events to Bolt, GET /healthz, a clean JSON error for the rest."""
    slack = SlackRequestHandler(app, path=path)

    def reply(start_response: StartResponse, status: str, payload: dict[str, Any]) -> list[bytes]:
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, route = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
        if route == "/healthz" and method == "GET":
            return reply(start_response, "200 OK", health())
        if route != path or method != "POST":
            return reply(start_response, "404 Not Found", {"error": "not found"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            return reply(start_response, "413 Request Entity Too Large", {"error": "request too large"})
        try:
            return slack(environ, start_response)
        except Exception as exc:
            # Bolt parses the body before it checks the signature, so a malformed (even unsigned)
            # payload can raise inside its request object: answer plainly, keep the trace in the log.
            log.warning("malformed Slack request: %s: %s", type(exc).__name__, exc, exc_info=True)
            return reply(start_response, "400 Bad Request", {"error": "malformed request"})

    return wsgi


class HttpServer:
    """waitress in a thread: the port is known after construction (port 0 picks a free one)."""

    def __init__(
        self, wsgi: Callable[..., Iterable[bytes]], *, host: str = "127.0.0.1", port: int = 3000, threads: int = 8
    ) -> None:
        from waitress.server import create_server

        self._server = create_server(
            wsgi, host=host, port=port, threads=threads, ident="escalation-bot", clear_untrusted_proxy_headers=True
        )
        self.port = int(self._server.effective_port)
        self.host = host
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/slack/events"

    def serve_forever(self) -> None:
        """Serve until stop(); the socket is closed in this same thread, never under a running poll."""
        from waitress import wasyncore

        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.2, map=self._server._map, use_poll=True, count=1)
        self._server.close()
        self._server.task_dispatcher.shutdown()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
