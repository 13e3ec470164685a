"""Worker heartbeats: which processes are alive, by the database's clock where there is one."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from bot.domain.job import JobState
from bot.store.engine import begin_immediate_on
from bot.store.tables import JobRow, UTCDateTime, WorkerRow

log = logging.getLogger(__name__)


# Another worker as the heartbeat sees it: (id, host, pid, whether its last beat is older than stale_after).
Seen = tuple[str, str, int, bool]


# The heartbeat's statement on Postgres, in the driver's own placeholders: it runs every second on every
# worker, straight on psycopg (prepared on the server once per connection), as SQLite's beat runs straight
# on sqlite3. Through SQLAlchemy's execution the same round trip cost about half as much CPU again.
_POSTGRES_BEAT = """
    WITH beat AS (
        INSERT INTO workers (id, host, pid, started_at, last_seen_at)
        VALUES (%(me)s, %(host)s, %(pid)s, %(started_at)s, now())
        ON CONFLICT (id) DO UPDATE SET last_seen_at = now()
        RETURNING id
    )
    SELECT clock_timestamp() AS at, NULL AS id, NULL AS host, NULL AS pid, NULL AS stale FROM beat
    UNION ALL
    SELECT NULL, w.id, w.host, w.pid, w.last_seen_at < now() - %(stale_after)s FROM workers AS w WHERE w.id <> %(me)s
"""


def beat_on_postgres(
    conn: Connection, *, worker: str, host: str, pid: int, started_at: datetime, stale_after: timedelta
) -> tuple[datetime, list[Seen]]:
    """The beat (this worker's row inserted or refreshed) and a look at the other workers, on Postgres in
    one statement (run it in autocommit: one round trip, no BEGIN and COMMIT); returns the database's clock
    (`clock_timestamp()`, for the offset) and the other workers. A driver error comes out as SQLAlchemy's
    (a broken connection invalidated), as from any other statement."""
    driver = conn.connection.dbapi_connection
    assert driver is not None
    values = {
        "me": worker,
        "host": host,
        "pid": pid,
        "started_at": started_at.astimezone(UTC),
        "stale_after": stale_after,
    }
    try:
        rows = driver.execute(_POSTGRES_BEAT, values, prepare=True).fetchall()
    except conn.dialect.loaded_dbapi.Error as exc:
        broken = bool(getattr(driver, "broken", False) or getattr(driver, "closed", False))
        if broken:
            conn.invalidate(exc)
        raise DBAPIError.instance(
            "heartbeat", None, exc, conn.dialect.loaded_dbapi.Error, hide_parameters=True,
            connection_invalidated=broken, dialect=conn.dialect,
        ) from exc  # fmt: skip
    [at] = [row[0] for row in rows if row[1] is None]
    assert isinstance(at, datetime)
    return at.astimezone(UTC), [(row[1], row[2], int(row[3]), bool(row[4])) for row in rows if row[1] is not None]


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
    """The beat and a look at the other workers on SQLite, as plain SQL on a plain connection (in autocommit mode): a
    beat costs a few sqlite3 calls, not a SQLAlchemy execution per statement."""
    assert _SQLITE_TIME is not None
    begin_immediate_on(connection)
    try:
        connection.execute(_SQLITE_UPSERT, (worker, host, pid, _SQLITE_TIME(started_at), _SQLITE_TIME(now)))
        rows = connection.execute(_SQLITE_OTHERS, (_SQLITE_TIME(now - stale_after), worker)).fetchall()
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return [(worker_id, on_host, int(its_pid), bool(stale)) for worker_id, on_host, its_pid, stale in rows]


def is_dead(
    seen: Seen,
    *,
    me: str,
    host: str,
    pid: int,
    alive: Callable[[int], bool],
    siblings: Collection[str] = (),
) -> bool:
    """Gone: its beat is stale, or it ran on this host and its pid is dead, or is ours while it is not
    one of this process's own workers (`siblings`): a predecessor that had our pid (a restarted
    container's pid 1). Several workers in one process (replicas in one test process) share the pid and
    are alive."""
    worker_id, worker_host, worker_pid, stale = seen
    if worker_id == me:
        return False
    if stale:
        return True
    if worker_host != host:
        return False
    if worker_pid == pid:
        return worker_id not in siblings
    return not alive(worker_pid)


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
        insert: Any = sqlite.insert
        if self._dialect == "postgresql":
            from sqlalchemy.dialects import postgresql  # a SQLite process does not import Postgres's dialect

            insert = postgresql.insert
        seen = self._now(now)
        statement = insert(WorkerRow).values(id=worker, host=host, pid=pid, started_at=started_at, last_seen_at=seen)
        self._session.execute(statement.on_conflict_do_update(index_elements=["id"], set_={"last_seen_at": seen}))

    def others(self, *, me: str, stale_after: timedelta, now: datetime) -> list[Seen]:
        """Every other worker's row, with whether it is stale (what the heartbeat decides who is dead from)."""
        rows = self._session.execute(
            select(
                WorkerRow.id, WorkerRow.host, WorkerRow.pid, WorkerRow.last_seen_at < self._now(now) - stale_after
            ).where(WorkerRow.id != me)
        ).all()
        return [(worker_id, host, int(pid), bool(stale)) for worker_id, host, pid, stale in rows]

    def forget(self, worker: str) -> None:
        """A worker that stopped cleanly removes its row (its claims were handed back)."""
        self._session.execute(delete(WorkerRow).where(WorkerRow.id == worker))

    def take_over_dead(
        self,
        *,
        me: str,
        host: str,
        pid: int,
        stale_after: timedelta,
        now: datetime,
        alive: Callable[[int], bool],
        siblings: Collection[str] = (),
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
            if is_dead(
                (worker_id, worker_host, worker_pid, bool(stale)),
                me=me,
                host=host,
                pid=pid,
                alive=alive,
                siblings=siblings,
            )
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
