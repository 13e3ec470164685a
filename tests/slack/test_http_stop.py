"""Stopping the HTTP server is safe to repeat: a bot stopped by a test and again by its fixture (or by
SIGTERM and then the process's exit) must not fail on the trigger the first stop closed."""

from __future__ import annotations

import urllib.request

from bot.slack.http import HttpServer


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def test_a_server_stopped_twice_stops_once_and_says_nothing_the_second_time():
    server = HttpServer(hello, port=0, drain_seconds=1)
    server.start()
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=5) as answer:
        assert answer.read() == b"ok"
    server.stop()
    server.stop()  # the loop ended and closed waitress's trigger: nothing left to wake, no error
    assert server._thread is not None and not server._thread.is_alive()
