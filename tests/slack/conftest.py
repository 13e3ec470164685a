"""A whole bot over real HTTP, talking to the Slack stand-in; people act through signed requests.

Time is an input here too. Every end-to-end bot runs on a fake clock that ticks with real time from a
stated moment of the week (`DEFAULT_MOMENT`, a Singapore weekday afternoon, unless a test names
another), and the stand-in shares that clock, so a test means the same thing at any hour it runs.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import Bot, Secrets, build_bot
from bot.clock import Clock, FakeClock
from bot.config.model import Config
from bot.store.store import Store
from slack_standin import SlackStandIn

SECRET = "e2e-signing-secret"
TOKEN = "xoxb-sandbox"
SGT = ZoneInfo("Asia/Singapore")
# Where an end-to-end test's clock starts unless it says otherwise: Wednesday 2 December 2026, 15:00 in
# Singapore — business hours, no public holiday, so a SEV3 pages at once.
DEFAULT_MOMENT = datetime(2026, 12, 2, 15, 0, tzinfo=SGT)


class SharedClock:
    """The clock the stand-in and the helpers read: whichever clock the test's bot runs on."""

    def __init__(self) -> None:
        self.target: Clock = FakeClock(DEFAULT_MOMENT, ticking=True)

    def now(self) -> datetime:
        return self.target.now()


TEST_CLOCK = SharedClock()


@pytest.fixture(autouse=True)
def _test_clock() -> SharedClock:
    """Each test starts at DEFAULT_MOMENT on a ticking fake clock; make_bot(clock=…) moves the start."""
    TEST_CLOCK.target = FakeClock(DEFAULT_MOMENT, ticking=True)
    return TEST_CLOCK


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(signing_secret=SECRET, bot_token=TOKEN, clock=TEST_CLOCK) as running:
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
        rota_checks=(),
    )
    return dataclasses.replace(config, app=app)


@pytest.fixture
def make_bot(standin: SlackStandIn, shipped_config: Config, tmp_path: Path) -> Iterator[Callable[..., Bot]]:
    bots: list[Bot] = []

    def make(
        store_url: str | None = None, clock: Clock | None = None, config: Config | None = None, **changes: Any
    ) -> Bot:
        """A started bot (on `config`, the shipped one by default); on `clock` if given (the stand-in and
        in_days() follow it), else on the test's clock."""
        if clock is not None:
            TEST_CLOCK.target = clock
        config = fast_config(config or shipped_config, store_url or f"sqlite:///{tmp_path / 'bot.db'}")
        if changes:
            config = dataclasses.replace(config, app=dataclasses.replace(config.app, **changes))
        bot = build_bot(
            config,
            secrets=Secrets(bot_token=TOKEN, signing_secret=SECRET, api_url=standin.api_url),
            store=Store.open(config.app.store_url, prefix=config.app.case_prefix),
            clock=TEST_CLOCK.target,
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
    """`days` from now on the test's clock (the bot's), to the second."""
    return (TEST_CLOCK.now() + timedelta(days=days)).replace(microsecond=0)


def ticks_pass(bot: Bot, count: int = 2, timeout: float = 10.0) -> None:
    """Return once `count` whole ticks have run after this call (proof that what was due has been run).

    Waiting for two finished ticks makes sure one of them started after the call: the first may have
    been under way already.
    """
    target = bot.ticker.progress.count + count
    bot.ticker.kick()
    if not bot.ticker.progress.wait_for(target, timeout):
        raise TimeoutError(f"{count} ticks did not finish within {timeout} s")


def audits_pass(bot: Bot, count: int = 2, timeout: float = 10.0) -> None:
    """Return once `count` whole audit rounds have run after this call (the auditor had its chance)."""
    target = bot.watchdog.progress.count + count
    if not bot.watchdog.progress.wait_for(target, timeout):
        raise TimeoutError(f"{count} audit rounds did not finish within {timeout} s")


def to_channel(channel: str) -> Callable[[dict[str, Any]], bool]:
    """A fault scope: only Web API calls whose `channel` argument is `channel`."""
    return lambda args: args.get("channel") == channel


def to_dm(user_or_prefix: str = "U") -> Callable[[dict[str, Any]], bool]:
    """A fault scope: only calls addressed to a person (a `U…` channel, or this user)."""
    return lambda args: str(args.get("channel", "")).startswith(user_or_prefix)


def prelaunch_values(**overrides: Any) -> dict[str, Any]:
    """A complete, valid pre-launch review, keyed by the modal's block ids."""
    values = {
        "field_advertiser": "Acme Foods",
        "field_campaign": "Spring launch",
        "field_market": "SG",
        "field_deadline": in_days(3),
        "field_question": "Can the alcohol creative run before 10 pm in Singapore?",
        "field_ad_formats": ["video"],
        "field_salesforce_url": "https://acme.my.salesforce.com/0065g00000AbCdE",
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
