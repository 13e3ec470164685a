"""Build the Bolt app once the configuration and the Web API endpoint are known (never at import)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.config.loader import Config
from bot.jobs.clock import Clock
from bot.services.case_actions import CaseActions
from bot.services.open_case import OnOpened
from bot.services.staff import Staff
from bot.slack.listeners.case import CaseListeners
from bot.slack.listeners.home import HomeListeners
from bot.slack.listeners.intake import IntakeListeners
from bot.slack.listeners.lookup import LookupCommands
from bot.slack.listeners.oncall import OnCallListeners
from bot.slack.listeners.paging import PagingListeners
from bot.store.store import Store

log = logging.getLogger(__name__)


def build_app(
    *,
    config: Config,
    store: Store,
    clock: Clock,
    client: WebClient,
    signing_secret: str,
    kick: Callable[[], None],
    on_opened: OnOpened | None = None,
    case_actions: CaseActions | None = None,
    staff: Staff | None = None,
    listener_threads: int = 16,
) -> App:
    """The Bolt app with every listener; calls auth.test through `client` as it is built."""
    app = App(
        client=client,
        signing_secret=signing_secret,
        process_before_response=False,
        # Bolt's default pool has 5 threads; a slow Slack call in one listener must not delay acks.
        listener_executor=ThreadPoolExecutor(max_workers=listener_threads, thread_name_prefix="bolt"),
        logger=logging.getLogger("bot.slack.bolt"),
    )
    lookup = (
        LookupCommands(config=config, store=store, clock=clock, staff=staff, actions=case_actions, kick=kick)
        if case_actions is not None and staff is not None
        else None
    )
    IntakeListeners(config=config, store=store, clock=clock, kick=kick, on_opened=on_opened, lookup=lookup).register(
        app
    )
    PagingListeners(store=store, clock=clock, tz=config.app.timezone, kick=kick, staff=staff).register(app)
    OnCallListeners(config=config, store=store, clock=clock, kick=kick, command=config.app.oncall_command).register(app)
    HomeListeners(config=config, store=store, clock=clock).register(app)
    if case_actions is not None and staff is not None:
        CaseListeners(config=config, store=store, clock=clock, actions=case_actions, staff=staff, kick=kick).register(
            app
        )

    @app.error
    def handle_errors(error: Exception, body: dict[str, Any], logger: logging.Logger) -> BoltResponse | None:
        logger.error("listener failed: %s (%s)", error, type(error).__name__, exc_info=error)
        return BoltResponse(status=500, body="")

    return app
