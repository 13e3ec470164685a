"""A threaded HTTP server on 127.0.0.1 (port 0 by default) that hands requests (and upgrades) to callables."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_standin.transport.websocket import Readable
from slack_standin.transport.wire import HttpReply, HttpRequest, json_reply

log = logging.getLogger(__name__)
MAX_BODY = 8 * 1024 * 1024
App = Callable[[HttpRequest], HttpReply]
# Takes over an `Upgrade: websocket` GET: serves the connection to its end (None) or refuses (a reply).
Upgrade = Callable[[HttpRequest, socket.socket, Readable], HttpReply | None]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # socketserver's default backlog is 5: a bot sending side by side (several connections at once)
    # overflowed it, and each dropped connect came back after the kernel's 1 s SYN retry — a delay
    # Slack never adds. A listen queue like a real server's.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, upgrade: Upgrade | None) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.upgrade = upgrade

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("sandbox connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def _serve(self, verb: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self._send(json_reply(413, {"ok": False, "error": "request_too_large"}))
            return
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = HttpRequest(verb, path, query, headers, body)
        if verb == "GET" and headers.get("upgrade", "").lower() == "websocket" and self.server.upgrade:
            self.close_connection = True
            refused = self.server.upgrade(request, self.connection, self.rfile)
            if refused is not None:
                self._send(refused)
            return
        try:
            reply = self.server.app(request)
        except Exception:  # a stand-in bug must not look like a Slack answer
            log.exception("sandbox failed on %s", path)
            reply = json_reply(500, {"ok": False, "error": "sandbox_internal_error"})
        if reply.reset:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(reply)

    def _send(self, reply: HttpReply) -> None:
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            log.debug("client went away before the answer", exc_info=True)
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox %s", format % args)


class SandboxHttpServer:
    """Serves `app` in a daemon thread; `port` is known once `start()` returns."""

    def __init__(self, app: App, *, host: str = "127.0.0.1", port: int = 0, upgrade: Upgrade | None = None) -> None:
        self._app = app
        self._upgrade = upgrade
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (after start)."""
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_address[1])

    def start(self) -> None:
        """Bind and serve in a daemon thread."""
        self._server = _Server(self._address, self._app, self._upgrade)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="slack-standin", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
