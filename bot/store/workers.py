"""Worker heartbeats: which processes are alive, by the database's clock where there is one."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Integer, Interval, String, and_, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.domain.job import JobState
from bot.store.tables import JobRow, UTCDateTime, WorkerRow

log = logging.getLogger(__name__)


# Another worker as the heartbeat sees it: (id, host, pid, whether its last beat is older than stale_after).
Seen = tuple[str, str, int, bool]


_WORKERS = WorkerRow.__table__
_ME, _HOST, _PID, _STARTED, _NOW, _CUTOFF = (
    bindparam("me", type_=String()),
    bindparam("host", type_=String()),
    bindparam("pid", type_=Integer()),
    bindparam("started_at", type_=UTCDateTime()),
    bindparam("now", type_=UTCDateTime()),
    bindparam("cutoff", type_=UTCDateTime()),
)
_STALE_AFTER = bindparam("stale_after", type_=Interval())


def _upsert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    seen: Any = func.now() if dialect == "postgresql" else _NOW
    statement = insert(_WORKERS).values(id=_ME, host=_HOST, pid=_PID, started_at=_STARTED, last_seen_at=seen)
    upsert = statement.on_conflict_do_update(index_elements=["id"], set_={"last_seen_at": seen})
    return upsert.returning(func.clock_timestamp()) if dialect == "postgresql" else upsert


def _others(dialect: str) -> Any:
    cutoff: Any = func.now() - _STALE_AFTER if dialect == "postgresql" else _CUTOFF
    c = _WORKERS.c
    return select(c.id, c.host, c.pid, c.last_seen_at < cutoff).where(c.id != _ME)


# Built once: the heartbeat runs them every second, and building a statement costs more than running it.
_BEAT = {name: (_upsert(name), _others(name)) for name in ("sqlite", "postgresql")}


def say_alive(
    conn: Connection, *, worker: str, host: str, pid: int, started_at: datetime, now: datetime
) -> datetime | None:
    """The beat itself, one Core statement (no ORM session: it runs every second on every worker):
    insert or refresh this worker's row. On Postgres the same statement returns the database's clock
    (`clock_timestamp()`), so measuring the clock offset costs no second round trip; None on SQLite."""
    upsert, _ = _BEAT[conn.dialect.name]
    result = conn.execute(upsert, {"me": worker, "host": host, "pid": pid, "started_at": started_at, "now": now})
    if conn.dialect.name != "postgresql":
        return None
    value = result.scalar_one()
    assert isinstance(value, datetime)
    return value


def others_seen(conn: Connection, *, me: str, stale_after: timedelta, now: datetime) -> list[Seen]:
    """Every other worker's row, with whether it is stale (the heartbeat decides who is dead from these;
    a small table, one indexed read)."""
    _, others = _BEAT[conn.dialect.name]
    rows = conn.execute(others, {"me": me, "cutoff": now - stale_after, "stale_after": stale_after}).all()
    return [(worker_id, host, pid, bool(stale)) for worker_id, host, pid, stale in rows]


_SQLITE_UPSERT = (
    "INSERT INTO workers (id, host, pid, started_at, last_seen_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at"
)
_SQLITE_OTHERS = "SELECT id, host, pid, last_seen_at < ? FROM workers WHERE id != ?"
# The text SQLAlchemy stores a time as on SQLite ("2026-12-04 19:03:19.674897", UTC), so rows written
# here compare and read back like every other.
_SQLITE_TIME = UTCDateTime().dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())


def beat_on_sqlite(
    connection: sqlite3.Connection,
    *,
    worker: str,
    host: str,
    pid: int,
    started_at: datetime,
    now: datetime,
    stale_after: timedelta,
) -> list[Seen]:
    """say_alive and others_seen on SQLite, as plain SQL on a plain connection (in autocommit mode): a
    beat costs a few sqlite3 calls, not a SQLAlchemy execution per statement."""
    assert _SQLITE_TIME is not None
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute(_SQLITE_UPSERT, (worker, host, pid, _SQLITE_TIME(started_at), _SQLITE_TIME(now)))
        rows = connection.execute(_SQLITE_OTHERS, (_SQLITE_TIME(now - stale_after), worker)).fetchall()
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return [(worker_id, on_host, int(its_pid), bool(stale)) for worker_id, on_host, its_pid, stale in rows]


def is_dead(seen: Seen, *, me: str, host: str, pid: int, alive: Callable[[int], bool]) -> bool:
    """Gone: its beat is stale, or it ran on this host and its pid is dead (or is ours: a predecessor)."""
    worker_id, worker_host, worker_pid, stale = seen
    return worker_id != me and (stale or (worker_host == host and (worker_pid == pid or not alive(worker_pid))))


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
            if is_dead((worker_id, worker_host, worker_pid, bool(stale)), me=me, host=host, pid=pid, alive=alive)
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
