"""The unit of work: one transaction, with the repositories bound to it."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine, delete, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from bot.store.audit import AuditRepo
from bot.store.calendar_feeds import CalendarFeedRepo
from bot.store.cases import CaseRepo
from bot.store.engine import build_engine
from bot.store.guides import GuideRepo
from bot.store.jobs import JobRepo
from bot.store.migrate import SchemaState, StoreUnavailable, prepare, schema_state
from bot.store.overrides import OverrideRepo
from bot.store.tables import RequestKeyRow

__all__ = ["Store", "StoreUnavailable", "Tx"]


class Conflict(Exception):
    """A unique key was taken by a concurrent transaction (rolled back): read what won and go on."""


def _constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return f"unique key {name} taken" if name else "a unique key was taken"


class Tx:
    """Repositories sharing one session; committed when the `with` block ends cleanly."""

    def __init__(self, session: Session, *, prefix: str) -> None:
        self.session = session
        self.cases = CaseRepo(session, prefix=prefix)
        self.jobs = JobRepo(session)
        self.overrides = OverrideRepo(session)
        self.calendar_feeds = CalendarFeedRepo(session)
        self.audit = AuditRepo(session)
        self.guides = GuideRepo(session)

    def lock(self, name: str) -> None:
        """Hold a lock named `name` until this transaction ends, across processes and replicas.

        Postgres: a transaction-level advisory lock. SQLite: nothing to do, as every write transaction
        begins IMMEDIATE and so already runs alone."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
        self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def first_time(self, key: str, *, now: datetime) -> bool:
        """Record a Slack delivery key; False if it was seen before (a retry or a double click)."""
        if self.session.get(RequestKeyRow, key) is not None:
            return False
        try:
            with self.session.begin_nested():
                self.session.add(RequestKeyRow(key=key, seen_at=now))
        except IntegrityError:
            return False
        return True

    def forget_request_keys(self, *, before: datetime) -> int:
        result = self.session.execute(delete(RequestKeyRow).where(RequestKeyRow.seen_at < before))
        return int(result.rowcount)


# With SQLITE_BUSY_TIMEOUT_MS this bounds a write behind a Slack request at 2.5 s, inside Slack's 3 s.
WRITE_LOCK_WAIT_S = 1.0
# The job runner waits longer: nobody is waiting on its answer, and giving up after a send (to
# record it) would leave the job to be sent again when its lease runs out.
PATIENT_WRITE_LOCK_WAIT_S = 15.0


class Store:
    """Opens transactions: writes through one engine, reads (on SQLite) through a deferred one."""

    def __init__(self, engine: Engine, *, prefix: str = "ADS", read_engine: Engine | None = None) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine
        self.prefix = prefix
        # SQLite has one writer at a time. Queue this process's writers on a lock instead of in
        # SQLite's busy handler, which sleeps in steps of up to 100 ms; other processes still wait
        # in the busy handler.
        self._write_lock: threading.Lock | None = threading.Lock() if engine.dialect.name == "sqlite" else None

    @classmethod
    def open(cls, url: str, *, prefix: str = "ADS") -> Store:
        """Connect; create an empty database, or refuse one whose schema is not this release's.

        Raises SchemaMismatch (from bot.store.migrate) with what to do, e.g. run `escalation-bot db upgrade`.
        """
        engine = build_engine(url)
        try:
            prepare(engine)  # raises SchemaMismatch or StoreUnavailable
        except Exception:
            engine.dispose()
            raise
        reader = build_engine(url, immediate=False) if engine.dialect.name == "sqlite" else None
        return cls(engine, prefix=prefix, read_engine=reader)

    @contextmanager
    def _session(self, engine: Engine) -> Iterator[Tx]:
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                yield Tx(session, prefix=self.prefix)
        except OperationalError as exc:
            raise StoreUnavailable(str(exc.orig) if exc.orig else str(exc)) from exc
        except IntegrityError as exc:
            # Only the constraint's name travels on: the statement and its values are case content.
            raise Conflict(_constraint(exc)) from None

    @contextmanager
    def transaction(self, *, patient: bool = False) -> Iterator[Tx]:
        """A read-write transaction, committed when the block ends cleanly. `patient` (background
        work, no person waiting) waits longer for SQLite's one writer."""
        with (
            self._writer(PATIENT_WRITE_LOCK_WAIT_S if patient else WRITE_LOCK_WAIT_S),
            self._session(self.engine) as tx,
        ):
            yield tx

    @contextmanager
    def _writer(self, wait: float) -> Iterator[None]:
        """This process's turn to write on SQLite, waited for at most `wait` seconds."""
        if self._write_lock is None:
            yield
            return
        if not self._write_lock.acquire(timeout=wait):
            raise StoreUnavailable(f"the database is busy: no turn to write within {wait} s")
        try:
            yield
        finally:
            self._write_lock.release()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read-only snapshot that never waits for writers (do not write in it)."""
        with self._session(self.read_engine) as tx:
            yield tx

    def schema(self) -> SchemaState:
        """Where the database's schema stands now (readiness: reachable, and still this release's)."""
        return schema_state(self.read_engine)

    def close(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
