"""Client-side deadlines for Postgres: a transaction that has not finished in its time has its
connection's socket shut down, so the waiting thread gets an error at once instead of hanging on a
network that holds its bytes (a firewall DROP, a stalled proxy). TCP keepalives and the server's
timeouts cannot see such a hang: the server never received the statement."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

from bot.clock import monotonic

log = logging.getLogger(__name__)


class DeadlinePassed(Exception):
    """A transaction ran out of its time; its connection was cut (the caller says "try again")."""


class ConnectionsInUse:
    """Which DBAPI connections each thread holds now (from the pool's checkout/checkin events)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_thread: dict[int, list[Any]] = {}
        self._cut: set[int] = set()  # threads whose deadline passed while their transaction ran

    def mark_cut(self, thread: int, cut: bool) -> None:
        with self._lock:
            (self._cut.add if cut else self._cut.discard)(thread)

    def was_cut(self) -> bool:
        """Whether this thread's deadline has passed (a checkout must not retry on a new connection)."""
        with self._lock:
            return threading.get_ident() in self._cut

    def checked_out(self, dbapi_connection: Any) -> None:
        with self._lock:
            self._by_thread.setdefault(threading.get_ident(), []).append(dbapi_connection)

    def checked_in(self, dbapi_connection: Any) -> None:
        with self._lock:
            for thread, held in list(self._by_thread.items()):
                if dbapi_connection in held:
                    held.remove(dbapi_connection)
                    if not held:
                        del self._by_thread[thread]

    def of(self, thread: int) -> list[Any]:
        with self._lock:
            return list(self._by_thread.get(thread, []))


def shut_down(dbapi_connection: Any) -> None:
    """Shut the connection's socket down under psycopg: its blocked read returns, the connection is
    broken (SQLAlchemy throws it away) and the transaction is rolled back on the server when the
    connection's end reaches it."""
    fd = dbapi_connection.pgconn.socket
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fd)) as sock:
        sock.shutdown(socket.SHUT_RDWR)


class Deadlines:
    """One watcher thread for every open deadline (no thread per transaction)."""

    def __init__(self, connections: ConnectionsInUse) -> None:
        self.connections = connections
        self._heap: list[tuple[float, int, int]] = []
        self._live: set[int] = set()
        self._ids = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self.expired = 0

    @contextlib.contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        """Run the block with this thread's connections cut if it is still running after `seconds`."""
        token = next(self._ids)
        at = monotonic() + seconds
        with self._cond:
            # The watcher sleeps until the earliest deadline: only one sooner than that needs to wake it
            # (each transaction waking it would be a wake-up per transaction, e.g. every heartbeat).
            sooner = not self._heap or at < self._heap[0][0]
            heapq.heappush(self._heap, (at, token, threading.get_ident()))
            self._live.add(token)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="db-deadlines", daemon=True)
                self._thread.start()
            if sooner:
                self._cond.notify()
        try:
            yield
        finally:
            with self._cond:
                self._live.discard(token)
                self.connections.mark_cut(threading.get_ident(), False)

    def _watch(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][1] not in self._live:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                at, token, thread = self._heap[0]
                wait = at - monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                self._live.discard(token)
                # Under the lock: the thread cannot leave `within` (and start another transaction on
                # another connection) while its connections are being cut.
                held = self.connections.of(thread)
                self.connections.mark_cut(thread, True)
                if held:
                    self.expired += 1
                    log.warning("database deadline passed: cutting %d connection(s) of a waiting thread", len(held))
                for connection in held:
                    try:
                        shut_down(connection)
                    except Exception:  # a connection already closed: nothing to cut
                        log.debug("could not shut a connection down", exc_info=True)
