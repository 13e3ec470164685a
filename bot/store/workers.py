"""Worker heartbeats: which processes are alive, by the database's clock where there is one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.domain.job import JobState
from bot.store.tables import JobRow, WorkerRow

log = logging.getLogger(__name__)


def database_now(session: Session) -> datetime | None:
    """The database's own clock (Postgres `clock_timestamp()`), or None where the process's clock is
    the only one (SQLite: one host, one process)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    value = session.execute(select(func.clock_timestamp())).scalar_one()
    assert isinstance(value, datetime)
    return value


class WorkerRepo:
    """Heartbeat rows inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._dialect = session.get_bind().dialect.name

    def _now(self, now: datetime) -> Any:
        """`now()` on Postgres (the one clock every replica shares), else the caller's clock."""
        return func.now() if self._dialect == "postgresql" else now

    def beat(self, *, worker: str, host: str, pid: int, started_at: datetime, now: datetime) -> None:
        """Say this worker is alive (insert its row the first time)."""
        insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        seen = self._now(now)
        statement = insert(WorkerRow).values(id=worker, host=host, pid=pid, started_at=started_at, last_seen_at=seen)
        self._session.execute(statement.on_conflict_do_update(index_elements=["id"], set_={"last_seen_at": seen}))

    def forget(self, worker: str) -> None:
        """A worker that stopped cleanly removes its row (its claims were handed back)."""
        self._session.execute(delete(WorkerRow).where(WorkerRow.id == worker))

    def take_over_dead(
        self, *, me: str, host: str, pid: int, stale_after: timedelta, now: datetime, alive: Callable[[int], bool]
    ) -> list[tuple[int, str, str]]:
        """Release the running jobs of workers that are gone: on this host a process whose pid is dead
        (or is ours, so it is a predecessor), anywhere a heartbeat older than `stale_after`. Returns
        (job id, key, previous worker) for each job put back to pending; the dead rows are removed."""
        rows = self._session.execute(
            select(WorkerRow.id, WorkerRow.host, WorkerRow.pid, WorkerRow.last_seen_at < self._now(now) - stale_after)
        ).all()
        dead = [
            worker_id
            for worker_id, worker_host, worker_pid, stale in rows
            if worker_id != me and (stale or (worker_host == host and (worker_pid == pid or not alive(worker_pid))))
        ]
        if not dead:
            return []
        released = self._session.execute(
            update(JobRow)
            .where(and_(JobRow.state == JobState.RUNNING.value, JobRow.claimed_by.in_(dead)))
            .values(state=JobState.PENDING.value, lease_until=None)
            .returning(JobRow.id, JobRow.key, JobRow.claimed_by)
        ).all()
        self._session.execute(delete(WorkerRow).where(WorkerRow.id.in_(dead)))
        return [(job_id, key, owner) for job_id, key, owner in released]

    def first_started_at(self) -> datetime | None:
        """When the earliest worker still on record started."""
        value = self._session.execute(select(func.min(WorkerRow.started_at))).scalar_one_or_none()
        return value if isinstance(value, datetime) else None

    def alive(self, *, stale_after: timedelta, now: datetime) -> list[str]:
        return list(
            self._session.execute(
                select(WorkerRow.id).where(WorkerRow.last_seen_at >= self._now(now) - stale_after)
            ).scalars()
        )
