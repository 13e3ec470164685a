"""One pooled Postgres connection kept checked out for a statement a replica runs again and again while
idle (the heartbeat every second, the guide drafts check), in autocommit.

Checking a connection out of the pool costs a round trip of its own (the liveness ping that replaces
pool_pre_ping, bot.store.engine) and a reset when it goes back; for a one-statement read or upsert
every second that doubled the round trips and most of the CPU. A held connection is pinged once, when
it is taken. One that the database dropped meanwhile (a restart, a failover) fails its next statement;
then it is thrown away and the statement runs once more on a freshly checked-out (and pinged) one, as
the ping would have done."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from bot.store.deadline import ConnectionsInUse

log = logging.getLogger(__name__)

T = TypeVar("T")


class HeldConnection:
    """Runs statements on one held autocommit connection; a caller that finds it in use gets a pooled one."""

    def __init__(self, engine: Engine, connections: ConnectionsInUse | None) -> None:
        self.engine = engine
        self.connections = connections
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        self._owner: int | None = None  # the thread the deadline watcher knows the connection under
        self.checkouts = 0  # connections taken from the pool (tests: not one per statement)

    def run(self, fn: Callable[[Connection], T]) -> T:
        """`fn` on the held connection (taken from the pool if there is none), in autocommit."""
        if not self._lock.acquire(blocking=False):  # another thread is using it: do not queue behind it
            with self.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                return fn(conn)
        try:
            for again in (False, True):
                fresh = self._conn is None
                try:
                    return fn(self._take())
                except DBAPIError as exc:
                    self.drop()
                    cut = self.connections is not None and self.connections.was_cut()
                    if fresh or again or not exc.connection_invalidated or cut:
                        raise
                    log.info("a held database connection was dropped; using a new one")
            raise AssertionError("unreachable")
        finally:
            self._lock.release()

    def _take(self) -> Connection:
        me = threading.get_ident()
        if self._conn is None:
            conn = self.engine.connect()  # the checkout event pings it and registers it under this thread
            self.checkouts += 1
            conn.execution_options(isolation_level="AUTOCOMMIT")  # one statement at a time: no BEGIN/COMMIT
            self._conn, self._owner = conn, me
        elif self._owner != me and self.connections is not None:
            # Another thread uses it now: a deadline passing on this thread must be able to cut it.
            dbapi = self._conn.connection.dbapi_connection
            self.connections.checked_in(dbapi)
            self.connections.checked_out(dbapi)
            self._owner = me
        return self._conn

    def drop(self) -> None:
        """Give the connection back (a broken one is discarded by the pool)."""
        conn, self._conn, self._owner = self._conn, None, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def close(self) -> None:
        with self._lock:
            self.drop()
