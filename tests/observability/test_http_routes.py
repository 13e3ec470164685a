"""/readyz, /healthz and /metrics of the WSGI app, called as a WSGI server calls it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_bolt import App

from bot.observability import metrics
from bot.slack.http import build_wsgi


@pytest.fixture(scope="module")
def app() -> App:
    return App(token="xoxb-test", signing_secret="not-used-here", token_verification_enabled=False)


def get(wsgi: Any, path: str) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen.update(status=status, headers=dict(headers))

    body = b"".join(wsgi({"REQUEST_METHOD": "GET", "PATH_INFO": path}, start_response))
    return seen["status"], seen["headers"], body


def health() -> dict[str, Any]:
    return {"status": "ok", "last_tick_at": None}


def test_readyz_answers_200_with_the_details_when_ready_and_503_when_not(app: App):
    state = {"ready": True}

    def ready() -> tuple[bool, dict[str, Any]]:
        return state["ready"], {"store": "ok" if state["ready"] else "unreachable"}

    wsgi = build_wsgi(app, health=health, ready=ready)
    status, headers, body = get(wsgi, "/readyz")
    assert status == "200 OK" and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"store": "ok"}
    state["ready"] = False
    status, _, body = get(wsgi, "/readyz")
    assert status.startswith("503") and json.loads(body) == {"store": "unreachable"}


def test_readyz_is_503_when_the_check_itself_fails(app: App):
    def ready() -> tuple[bool, dict[str, Any]]:
        raise ConnectionError("database down")

    status, _, body = get(build_wsgi(app, health=health, ready=ready), "/readyz")
    assert status.startswith("503") and json.loads(body)["error"] == "ConnectionError"


def test_readyz_without_a_check_answers_like_healthz(app: App):
    wsgi = build_wsgi(app, health=health)
    assert get(wsgi, "/readyz") == get(wsgi, "/healthz")
    assert get(wsgi, "/healthz")[0] == "200 OK"


def test_metrics_are_served_in_the_prometheus_text_format(app: App):
    metrics.case_opened(flow="route_test", severity="sev3")
    status, headers, body = get(build_wsgi(app, health=health), "/metrics")
    assert status == "200 OK" and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert 'escalation_bot_cases_opened_total{flow="route_test",severity="sev3"}' in body.decode()
    assert int(headers["Content-Length"]) == len(body)


def test_other_paths_are_still_404(app: App):
    assert get(build_wsgi(app, health=health), "/metricz")[0].startswith("404")
