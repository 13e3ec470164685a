"""Fixtures for the stand-in's own tests: a running stand-in, a WebClient on it, a Bolt app served by waitress."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.clock import FakeClock
from bot.slack.http import HttpServer
from slack_standin import SlackStandIn

TOKEN = "xoxb-sandbox"
SECRET = "sandbox-test-signing-secret"
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN) as running:
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.api_url, timeout=5)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def frozen(clock: FakeClock) -> Iterator[SlackStandIn]:
    """A stand-in on a FakeClock (rate limits still on real monotonic time)."""
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN, clock=clock) as running:
        yield running


@pytest.fixture
def frozen_client(frozen: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=frozen.api_url, timeout=5)


@pytest.fixture
def bolt(standin: SlackStandIn) -> Iterator[App]:
    """A real Bolt App (auth.test hits the stand-in) behind waitress; standin.bot_url points at it."""
    logging.getLogger("waitress").setLevel(logging.ERROR)
    app = App(client=WebClient(token=TOKEN, base_url=standin.api_url), signing_secret=SECRET)
    # The bot's own waitress wrapper: it serves and closes its sockets in one thread (no teardown race).
    server = HttpServer(SlackRequestHandler(app), port=0, drain_seconds=2)
    server.start()
    standin.bot_url = server.url
    yield app
    server.stop()
