"""Build the Bolt app once the configuration and the Web API endpoint are known (never at import)."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot.clock import Clock
from bot.config.model import Config
from bot.domain.identity import is_channel_id, is_team_id, is_user_id
from bot.domain.refusal import Refusal
from bot.services.calendar_feed import CalendarFeeds
from bot.services.case_actions import CaseActions
from bot.services.case_reads import CaseReads
from bot.services.digests import digest_on_demand
from bot.services.filing import Filing
from bot.services.guidance import Guidance
from bot.services.guide_drafts import GuideReview
from bot.services.guide_search import GuideIndex
from bot.services.home import HomeData
from bot.services.page_answers import PageAnswers
from bot.services.rota_desk import RotaDesk
from bot.services.staff import Staff
from bot.services.withdrawal import Withdrawals
from bot.slack.http import frames
from bot.slack.listeners.case import CaseListeners
from bot.slack.listeners.guidance import GuidanceListeners
from bot.slack.listeners.guide_review import GuideReviewListeners
from bot.slack.listeners.home import HomeListeners
from bot.slack.listeners.intake import IntakeListeners
from bot.slack.listeners.lookup import LookupCommands
from bot.slack.listeners.oncall import OnCallListeners
from bot.slack.listeners.paging import PagingListeners
from bot.slack.locales import Locales
from bot.slack.refusals import RefusalAnswers
from bot.store.store import Store, StoreUnavailable

log = logging.getLogger(__name__)


T = TypeVar("T")

STORE_DOWN = (
    ":warning: The escalation database cannot be reached just now, so nothing was changed. "
    "Please try again in a minute; on-call pages already queued are not lost."
)


class _TokenUnusedFilter(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client built with that same
    token, then warns at every start that the token "will be unused": true, expected, and noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in str(record.msg)


BOLT_LOGGER = "bot.slack.bolt"
# The pool a listener hands its Slack-bound work to once it has acked (the intake form's build, views.open):
# Bolt's own pool then only acks, and an ack never waits for a thread that waits on Slack for someone else.
AFTER_ACK = "after-ack"
_TOKEN_UNUSED = _TokenUnusedFilter()


class ContextExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, running each listener in a copy of the submitting thread's context, so
    the request id bound per HTTP request (bot.observability.logs) is on the listener's log lines too."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger(BOLT_LOGGER)
    if _TOKEN_UNUSED not in logger.filters:
        logger.addFilter(_TOKEN_UNUSED)
    return logger


def build_app(
    *,
    config: Config,
    store: Store,
    clock: Clock,
    client: WebClient,
    signing_secret: str | None,
    kick: Callable[[], None],
    case_actions: CaseActions,
    staff: Staff,
    guides: GuideIndex | None = None,
    guidance: Guidance | None = None,
    listener_threads: int = 16,
    locales: Locales | None = None,
    after_ack: Executor | None = None,
) -> App:
    """The Bolt app with every listener; calls auth.test through `client` as it is built.

    With `guides` (or a `guidance` service built on them), `/ad-policy` answers from them, the intake
    shows the articles that may answer the question (and lets the rep withdraw before paging), and
    leads review drafts from resolved cases. With `after_ack`, the intake opens its form there, after
    the ack (without, in the listener's own thread).
    """
    app = App(
        client=client,
        signing_secret=signing_secret or "",  # "" not None: Bolt would read the environment; Socket Mode has none
        process_before_response=False,
        # Bolt's default pool has 5 threads; a slow Slack call in one listener must not delay acks.
        listener_executor=ContextExecutor(max_workers=listener_threads, thread_name_prefix="bolt"),
        logger=_bolt_logger(),
        name="escalation-bot",  # else Bolt names the app from inspect.stack(), a twentieth of the start-up
    )
    # The listeners get services, never the store (tests/test_imports.py): built here from it.
    cases = CaseReads(store)
    lookup = LookupCommands(
        config=config,
        cases=cases,
        clock=clock,
        staff=staff,
        actions=case_actions,
        kick=kick,
        team_digest=lambda now: digest_on_demand(config, store, now=now),
    )
    if guidance is None and guides is not None:
        guidance = Guidance(index=guides, store=store)
    locales = locales or Locales(client)  # the rep's language: the form, the articles, refusals
    IntakeListeners(
        config=config,
        filing=Filing(config=config, store=store, access=staff),
        clock=clock,
        kick=kick,
        lookup=lookup,
        guidance=guidance,
        locales=locales,
        after_ack=after_ack,
    ).register(app)
    PagingListeners(answers=PageAnswers(store=store, access=staff), clock=clock, kick=kick).register(app)
    OnCallListeners(
        config=config,
        desk=RotaDesk(config=config, store=store),
        clock=clock,
        kick=kick,
        command=config.app.oncall_command,
        calendar_feeds=CalendarFeeds(config=config, store=store),
    ).register(app)
    review = None
    if guidance is not None:
        review = GuideReview(
            config=config,
            store=store,
            may_review=staff.may_review_guides,
            on_approved=guidance.rebuild,
        )
    home = HomeListeners(
        config=config, home=HomeData(config=config, store=store, access=staff), clock=clock, review=review
    )
    home.register(app)
    if guidance is not None and locales is not None and review is not None:
        GuidanceListeners(
            config=config,
            clock=clock,
            guidance=guidance,
            withdrawals=Withdrawals(cases=cases, guidance=guidance, actions=case_actions, access=staff),
            locales=locales,
            kick=kick,
        ).register(app)
        GuideReviewListeners(review=review, home=home, clock=clock, kick=kick).register(app)
    CaseListeners(config=config, cases=cases, clock=clock, actions=case_actions, staff=staff, kick=kick).register(app)
    refusals = RefusalAnswers(
        config=config,
        locales=locales,
        home_notice=lambda client, user_id, notice: home.publish(client, user_id, notice=notice),
    )

    @app.middleware
    def check_ids(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        # Signed requests come from Slack, yet what they carry is checked for shape before anything
        # stores or renders it (a forged or buggy `user.id` must not become `<@…>` in a message).
        wrong = malformed_ids(body)
        if wrong:
            log.warning("request refused: malformed %s", ", ".join(wrong))
            return BoltResponse(status=400, body="")
        return next()

    @app.error
    def handle_errors(
        error: Exception, body: dict[str, Any], logger: logging.Logger, context: BoltContext
    ) -> BoltResponse | None:
        if isinstance(error, Refusal):
            # Every refusal a service raises is answered here, once, in the person's language.
            logger.info("refused: %s", type(error).__name__)
            # Bolt accepts a response from here only while the request is not yet acknowledged.
            acked = context.ack is not None and context.ack.response is not None
            try:
                answer = refusals.answer(error, body=body, client=context.client, respond=context.respond)
            except Exception as exc:  # response_url expired or Slack unreachable: the log has it
                logger.warning("could not tell the person: %s", type(exc).__name__)
                answer = None
            return None if acked else answer or BoltResponse(status=200, body="")
        if isinstance(error, StoreUnavailable):
            # A click or a command while the database is away: say so, instead of a silent failure.
            logger.warning("store unavailable in a listener: %s", error)
            if context.respond is not None:
                try:
                    context.respond(text=STORE_DOWN, response_type="ephemeral", replace_original=False)
                except Exception as exc:  # response_url expired or Slack unreachable: the log has it
                    logger.warning("could not tell the person: %s", exc)
            return BoltResponse(status=200, body="")
        # The type and the frames only: an exception's words may quote what a person typed.
        logger.error("listener failed: %s\n%s", type(error).__name__, frames(error))
        return BoltResponse(status=500, body="")

    return app


def malformed_ids(body: dict[str, Any]) -> list[str]:
    """The names of the user, channel and team ids in a request that are not shaped like Slack's."""
    user, team, channel = body.get("user"), body.get("team"), body.get("channel")
    raw = body.get("event")
    event: dict[str, Any] = raw if isinstance(raw, dict) else {}
    found = {
        "user": [body.get("user_id"), user.get("id") if isinstance(user, dict) else None, event.get("user")],
        "team": [body.get("team_id"), team.get("id") if isinstance(team, dict) else None],
        "channel": [body.get("channel_id"), channel.get("id") if isinstance(channel, dict) else None],
    }
    checks = {"user": is_user_id, "team": is_team_id, "channel": is_channel_id}
    return [name for name, values in found.items() if any(v is not None and not checks[name](v) for v in values)]
