"""A durable job as the runner sees it: one future action with a unique key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class JobState(StrEnum):
    """Life of a job row."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed job; `attempt` is the fence token of this claim."""

    id: int
    kind: str
    key: str
    due_at: datetime
    attempt: int
    max_attempts: int
    case_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    claimed_by: str | None = None

    @property
    def is_last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts


def jittered(delay: timedelta, *, spread: float, draw: Callable[[], float]) -> timedelta:
    """`delay` shortened by up to `spread` of itself (`draw()` is uniform in [0, 1)): jobs that failed
    together (a Slack outage) come back spread out instead of in one burst, never later than planned."""
    return delay * (1 - spread * draw())


def backoff(
    attempt: int, *, base: timedelta = timedelta(seconds=2), cap: timedelta = timedelta(minutes=5)
) -> timedelta:
    """Exponential backoff after the given failed attempt (1-based): 2 s, 4 s, 8 s … capped."""
    return min(cap, base * (1 << min(20, max(0, attempt - 1))))


@dataclass(frozen=True, slots=True)
class Backlog:
    """The job table at a glance, for the auditor and the metrics: what waits, and how late."""

    pending: int
    overdue: int  # pending and due more than the auditor's threshold ago, or claimed with an expired lease
    oldest_id: int | None = None
    oldest_kind: str | None = None
    oldest_case_id: int | None = None
    oldest_due_at: datetime | None = None

    def lateness(self, now: datetime) -> timedelta:
        """How late the oldest pending job is at `now` (zero when nothing is late)."""
        if self.oldest_due_at is None:
            return timedelta(0)
        return max(timedelta(0), now - self.oldest_due_at)


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job to add (JobRepo.enqueue_many): the arguments of `enqueue`."""

    kind: str
    key: str
    due_at: datetime
    case_id: int | None = None
    payload: dict[str, Any] | None = None
    max_attempts: int = 8
