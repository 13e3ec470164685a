"""When the job runner looks at the durable job table: at once when kicked (a commit in this process,
a Postgres NOTIFY from another), else when the next job falls due, else after `interval` at most.

An idle bot sleeps: no poll runs while nothing is due. `interval` bounds the sleep only for work this
process cannot hear of (on SQLite, jobs another process wrote; on Postgres, a lost LISTEN connection).
The periodic planners (handoffs, digests, reloads) run on a thread of their own (bot.jobs.periodic)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.jobs.periodic import Periodic
from bot.jobs.progress import Progress
from bot.jobs.runner import JobRunner
from bot.observability import metrics

log = logging.getLogger(__name__)

# After a tick that left due jobs behind (a case still waiting on Slack, sends held by the gate), the
# loop looks again after this pause instead of spinning on them.
BUSY_PAUSE_S = 0.5
# While another process's new jobs wake this loop by themselves (Postgres, LISTEN connected), the fallback
# only shows the loop is alive (readiness and the auditor call it stalled after 30 s): every 5 s.
HEARD_FALLBACK_S = 5.0


class Ticker:
    """Runs due jobs when kicked, when the next one falls due, and at least every `interval` seconds."""

    def __init__(
        self,
        runner: JobRunner,
        *,
        interval: float,
        timezone: ZoneInfo,
        changed_elsewhere: Callable[[], bool] | None = None,
        hears_elsewhere: Callable[[], bool] | None = None,
    ) -> None:
        self.runner = runner
        self.interval = interval
        # True while other processes' new jobs wake this loop (a connected Postgres LISTEN): then the
        # fallback interval is HEARD_FALLBACK_S. The listener kicks the loop when it loses its connection.
        self.hears_elsewhere = hears_elsewhere or (lambda: False)
        # Asked when the fallback interval ends with nothing due and no kick: False means no other
        # process can have written a job since the last look, so the runner sleeps on without a query.
        self.changed_elsewhere = changed_elsewhere or (lambda: True)
        self._wake_at: datetime | None = None
        self._lock = threading.Lock()
        self._again = threading.Event()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.wakeups = 0  # loop rounds, for the idle benchmark and tests
        # A process that serves Slack but runs no jobs (`serve --role web`): a kick is not its to act on.
        self.passive = False
        # The planners: they only plan work into the job table (pages live there, nowhere else).
        self.periodic = Periodic(timezone=timezone)
        self.timezone = timezone
        self.last_tick_at: datetime | None = None
        self.started_at: datetime | None = None
        self._failing_since: float | None = None
        self._last_failure_log = 0.0
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
        """Ask for a tick now, on the runner's thread (never in a Slack listener's ack path)."""
        if self.passive:
            return
        if self._thread is not None and self._thread.is_alive():
            self._wake.set()
        else:
            self.tick()

    def _loop(self) -> None:
        self.changed_elsewhere()  # the baseline: what happens from here on counts
        ran, fresh = self._round(), True
        while not self._stop.is_set():
            seconds, due = self._sleep_for(ran, fresh=fresh)
            kicked = self._wake.wait(seconds)
            if self._stop.is_set():
                break
            # The fallback ended: claim only if another connection committed something due now.
            if not kicked and not due and (not self.changed_elsewhere() or not self._due_now()):
                # A round that found nothing to do, without a query: the loop is alive (readiness, the
                # auditor and tests waiting for whole rounds go by these).
                self.last_tick_at = datetime.now(UTC)
                self.progress.done()
                ran, fresh = 0, False
                continue
            ran, fresh = self._round(), True

    def _due_now(self) -> bool:
        try:
            self._wake_at = self.runner.next_wake()
        except Exception:
            return True  # the store is away: the tick logs it
        return self._wake_at is not None and self._wake_at <= self.runner.clock.now()

    def _round(self) -> int:
        self._wake.clear()  # a kick from here on wakes the next wait at once
        self.wakeups += 1
        return self.tick()

    def _sleep_for(self, ran: int, *, fresh: bool) -> tuple[float, bool]:
        """Seconds to sleep, and whether a job falls due at its end: until the next job falls due (or a
        lease runs out), at most `interval`. `fresh`: look the next due time up again (after a tick)."""
        if fresh:
            try:
                self._wake_at = self.runner.next_wake()
            except Exception:  # the store is away: the tick after `interval` logs it and tries again
                return self.interval, True
        fallback = max(self.interval, HEARD_FALLBACK_S) if self.hears_elsewhere() else self.interval
        if self._wake_at is None:
            return fallback, False
        seconds = (self._wake_at - self.runner.clock.now()).total_seconds()
        if seconds <= 0:
            # Due already: more of a burst (ran > 0), or jobs this tick could not run (waiting on a
            # case in flight, or on the Slack gate): look again soon, without spinning.
            return (0.0 if ran else min(BUSY_PAUSE_S, self.interval)), True
        if seconds <= fallback:
            return seconds, True
        return fallback, False

    def every(
        self, job_id: str, seconds: float | Callable[[], float], fn: Callable[[], object], *, at_start: bool = True
    ) -> None:
        """Run `fn` every `seconds` (and once at start unless `at_start` is False), e.g. planning handoffs."""
        self.periodic.every(job_id, seconds, fn, at_start=at_start)

    def start(self) -> None:
        self.started_at = datetime.now(UTC)
        self.periodic.start()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="job-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop looking: the tick in hand finishes (its runner hands the rest back when stopped)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.periodic.stop()
