"""The bot's Prometheus metrics, kept in a registry of its own (never the process-wide default one).

The metrics are process-wide: several bots built in one process (tests) add to the same series, so
tests compare values before and after, never absolute values.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
# The classic text format, which every Prometheus version reads (newer clients announce 1.0.0;
# for our plain metric names the body is the same).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

JobOutcome = Literal["sent", "done", "retried", "failed", "skipped"]
PAGE_OUTCOMES: tuple[JobOutcome, ...] = ("sent", "retried", "failed", "skipped")

# Slack error codes worth a series of their own; anything else is `error:other`, which keeps the
# method-by-outcome label set small whatever Slack invents.
SLACK_ERROR_CODES = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "message_limit_exceeded",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "users_not_found",
        "message_not_found",
        "cant_update_message",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "account_inactive",
        "missing_scope",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "expired_trigger_id",
        "view_too_large",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)

CASES_OPENED = Counter(
    "escalation_bot_cases_opened", "Cases opened, by flow and severity.", ("flow", "severity"), registry=REGISTRY
)
JOBS = Counter(
    "escalation_bot_jobs",
    "Durable jobs run, by kind and outcome: sent (or done, for jobs that send nothing), retried, failed.",
    ("kind", "outcome"),
    registry=REGISTRY,
)
PAGES = Counter(
    "escalation_bot_pages",
    "Pages (page DMs): sent, retried, failed (after the last attempt), skipped (acknowledged or superseded).",
    ("outcome",),
    registry=REGISTRY,
)
SLACK_CALLS = Counter(
    "escalation_bot_slack_api_calls",
    "Slack Web API HTTP attempts (SDK retries included), by method and outcome.",
    ("method", "outcome"),
    registry=REGISTRY,
)
ACK_LATENCY = Histogram(
    "escalation_bot_ack_latency_seconds",
    "Seconds from a case being opened to its acknowledgement.",
    buckets=(30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400, math.inf),
    registry=REGISTRY,
)
PAGE_LATENESS = Histogram(
    "escalation_bot_page_lateness_seconds",
    "Seconds between a page job's due time and its send.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, math.inf),
    registry=REGISTRY,
)
TICK_DURATION = Histogram(
    "escalation_bot_tick_duration_seconds",
    "Seconds one scheduler tick took.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, math.inf),
    registry=REGISTRY,
)
LAST_TICK = Gauge(
    "escalation_bot_last_tick_timestamp_seconds",
    "Unix time at which this replica's scheduler last finished a tick (0 before the first).",
    registry=REGISTRY,
)
SLACK_AUTH_FAILING = Gauge(
    "escalation_bot_slack_auth_failing",
    "1 while Slack refuses the bot token (invalid_auth, not_authed, token_revoked, account_inactive) "
    "on the latest call; 0 after a call Slack accepted.",
    registry=REGISTRY,
)
CLOCK_SKEW = Gauge(
    "escalation_bot_clock_skew_seconds",
    "This replica's clock minus the database's clock, in seconds (positive: the replica is ahead); "
    "due times and leases are compared on the database's clock, so a large skew misleads the logs.",
    registry=REGISTRY,
)
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "account_inactive"})

for _outcome in PAGE_OUTCOMES:
    PAGES.labels(outcome=_outcome)  # every page series exists from the start, so alerts see 0 → 1


def case_opened(*, flow: str, severity: str) -> None:
    """Count a newly committed case (not a re-sent submission)."""
    CASES_OPENED.labels(flow=flow, severity=severity).inc()


def job_finished(kind: str, outcome: JobOutcome, *, page: bool = False) -> None:
    """Count one run of a durable job; `page` also counts it as a page."""
    JOBS.labels(kind=kind, outcome=outcome).inc()
    if page:
        PAGES.labels(outcome=outcome).inc()


def observe_page_lateness(seconds: float) -> None:
    """A page went out `seconds` after it was due (negative values, clock skew, count as 0)."""
    PAGE_LATENESS.observe(max(0.0, seconds))


def observe_ack_latency(seconds: float) -> None:
    """A case was acknowledged `seconds` after it was opened."""
    ACK_LATENCY.observe(max(0.0, seconds))


def slack_call_outcome(status: int | None, error: str | None = None) -> str:
    """The outcome label of one HTTP attempt: None status means the connection failed."""
    if status is None:
        return "connection_error"
    if status == 429:
        return "ratelimited"
    if status >= 500:
        return "http_5xx"
    if error:
        return f"error:{error if error in SLACK_ERROR_CODES else 'other'}"
    return "ok" if 200 <= status < 300 else "http_4xx"


def slack_call(method: str, outcome: str) -> None:
    """Count one Slack Web API HTTP attempt; note whether Slack accepts the token."""
    SLACK_CALLS.labels(method=method, outcome=outcome).inc()
    if outcome.removeprefix("error:") in AUTH_ERRORS:
        SLACK_AUTH_FAILING.set(1)
    elif outcome == "ok":
        SLACK_AUTH_FAILING.set(0)


def observe_tick(seconds: float) -> None:
    """One scheduler tick took `seconds` and has just finished."""
    TICK_DURATION.observe(max(0.0, seconds))
    LAST_TICK.set(time.time())


def set_clock_skew(seconds: float) -> None:
    """This replica's clock minus the database's (whoever compares them: the auditor, issue 15)."""
    CLOCK_SKEW.set(seconds)


BacklogSource = Callable[[], tuple[int, float]]


class TimerBacklog(Collector):
    """Pending timers and the age of the oldest overdue one: pushed values, or sources read per scrape."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pushed: tuple[int, float] = (0, 0.0)
        self._sources: dict[int, BacklogSource] = {}
        self._next = 0

    def push(self, pending: int, oldest_overdue_seconds: float) -> None:
        with self._lock:
            self._pushed = (pending, max(0.0, oldest_overdue_seconds))

    def watch(self, source: BacklogSource) -> Callable[[], None]:
        with self._lock:
            key, self._next = self._next, self._next + 1
            self._sources[key] = source

        def unwatch() -> None:
            with self._lock:
                self._sources.pop(key, None)

        return unwatch

    def _read(self) -> tuple[int, float]:
        with self._lock:
            sources, pushed = list(self._sources.values()), self._pushed
        if not sources:
            return pushed
        pending, overdue = 0, 0.0
        for source in sources:
            try:
                count, age = source()
            except Exception:  # a scrape must answer even when the store does not
                log.warning("timer backlog source failed", exc_info=True)
                continue
            pending, overdue = pending + count, max(overdue, age)
        return pending, overdue

    @staticmethod
    def _families(values: tuple[int, float] | None) -> list[Metric]:
        pending = GaugeMetricFamily(
            "escalation_bot_timers_pending",
            "Durable jobs (pages, steps, reminders) waiting to run.",
            value=None if values is None else values[0],
        )
        overdue = GaugeMetricFamily(
            "escalation_bot_timer_oldest_overdue_seconds",
            "Age of the oldest job past its due time (0 when none is overdue).",
            value=None if values is None else values[1],
        )
        return [pending, overdue]

    def describe(self) -> Iterable[Metric]:
        return self._families(None)

    def collect(self) -> Iterable[Metric]:
        return self._families(self._read())


_BACKLOG = TimerBacklog()
REGISTRY.register(_BACKLOG)


def set_timer_backlog(pending: int, oldest_overdue_seconds: float) -> None:
    """Push the current timer backlog (e.g. once per tick); used when no source is watched."""
    _BACKLOG.push(pending, oldest_overdue_seconds)


def watch_timer_backlog(source: BacklogSource) -> Callable[[], None]:
    """Read `source()` -> (pending, oldest_overdue_seconds) at every scrape; returns an unwatch function.

    With several sources (several bots in one process) pending counts add up and the oldest age wins;
    while any source is watched, pushed values are ignored.
    """
    return _BACKLOG.watch(source)


def value(name: str, **labels: str) -> float:
    """The current value of one sample (0 when it does not exist yet), e.g. for tests and health checks."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def render() -> tuple[bytes, str]:
    """The registry in the Prometheus text format: (body, content type)."""
    return generate_latest(REGISTRY), CONTENT_TYPE
