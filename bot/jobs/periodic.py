"""The periodic planners (handoffs, digests, reloads, the guide drafts check) on APScheduler, the clock
(DESIGN): its memory job store only, one interval job per planner, coalesced, never two runs at once.

Each run happens on the scheduler's own thread (APScheduler's DebugExecutor runs the callable where the
scheduler is, instead of handing it to a pool thread): an idle process wakes once per planner run, not
twice, and has no pool threads waiting. The planners only plan work into the job table; nothing here is
durable (DESIGN: every future action is in the store). A planner's period may be a function, asked for
each next run (the guide drafts check looks every minute while a Postgres listener hears approvals, else
every 2 s).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

log = logging.getLogger(__name__)


class _Every(BaseTrigger):  # type: ignore[misc]
    """An interval trigger whose period is asked each time the next run is planned."""

    def __init__(self, period: Callable[[], float]) -> None:
        self.period = period

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        return now + timedelta(seconds=self.period())


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler's background scheduler, counting how often its thread woke to look at its jobs."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.wakeups = 0

    def _process_jobs(self) -> float | None:
        self.wakeups += 1
        return super()._process_jobs()  # type: ignore[no-any-return]


class Periodic:
    """Runs registered functions every so many seconds on APScheduler's thread, one at a time.

    Runs missed while another ran are coalesced into one (never a catch-up burst), a failure is logged
    and the next run tries again, and a function never runs twice at once."""

    def __init__(self, *, timezone: tzinfo | None = None) -> None:
        self._timezone = timezone or ZoneInfo("UTC")
        self._scheduler = _Scheduler(
            timezone=self._timezone,
            executors={"default": DebugExecutor()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._lock = threading.Lock()
        self.runs = 0

    @property
    def wakeups(self) -> int:
        """How often the scheduler's thread has woken to look at its jobs (the idle benchmark, tests)."""
        return int(self._scheduler.wakeups)

    def every(
        self, name: str, seconds: float | Callable[[], float], fn: Callable[[], object], *, at_start: bool = True
    ) -> None:
        """Run `fn` every `seconds` (and once at start unless `at_start` is False); replaces a job of that name.
        `seconds` may be a function, asked for each next period."""

        def run() -> None:
            try:
                fn()
            except Exception:  # logged; the next run tries again
                log.exception("%s failed", name)
            finally:
                with self._lock:
                    self.runs += 1

        period = seconds if callable(seconds) else (lambda: float(seconds))
        first = self._now() if at_start and not self._scheduler.running else None
        options: dict[str, Any] = {"id": name, "name": name, "replace_existing": True}
        if first is not None:
            options["next_run_time"] = first
        self._scheduler.add_job(run, _Every(period), **options)

    def run_soon(self, name: str) -> None:
        """Run `name` now (after the function in hand), e.g. told by a NOTIFY that there is something to look
        at; its next period is counted from that run."""
        if self._scheduler.get_job(name) is not None:
            self._scheduler.modify_job(name, next_run_time=self._now())

    def has(self, name: str) -> bool:
        return self._scheduler.get_job(name) is not None

    def remove(self, name: str) -> None:
        if self.has(name):
            self._scheduler.remove_job(name)

    @property
    def running(self) -> bool:
        """Whether the scheduler's thread is alive (after start, until stop)."""
        return bool(self._scheduler.running)

    def next_due_in(self) -> float | None:
        """Seconds until the next planner is due (None: none is)."""
        times: list[datetime] = [job.next_run_time for job in self._scheduler.get_jobs() if job.next_run_time]
        if not times:
            return None
        return float((min(times) - self._now()).total_seconds())

    def start(self) -> None:
        if not self._scheduler.running:
            self._scheduler.start()

    def stop(self, timeout: float = 30) -> None:
        """Stop after the function in hand returns."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def _now(self) -> datetime:
        return datetime.now(self._timezone)
