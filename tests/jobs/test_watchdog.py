"""The auditor's thread waits one whole round between audits (an idle replica's auditor wakes every
`every`, not in short steps), and new limits cut that wait short."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.jobs.watchdog import Watchdog


@dataclass(frozen=True)
class Limits:
    every: timedelta
    stalled_after: timedelta = timedelta(seconds=30)


@dataclass
class CountingAuditor:
    limits: Limits
    rounds: list[int] = field(default_factory=list)

    def check(self) -> object:
        self.rounds.append(1)
        return []


def test_new_limits_end_a_long_wait_and_apply_from_the_next_round():
    auditor = CountingAuditor(Limits(every=timedelta(hours=1)))
    watchdog = Watchdog(auditor)
    watchdog.start()
    try:
        assert watchdog.progress.wait_for(1, timeout=10)  # the first round, then an hour's wait
        assert len(auditor.rounds) == 1
        watchdog.set_limits(Limits(every=timedelta(milliseconds=10)))
        assert watchdog.progress.wait_for(5, timeout=10)  # without waiting out the hour
        assert auditor.limits.every == timedelta(milliseconds=10)
    finally:
        watchdog.stop()


def test_stop_ends_the_wait_between_rounds_at_once():
    auditor = CountingAuditor(Limits(every=timedelta(hours=1)))
    watchdog = Watchdog(auditor)
    watchdog.start()
    assert watchdog.progress.wait_for(1, timeout=10)
    watchdog.stop()  # joins the thread (5 s at most): it must have ended, not be waiting out the hour
    assert watchdog._thread is not None and not watchdog._thread.is_alive()
    assert len(auditor.rounds) == 1
