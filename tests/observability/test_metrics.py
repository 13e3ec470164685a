"""The metrics module on its own: outcome labels, the timer backlog gauges and the tick histogram."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from bot.observability import metrics


@pytest.mark.parametrize(
    ("status", "error", "outcome"),
    [
        (200, None, "ok"),
        (200, "channel_not_found", "error:channel_not_found"),
        (200, "some_new_error_slack_invented", "error:other"),
        (429, "ratelimited", "ratelimited"),
        (500, None, "http_5xx"),
        (503, "service_unavailable", "http_5xx"),
        (404, None, "http_4xx"),
        (None, None, "connection_error"),
    ],
)
def test_slack_attempts_get_a_small_set_of_outcome_labels(status, error, outcome):
    assert metrics.slack_call_outcome(status, error) == outcome


def read(backlog: metrics.TimerBacklog) -> tuple[float, float]:
    registry = CollectorRegistry()
    registry.register(backlog)
    return (
        registry.get_sample_value("escalation_bot_timers_pending") or 0.0,
        registry.get_sample_value("escalation_bot_timer_oldest_overdue_seconds") or 0.0,
    )


def test_pushed_timer_backlog_is_what_a_scrape_shows():
    backlog = metrics.TimerBacklog()
    backlog.push(7, 42.5)
    assert read(backlog) == (7, 42.5)


def test_watched_sources_are_read_at_scrape_time_and_win_over_pushed_values():
    backlog = metrics.TimerBacklog()
    backlog.push(1, 1.0)
    first = {"value": (3, 10.0)}
    unwatch_first = backlog.watch(lambda: first["value"])
    unwatch_second = backlog.watch(lambda: (2, 90.0))
    assert read(backlog) == (5, 90.0)  # two bots in one process: counts add up, the oldest age wins
    first["value"] = (0, 0.0)
    assert read(backlog) == (2, 90.0)
    unwatch_first()
    unwatch_second()
    assert read(backlog) == (1, 1.0)  # back to the pushed value


def test_a_failing_source_does_not_break_the_scrape():
    def broken() -> tuple[int, float]:
        raise ConnectionError("store down")

    unwatch = metrics.watch_timer_backlog(broken)
    try:
        body, content_type = metrics.render()
    finally:
        unwatch()
    assert b"escalation_bot_timers_pending" in body and content_type.startswith("text/plain")


def test_the_module_functions_feed_the_bots_registry():
    unwatch = metrics.watch_timer_backlog(lambda: (6, 30.0))
    try:
        assert metrics.value("escalation_bot_timers_pending") >= 6  # other bots' sources may add theirs
        assert metrics.value("escalation_bot_timer_oldest_overdue_seconds") >= 30.0
    finally:
        unwatch()


def test_ticks_and_page_counts_add_up():
    ticks = metrics.value("escalation_bot_tick_duration_seconds_count")
    metrics.observe_tick(0.012)
    assert metrics.value("escalation_bot_tick_duration_seconds_count") == ticks + 1

    failed = metrics.value("escalation_bot_pages_total", outcome="failed")
    jobs = metrics.value("escalation_bot_jobs_total", kind="page.send", outcome="failed")
    metrics.job_finished("page.send", "failed", page=True)
    assert metrics.value("escalation_bot_pages_total", outcome="failed") == failed + 1
    assert metrics.value("escalation_bot_jobs_total", kind="page.send", outcome="failed") == jobs + 1
