"""A whole bot over real HTTP, talking to the Slack stand-in; people act through signed requests."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import Bot, Secrets, build_bot
from bot.config.loader import Config
from bot.jobs.clock import Clock
from bot.sandbox import SlackStandIn
from bot.store.store import Store

SECRET = "e2e-signing-secret"
TOKEN = "xoxb-sandbox"


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN) as running:
        yield running


def fast_config(config: Config, store_url: str) -> Config:
    """The shipped configuration with a private store and quick retries."""
    app = dataclasses.replace(
        config.app,
        store_url=store_url,
        tick_seconds=0.2,
        retry_base=timedelta(milliseconds=100),
        max_attempts=4,
        digests=(),  # tests that want the daily digest or the weekly report ask for it
        weekly_reports=(),
    )
    return dataclasses.replace(config, app=app)


@pytest.fixture
def make_bot(standin: SlackStandIn, shipped_config: Config, tmp_path: Path) -> Iterator[Callable[..., Bot]]:
    bots: list[Bot] = []

    def make(store_url: str | None = None, clock: Clock | None = None, **changes: Any) -> Bot:
        config = fast_config(shipped_config, store_url or f"sqlite:///{tmp_path / 'bot.db'}")
        if changes:
            config = dataclasses.replace(config, app=dataclasses.replace(config.app, **changes))
        bot = build_bot(
            config,
            secrets=Secrets(bot_token=TOKEN, signing_secret=SECRET, api_url=standin.api_url),
            store=Store.open(config.app.store_url, prefix=config.app.case_prefix),
            clock=clock,
        )
        bot.start(http_port=0)
        assert bot.http is not None
        standin.bot_url = bot.http.url
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        bot.stop()


@pytest.fixture
def bot(make_bot: Callable[..., Bot]) -> Bot:
    return make_bot()


def in_days(days: float) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)


def prelaunch_values(**overrides: Any) -> dict[str, Any]:
    """A complete, valid pre-launch review, keyed by the modal's block ids."""
    values = {
        "field_advertiser": "Acme Foods",
        "field_campaign": "Spring launch",
        "field_market": "SG",
        "field_deadline": in_days(3),
        "field_question": "Can the alcohol creative run before 10 pm in Singapore?",
        "field_ad_formats": ["video"],
        "field_salesforce_url": "https://acme.my.salesforce.com/006ABC",
        "field_creative_url": "https://cdn.adsco.test/acme/spring.mp4",
    }
    values.update({f"field_{k}": v for k, v in overrides.items()})
    return {k: v for k, v in values.items() if v is not None}


def open_flow(standin: SlackStandIn, user_id: str, flow_id: str, text: str = "") -> Any:
    """A person runs /ad-escalate and picks a flow; returns the Person with the flow's fields shown."""
    person = standin.user(user_id)
    mark = last_seq(standin)
    response = person.slash_command("/ad-escalate", text=text, channel_id="C0SALES")
    assert response.status == 200
    standin.wait_for_call("views.open", where=lambda c: c.seq > mark and c.ok)
    mark = last_seq(standin)
    person.select(person.open_view(), block_id="flow_pick", action_id="flow_pick", value=flow_id)
    standin.wait_for_call("views.update", where=lambda c: c.seq > mark and c.ok)
    return person


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll `predicate` until it returns something truthy (jobs commit after Slack answers)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.02)


def last_seq(standin: SlackStandIn) -> int:
    """The sequence number of the latest recorded call (0 if none), to wait for calls after it."""
    calls = standin.calls()
    return calls[-1].seq if calls else 0


def file_case(standin: SlackStandIn, user_id: str = "U0REP1", **overrides: Any) -> Any:
    person = open_flow(standin, user_id, "prelaunch_review")
    response = person.submit_view(prelaunch_values(**overrides))
    assert response.status == 200, response.body
    return response
