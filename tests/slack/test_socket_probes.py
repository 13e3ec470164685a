"""A bot built for Socket Mode (no signing secret) serves the probes and /metrics over HTTP, and
refuses to take Slack's HTTP requests, which it could not verify."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.bootstrap import Secrets, build_bot
from bot.config.model import Config
from bot.store.store import Store
from slack_standin import SlackStandIn
from tests.slack.conftest import TEST_CLOCK, TOKEN, fast_config


def test_a_bot_without_a_signing_secret_serves_probes_but_not_slacks_http_route(
    standin: SlackStandIn, shipped_config: Config, tmp_path: Path
):
    config = fast_config(shipped_config, f"sqlite:///{tmp_path / 'socket.db'}")
    bot = build_bot(
        config,
        secrets=Secrets(bot_token=TOKEN, signing_secret=None, app_token="xapp-1", api_url=standin.api_url),
        store=Store.open(config.app.store_url),
        clock=TEST_CLOCK.target,
    )
    try:
        with pytest.raises(ValueError, match="signing secret"):
            bot.start(http_port=0, tick=False)
        bot.start(http_port=0, serve_slack=False)
        assert bot.http is not None
        base = f"http://127.0.0.1:{bot.http.port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as reply:
            assert json.loads(reply.read())["status"] == "ok"
        with urllib.request.urlopen(f"{base}/metrics", timeout=2) as reply:
            assert b"escalation_bot_pages_total" in reply.read()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(f"{base}/slack/events", data=b"{}"), timeout=2)
        assert refused.value.code == 404
    finally:
        bot.stop()
