"""APScheduler as the clock only: a short interval tick over the durable job table."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from bot.jobs.progress import Progress
from bot.jobs.runner import JobRunner
from bot.observability import metrics

log = logging.getLogger(__name__)

TICK_JOB = "tick"


class Ticker:
    """Runs due jobs every `interval` seconds, and at once when kicked (after a commit)."""

    def __init__(self, runner: JobRunner, *, interval: float, timezone: ZoneInfo) -> None:
        self.runner = runner
        self.interval = interval
        self._lock = threading.Lock()
        self._again = threading.Event()
        # Memory job store only: pages live in our own table, never in APScheduler's store.
        self.scheduler = BackgroundScheduler(timezone=timezone)
        self.last_tick_at: datetime | None = None
        self.started_at: datetime | None = None
        self._failing_since: float | None = None
        self._last_failure_log = 0.0
        self._extra: list[tuple[str, float, Callable[[], None], bool]] = []
        self.progress = Progress()  # finished ticks

    def tick(self) -> int:
        """Run due jobs; a kick during a tick runs one more round so nothing waits for the next tick."""
        if not self._lock.acquire(blocking=False):
            self._again.set()
            return 0
        ran = 0
        started = time.monotonic()
        try:
            while True:
                self._again.clear()
                try:
                    batch = self.runner.run_due()
                except Exception as exc:  # the store may be down: log, keep ticking, nothing is lost
                    self._failed(exc)
                    break
                if self._failing_since is not None:
                    log.warning("ticks run again after %.0f s of failures", time.monotonic() - self._failing_since)
                    self._failing_since = None
                ran += batch
                # run_due stops at its cap; a burst keeps draining in this tick instead of the next.
                if batch < self.runner.max_per_run and not self._again.is_set():
                    break
            self.last_tick_at = datetime.now(UTC)
        finally:
            self._lock.release()
            metrics.observe_tick(time.monotonic() - started)
            self.progress.done()
        return ran

    def _failed(self, exc: Exception) -> None:
        """The first failure with its trace, then a line every 30 s: an outage must not flood the log."""
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = self._last_failure_log = now
            log.exception("tick failed; ticks keep retrying and nothing due is lost")
        elif now - self._last_failure_log >= 30:
            self._last_failure_log = now
            log.error("ticks failing for %.0f s: %s: %s", now - self._failing_since, type(exc).__name__, exc)

    def kick(self) -> None:
        """Ask for a tick now, in the scheduler's thread pool (never in a Slack listener's ack path)."""
        if self.scheduler.running:
            self.scheduler.modify_job(TICK_JOB, next_run_time=datetime.now(UTC))
        else:
            self.tick()

    def every(self, job_id: str, seconds: float, fn: Callable[[], object], *, at_start: bool = True) -> None:
        """Run `fn` every `seconds` (and once at start unless `at_start` is False), e.g. planning handoffs."""

        def run() -> None:
            try:
                fn()
            except Exception:  # logged; the next run tries again
                log.exception("%s failed", job_id)

        self._extra.append((job_id, seconds, run, at_start))

    def start(self) -> None:
        self.started_at = datetime.now(UTC)
        for job_id, seconds, run, at_start in self._extra:
            first = datetime.now(UTC) if at_start else datetime.now(UTC) + timedelta(seconds=seconds)
            self.scheduler.add_job(
                run,
                "interval",
                seconds=seconds,
                id=job_id,
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                next_run_time=first,
            )
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.interval,
            id=TICK_JOB,
            replace_existing=True,
            max_instances=2,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
