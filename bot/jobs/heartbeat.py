"""This process's heartbeat: it says the worker is alive, takes over the claims of workers that are
not, measures the offset to the database's clock, and notices a database that refuses writes."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import DatabaseClock
from bot.observability import metrics
from bot.store.store import Store
from bot.store.workers import is_dead

log = logging.getLogger(__name__)


# The workers beating in this process. Another worker row with this host and pid is a predecessor
# (a restarted container's pid 1) unless it is one of these: replicas run in one process (as tests do)
# share the pid and are alive.
_HERE: set[str] = set()
_HERE_LOCK = threading.Lock()


def workers_in_this_process() -> frozenset[str]:
    with _HERE_LOCK:
        return frozenset(_HERE)


@dataclass(frozen=True, slots=True)
class HeartbeatLimits:
    """With the defaults, a killed worker's claims are taken over within about 11 s by another replica,
    and at once by its successor on the same host."""

    # A beat is a write transaction. Every 1 s, not 2: ten missed beats before a live replica is called
    # gone. With 2 s (five beats), a replica starved of CPU under load had a voice call taken over and
    # placed twice (test_contact_methods two-replica test); exactly-once outweighs the idle CPU it saves.
    every: timedelta = timedelta(seconds=1)
    # No beat for this long: the worker is gone. Not less: a live replica starved of CPU for a few
    # seconds must not have its claims taken (a send it makes meanwhile would repeat).
    stale_after: timedelta = timedelta(seconds=10)
    clock_skew_limit: timedelta = timedelta(seconds=5)  # beyond this, /readyz and the leads hear of it


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class Heartbeat:
    """Beats on its own thread; `beat()` also runs once, synchronously, before the first tick."""

    def __init__(
        self,
        *,
        store: Store,
        clock: DatabaseClock,
        worker: str,
        limits: HeartbeatLimits | None = None,
        on_released: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.worker = worker
        self.limits = limits or HeartbeatLimits()
        self.on_released = on_released
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.started_at = clock.wall_now()
        self.failing_since: float | None = None  # monotonic time of the first failed beat in a row
        self.last_error: str | None = None
        self.last_beat_at: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> int:
        """One beat; returns how many jobs of dead workers it put back to pending."""
        try:
            now = self.clock.wall_now()
            others = self.store.beat(
                worker=self.worker,
                host=self.host,
                pid=self.pid,
                started_at=self.started_at,
                now=now,
                stale_after=self.limits.stale_after,
                measure=self._measure,
            )
            released: list[tuple[int, str, str]] = []
            siblings = workers_in_this_process()
            dead = (
                is_dead(seen, me=self.worker, host=self.host, pid=self.pid, alive=_pid_alive, siblings=siblings)
                for seen in others
            )
            if any(dead):
                # Rare: looked at again, and their claims put back, in a transaction of its own.
                with self.store.transaction() as tx:
                    released = tx.workers.take_over_dead(
                        me=self.worker,
                        host=self.host,
                        pid=self.pid,
                        stale_after=self.limits.stale_after,
                        now=now,
                        alive=_pid_alive,
                        siblings=siblings,
                    )
        except Exception as exc:  # the store is locked, slow or away: readiness and the auditor say so
            if self.failing_since is None:
                self.failing_since = time.monotonic()
                log.warning(
                    "heartbeat failed: %s: %s", type(exc).__name__, str(exc).splitlines()[0] if str(exc) else ""
                )
            self.last_error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
            return 0
        if self.failing_since is not None:
            log.warning("heartbeat back after %.1f s", time.monotonic() - self.failing_since)
        self.failing_since, self.last_error, self.last_beat_at = None, None, time.monotonic()
        for job_id, key, owner in released:
            # Same words as a lease that ran out: the dead worker may have sent before it died.
            log.warning("lease_expired_resend job=%s key=%s previous_worker=%s reason=worker_gone", job_id, key, owner)
        if released and self.on_released is not None:
            self.on_released()
        return len(released)

    def _measure(self, read_database: Callable[[], datetime | None]) -> None:
        measured = self.clock.measure(read_database)
        if measured is not None:
            self.store.clock_offset = measured
            metrics.set_clock_skew(-measured.total_seconds())  # this replica minus the database

    def writes_failing_for(self) -> float | None:
        """Seconds the store has refused this worker's beats, or None if the last beat went in."""
        return None if self.failing_since is None else time.monotonic() - self.failing_since

    def clock_skew(self) -> timedelta | None:
        """The measured offset when it is beyond the limit (this machine's clock is wrong), else None."""
        measured = self.clock.measured
        if measured is None or abs(measured) <= self.limits.clock_skew_limit:
            return None
        return measured

    def start(self) -> None:
        with _HERE_LOCK:
            _HERE.add(self.worker)
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.limits.every.total_seconds()):
            self.beat()

    def stop(self) -> None:
        """Stop beating and remove this worker's row (call after its claims were handed back)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with _HERE_LOCK:
            _HERE.discard(self.worker)
        try:
            with self.store.transaction() as tx:
                tx.workers.forget(self.worker)
        except Exception as exc:  # the row goes stale and is removed by the next worker that looks
            log.warning("could not remove this worker's heartbeat: %s", type(exc).__name__)


def describe_skew(offset: timedelta) -> str:
    seconds = offset.total_seconds()
    side = "behind" if seconds > 0 else "ahead of"
    return f"this machine's clock is {abs(seconds):.0f} s {side} the database's (time is taken from the database)"
