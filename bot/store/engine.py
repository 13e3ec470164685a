"""Engines for SQLite (WAL, busy timeout, foreign keys, BEGIN IMMEDIATE) and Postgres."""

from __future__ import annotations

import contextlib
import sqlite3
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError

from bot.clock import monotonic
from bot.store import audit, calendar_feeds, commit_deadline, job_signal, overrides, tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.store.deadline import ConnectionsInUse, DeadlinePassed

# A person waits on every write behind a Slack request, and Slack gives up after 3 s: a locked or
# unreachable database must fail within that, so the person is told to try again rather than time out.
SQLITE_BUSY_TIMEOUT_MS = 1500  # another process holds the write lock (see Store's lock wait for this one's)
SQLITE_LOCK_POLL_MAX_S = 0.005  # the longest pause between two asks for the write lock held elsewhere
POSTGRES_CONNECT_TIMEOUT_S = 2  # libpq's smallest; a blackholed server fails in 2 s, a refused one at once
POSTGRES_STATEMENT_TIMEOUT_MS = 10_000  # no query of ours takes a second; background work waits up to 15 s
POSTGRES_LOCK_TIMEOUT_MS = 3_000
POSTGRES_IDLE_IN_TRANSACTION_MS = 10_000  # a client that vanished mid-transaction releases its locks
# A connection back in the pool from a transaction that worked less than this ago is not pinged on its
# next checkout (HikariCP's aliveBypassWindowMs, 500 ms by default, does the same): under load every
# transaction would otherwise pay one more round trip. A database that went away in that window fails
# that one transaction (answered "try again"); the connection is then pinged or replaced.
PING_BYPASS_S = 0.5
_LAST_USED = "bot_last_used"
_FAILED = "bot_failed"


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
        if immediate:
            # A writer waits for the write lock in _begin_immediate's short steps, not in the busy handler;
            # once BEGIN IMMEDIATE holds it, nothing else in a WAL write transaction waits for a lock.
            cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Readers begin deferred: in WAL mode they never wait for the writer.
        if immediate:
            _begin_immediate(connection)
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def _begin_immediate(connection: Any) -> None:
    """BEGIN IMMEDIATE, waiting up to SQLITE_BUSY_TIMEOUT_MS while another process holds SQLite's write
    lock. SQLite's own busy handler sleeps in steps that grow to 100 ms, so a writer behind another
    process's short transaction could lose up to 100 ms a step (a web and a worker process sharing a file); here
    the lock is asked for again after 0.5 ms, doubling to at most 5 ms between tries. Writers of this
    process queue before this in Store's WriterTurns, so only cross-process waits poll."""
    _until_the_write_lock(lambda: connection.exec_driver_sql("BEGIN IMMEDIATE"))


def begin_immediate_on(connection: sqlite3.Connection) -> None:
    """_begin_immediate on a plain sqlite3 connection whose busy timeout is 0 (Store's watch connection,
    which the heartbeat writes on): the same short steps while another process holds the write lock."""
    _until_the_write_lock(lambda: connection.execute("BEGIN IMMEDIATE"))


def _until_the_write_lock(begin: Callable[[], object]) -> None:
    """Run `begin` (a BEGIN IMMEDIATE) until it gets SQLite's write lock: after 0.5 ms, doubling to at
    most SQLITE_LOCK_POLL_MAX_S between tries, for at most SQLITE_BUSY_TIMEOUT_MS; then its error."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.0005
    while True:
        try:
            begin()
            return
        except (OperationalError, sqlite3.OperationalError) as exc:
            if not _locked(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, SQLITE_LOCK_POLL_MAX_S)


def _locked(exc: OperationalError | sqlite3.OperationalError) -> bool:
    """SQLite said another connection holds the lock (SQLITE_BUSY: "database is locked"), through
    SQLAlchemy or from a plain sqlite3 connection."""
    error = exc.orig if isinstance(exc, OperationalError) else exc
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


def build_engine(url: str, *, immediate: bool = True) -> Engine:
    """An engine for `url`; SQLite gets WAL and (for writers) immediate transactions, Postgres a pool."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, immediate=immediate)
    return _postgres_engine(url)


_IN_USE: weakref.WeakKeyDictionary[Engine, ConnectionsInUse] = weakref.WeakKeyDictionary()


def connections_in_use(engine: Engine) -> ConnectionsInUse | None:
    """The connections each thread holds on a Postgres engine built here (for client-side deadlines)."""
    return _IN_USE.get(engine)


def postgres_connect_args(url: str) -> dict[str, Any]:
    """Every Postgres connection fails fast instead of hanging: server-side timeouts (a statement, a
    lock wait, a transaction left open by a client that went away) and TCP keepalives plus a TCP user
    timeout (a peer that vanished). A network that holds bytes is cut by the client-side deadline
    (bot/store/deadline.py); the server's commit deadline (migration 0005) refuses a late COMMIT."""
    options = " ".join(
        f"-c {name}={value}"
        for name, value in (
            ("statement_timeout", POSTGRES_STATEMENT_TIMEOUT_MS),
            ("lock_timeout", POSTGRES_LOCK_TIMEOUT_MS),
            ("idle_in_transaction_session_timeout", POSTGRES_IDLE_IN_TRANSACTION_MS),
        )
    )
    given = make_url(url).query.get("options")  # e.g. a search_path; kept, ours appended
    if given:
        options = f"{given if isinstance(given, str) else ' '.join(given)} {options}"
    return {
        "connect_timeout": POSTGRES_CONNECT_TIMEOUT_S,
        "options": options,
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": 10_000,  # ms: unacknowledged data for 10 s ends the connection
    }


def _postgres_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_timeout=2,
        connect_args=postgres_connect_args(url),
        hide_parameters=True,  # logs and tracebacks never carry case content
    )
    connections = _IN_USE[engine] = ConnectionsInUse()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # Known to the deadline watcher before the ping, so a ping that hangs is cut too. The ping
        # replaces pool_pre_ping: a connection the database dropped (restart, failover) is replaced.
        connections.checked_out(dbapi_connection)
        if monotonic() - record.info.get(_LAST_USED, -PING_BYPASS_S) < PING_BYPASS_S:
            return  # back in the pool just now after a transaction that worked: no round trip to ask
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            connections.checked_in(dbapi_connection)
            if connections.was_cut():  # out of time: no second connection (libpq's connect takes 2 s)
                raise DeadlinePassed("the database did not answer within this transaction's time") from exc
            raise DisconnectionError(f"stale connection: {type(exc).__name__}") from exc

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        connections.checked_in(dbapi_connection)
        if record is not None:
            # Back from a transaction that worked: its next checkout within PING_BYPASS_S skips the ping.
            # One that failed (handle_error, just before this) is asked again, however recent.
            if record.info.pop(_FAILED, False):
                record.info.pop(_LAST_USED, None)
            else:
                record.info[_LAST_USED] = monotonic()

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        # A connection that just failed is asked again before its next use, however recently it worked
        # (marked here; its checkin, which follows, then forgets when it last worked).
        connection = context.connection
        if connection is not None and not connection.invalidated:
            with contextlib.suppress(Exception):
                connection.connection.info[_FAILED] = True

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(dbapi_connection: Any, _record: Any, _exc: Any) -> None:
        connections.checked_in(dbapi_connection)

    return engine


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
