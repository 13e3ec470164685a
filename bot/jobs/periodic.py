"""The periodic planners (handoffs, digests, reloads, the guide drafts check) on one thread that sleeps
until the next of them is due: an idle process wakes for them only when one runs.

It replaces APScheduler's interval jobs, whose scheduler thread and executor pool woke more often than
the work (each run is handed from the scheduler's thread to a pool thread). Nothing here is durable:
what matters lives in the job table, and these only plan it (DESIGN: every future action is in the store).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


def _monotonic() -> float:
    """The kernel's monotonic clock: tests that freeze or move the bot's clock do not stop the planners."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


@dataclass(frozen=True, slots=True)
class Every:
    """One periodic function: `fn` every `seconds` (a number, or asked after each run), first at start or
    one period after it."""

    name: str
    seconds: float | Callable[[], float]
    fn: Callable[[], object]
    at_start: bool = True

    def period(self) -> float:
        return self.seconds() if callable(self.seconds) else self.seconds


@dataclass(order=True)
class _Entry:
    due: float
    order: int
    job: Every = field(compare=False)


class Periodic:
    """Runs registered functions every so many seconds, one at a time, on one daemon thread.

    Like the APScheduler interval jobs it replaces: runs missed while another ran are coalesced into one
    (the next run is one period after this one ends, never a catch-up burst), a failure is logged and
    the next run tries again, and a function never runs twice at once."""

    def __init__(self, *, monotonic: Callable[[], float] = _monotonic) -> None:
        self._monotonic = monotonic
        self._jobs: dict[str, Every] = {}
        self._queue: list[_Entry] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._soon: list[str] = []  # run_soon: run these next, whatever their due time
        self._thread: threading.Thread | None = None
        self.runs = 0  # functions run, for tests
        self.wakeups = 0  # the thread's start, and each end of a wait (a due time, or every()/stop())

    def every(
        self, name: str, seconds: float | Callable[[], float], fn: Callable[[], object], *, at_start: bool = True
    ) -> None:
        """Run `fn` every `seconds` (and once at start unless `at_start` is False); replaces a job of that name.
        `seconds` may be a function, asked for the next period after each run."""
        with self._cond:
            self._jobs[name] = Every(name, seconds, fn, at_start)
            if self._thread is not None:
                self._schedule(self._jobs[name], self._monotonic())
                self._cond.notify()

    def run_soon(self, name: str) -> None:
        """Run `name` now (on the thread, after the function in hand), e.g. told by a NOTIFY that there is
        something to look at; its periodic runs go on as before."""
        with self._cond:
            if name in self._jobs and name not in self._soon:
                self._soon.append(name)
                self._cond.notify()

    def has(self, name: str) -> bool:
        with self._cond:
            return name in self._jobs

    def remove(self, name: str) -> None:
        """Stop running `name` (its queued run is dropped when it comes up)."""
        with self._cond:
            self._jobs.pop(name, None)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def next_due_in(self) -> float | None:
        """Seconds until the next run (tests: the thread sleeps this long), None with nothing registered."""
        with self._cond:
            live = [entry for entry in self._queue if self._live(entry)]
            return None if not live else max(0.0, min(live).due - self._monotonic())

    def start(self) -> None:
        with self._cond:
            if self._thread is not None:
                return
            self._stopping = False
            now = self._monotonic()
            for job in self._jobs.values():
                self._schedule(job, now)
            self._thread = threading.Thread(target=self._run, name="periodic", daemon=True)
            self._thread.start()

    def _schedule(self, job: Every, now: float) -> None:
        due = now if job.at_start and self._thread is None else now + job.period()
        heapq.heappush(self._queue, _Entry(due, next(self._order), job))

    def _live(self, entry: _Entry) -> bool:
        return self._jobs.get(entry.job.name) is entry.job  # not removed, nor replaced by every()

    def _run(self) -> None:
        with self._cond:
            self.wakeups += 1
        while True:
            with self._cond:
                job = self._next_due()
                if job is None:
                    return
            try:
                job.fn()
            except Exception:  # logged; the next run tries again
                log.exception("%s failed", job.name)
            with self._cond:
                self.runs += 1
                if self._jobs.get(job.name) is job:
                    # Its next run one period from now, whether this one was due or asked for (run_soon).
                    self._queue = [entry for entry in self._queue if entry.job is not job]
                    heapq.heapify(self._queue)
                    heapq.heappush(self._queue, _Entry(self._monotonic() + job.period(), next(self._order), job))

    def _next_due(self) -> Every | None:
        """Under the lock: wait until a job is due and take it off the queue; None once stopping."""
        while not self._stopping:
            while self._soon:
                soon = self._jobs.get(self._soon.pop(0))
                if soon is not None:
                    return soon
            while self._queue and not self._live(self._queue[0]):
                heapq.heappop(self._queue)  # removed or replaced
            if not self._queue:
                self._cond.wait()
                self.wakeups += 1
                continue
            left = self._queue[0].due - self._monotonic()
            if left > 0:
                self._cond.wait(left)
                self.wakeups += 1
                continue
            return heapq.heappop(self._queue).job
        return None

    def stop(self, timeout: float = 30) -> None:
        """Stop after the function in hand returns."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None
        with self._cond:
            self._queue.clear()
