"""Postgres tells job runners that work arrived: a job that becomes pending sends `NOTIFY bot_jobs` at
commit, from whichever process wrote it (a web process, another replica, `db` tools), and each runner
LISTENs on a connection of its own (and on `bot_guides`, for approved guide drafts). Notifications with
the same payload in one transaction arrive once, so a burst of inserts is one wake-up. SQLite has no such
signal: its runners wake on their own process's kick, on the next due time, and on the ticker's fallback
interval.
"""

from __future__ import annotations

import logging
import select
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url

from bot.store.tables import JobRow

log = logging.getLogger(__name__)

CHANNEL = "bot_jobs"
# An approved guide draft (GuideRepo.approve sends it in its transaction): the listener counts these, so
# the guide drafts check reads the store only after one (Store.version).
GUIDES_CHANNEL = "bot_guides"

FUNCTION = f"""
CREATE OR REPLACE FUNCTION bot_jobs_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('{CHANNEL}', '');
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""

# Pending rows only: a claim (state running) or a completion wakes nobody.
TRIGGER = (
    "CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OF state, due_at ON jobs "
    "FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION bot_jobs_notify()"
)


def install(conn: Any) -> None:
    """Create the function and the trigger (migration 0008, and a first start on Postgres)."""
    conn.exec_driver_sql(FUNCTION)
    conn.exec_driver_sql(TRIGGER)


def uninstall(conn: Any) -> None:
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS jobs_notify ON jobs")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS bot_jobs_notify()")


def _after_create(_target: Any, connection: Any, **_: Any) -> None:
    if connection.dialect.name == "postgresql":
        install(connection)


event.listen(JobRow.__table__, "after_create", _after_create)


class JobListener:
    """LISTENs for new pending jobs on its own connection and thread, and calls `wake` for each
    notification. When it loses its connection it calls `wake` (the runner goes back to its short
    fallback interval while `connected` is clear); it reconnects (with a growing pause) and calls `wake`
    once more, as something may have arrived while it was away."""

    def __init__(self, url: str, wake: Callable[[], None], *, timeout: float = 5.0) -> None:
        parsed = make_url(url).set(drivername="postgresql")  # the engine's URL, for psycopg itself
        self._dsn = parsed.render_as_string(hide_password=False)
        self._wake = wake
        self._timeout = timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()
        # Guide approvals heard (and connections made: one may have been missed while away).
        self._guides_heard = 0
        # Called on the listener's thread when guides_version() changes or turns None (an approval heard,
        # connected, disconnected): the wiring runs the guide drafts check then.
        self.on_guides: Callable[[], None] | None = None

    def guides_version(self) -> int | None:
        """A number that changes when another replica approves a guide draft; None while not connected
        (then nothing is heard: the caller reads)."""
        return self._guides_heard if self.connected.is_set() else None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="job-listener", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psycopg  # only a Postgres deployment pays for importing the driver here

        pause, first = 0.5, True
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    conn.execute(f"LISTEN {GUIDES_CHANNEL}")
                    row = conn.execute("SELECT current_schema()").fetchone()
                    schema = row[0] if row is not None else None
                    self._guides_heard += 1  # whatever was approved while not listening: read once
                    self.connected.set()
                    self._guides_changed()
                    if not first:
                        log.info("job listener connected again")
                        self._wake()
                    first, pause = False, 0.5
                    while not self._stop.is_set():
                        # Whatever has arrived (psycopg keeps what came in during LISTEN itself), then
                        # sleep on the socket: psycopg's own wait (notifies with a timeout) wakes every
                        # 0.1 s. After `timeout` with nothing: only to notice stop(), no query is sent.
                        for notice in conn.notifies(timeout=0):
                            if notice.channel == GUIDES_CHANNEL:
                                if notice.payload == schema:  # this deployment's only
                                    self._guides_heard += 1
                                    self._guides_changed()
                            else:
                                self._wake()
                        select.select([conn.fileno()], [], [], self._timeout)
            except psycopg.Error as exc:
                was_connected = self.connected.is_set()
                self.connected.clear()
                if self._stop.is_set():
                    break
                if was_connected:
                    self._wake()  # the runner goes back to its short fallback interval until we are back
                    self._guides_changed()  # and the drafts check to reading every 2 s
                log.warning("job listener lost its connection (%s); the fallback covers it", type(exc).__name__)
                self._stop.wait(pause)
                pause = min(pause * 2, 30.0)
                first = False

    def _guides_changed(self) -> None:
        if self.on_guides is not None:
            self.on_guides()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._timeout + 1)
