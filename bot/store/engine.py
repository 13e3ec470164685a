"""Engines for SQLite (WAL, busy timeout, foreign keys, BEGIN IMMEDIATE) and Postgres."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from bot.store import audit, calendar_feeds, overrides, tables  # noqa: F401  (registers the tables on SQLModel.metadata)

# A person waits on every write behind a Slack request, and Slack gives up after 3 s: a locked or
# unreachable database must fail within that, so the person is told to try again rather than time out.
SQLITE_BUSY_TIMEOUT_MS = 1500  # another process holds the write lock (see Store's lock wait for this one's)
POSTGRES_CONNECT_TIMEOUT_S = 2  # libpq's smallest; a blackholed server fails in 2 s, a refused one at once


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// as given by hosting providers; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    path = url.removeprefix("sqlite:///")
    if path and ":memory:" not in path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=8,
        max_overflow=8,
        hide_parameters=True,  # logs and tracebacks never carry case content
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN IMMEDIATE instead of pysqlite's deferred BEGIN:
        # a writer takes the lock up front, so two writers queue instead of failing mid-transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Readers begin deferred: in WAL mode they never wait for the writer.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def build_engine(url: str, *, immediate: bool = True) -> Engine:
    """An engine for `url`; SQLite gets WAL and (for writers) immediate transactions, Postgres a pool."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, immediate=immediate)
    return create_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,  # a connection the database dropped (restart, failover) is replaced, not used
        pool_timeout=2,
        connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S},
        hide_parameters=True,  # logs and tracebacks never carry case content
    )


def database_answers(url: str, *, timeout_seconds: int = 3) -> str | None:
    """None if the database at `url` answers a query, else why not (for tests, benches, readiness)."""
    url = normalise_url(url)
    connect_args = {"connect_timeout": timeout_seconds} if url.startswith("postgresql") else {}
    try:
        engine = create_engine(url, connect_args=connect_args, hide_parameters=True)
        with engine.connect() as conn:
            conn.exec_driver_sql("select 1")
        engine.dispose()
    except Exception as exc:  # any failure means "not reachable" here; the caller says so
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None
