"""The unit of work: one transaction, with the repositories bound to it."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, String, bindparam, delete, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, InternalError, OperationalError
from sqlmodel import Session

from bot.domain.case import Case
from bot.domain.job import Backlog, Job
from bot.store.audit import AuditRepo
from bot.store.calendar_feeds import CalendarFeedRepo
from bot.store.cases import CaseRepo
from bot.store.chart_files import ChartFileRepo
from bot.store.commit_deadline import SETTING as COMMIT_DEADLINE
from bot.store.deadline import DeadlinePassed, Deadlines
from bot.store.engine import build_engine, connections_in_use
from bot.store.guides import GuideRepo, approved_generation
from bot.store.held import HeldConnection
from bot.store.job_signal import JobListener
from bot.store.jobs import JobRepo, read_backlog
from bot.store.migrate import SchemaState, StoreUnavailable, prepare, schema_state
from bot.store.overrides import OverrideRepo
from bot.store.tables import RequestKeyRow
from bot.store.workers import Seen, WorkerRepo, beat_on_postgres, beat_on_sqlite

__all__ = ["Store", "StoreUnavailable", "Tx"]

# The ack path's commit deadline, local to its transaction (built once, bound per call).
_SET_COMMIT_DEADLINE = select(func.set_config(COMMIT_DEADLINE, bindparam("deadline", type_=String), True))


# A batch's cases read in one query ({job id: its case}); each job's first `job_case` takes its own.
_PREFETCHED: ContextVar[dict[int, Case] | None] = ContextVar("prefetched_cases", default=None)


def _first_line(exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig else str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def _unavailable_when_down() -> Iterator[None]:
    """A database that is away, locked, too slow or cut off (an OperationalError, a passed deadline, an
    invalidated connection) raised as StoreUnavailable; every other error passes through unchanged."""
    try:
        yield
    except sqlite3.OperationalError as exc:  # the watch connection's plain SQL (no SQLAlchemy around it)
        raise StoreUnavailable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    except (OperationalError, InternalError) as exc:
        raise StoreUnavailable(_first_line(exc)) from exc
    except DeadlinePassed as exc:
        raise StoreUnavailable(str(exc)) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated or "deadline" in str(exc.orig):
            raise StoreUnavailable(_first_line(exc)) from exc
        raise


def machine_now() -> datetime:
    """This machine's real clock (not frozen by tests): commit deadlines are real time."""
    return datetime.fromtimestamp(time.clock_gettime(time.CLOCK_REALTIME), UTC)


class Conflict(Exception):
    """A unique key was taken by a concurrent transaction (rolled back): read what won and go on."""


def _constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return f"unique key {name} taken" if name else "a unique key was taken"


def advisory_key(name: str) -> int:
    """The Postgres advisory lock key (a signed 64-bit number) of a lock's name."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


class Tx:
    """Repositories sharing one session; committed when the `with` block ends cleanly."""

    def __init__(self, session: Session, *, prefix: str) -> None:
        self.session = session
        self.cases = CaseRepo(session, prefix=prefix)
        self.jobs = JobRepo(session)
        self.overrides = OverrideRepo(session)
        self.calendar_feeds = CalendarFeedRepo(session)
        self.chart_files = ChartFileRepo(session)
        self.audit = AuditRepo(session)
        self.guides = GuideRepo(session)
        self.workers = WorkerRepo(session)

    def lock(self, *names: str) -> None:
        """Hold locks named `names` until this transaction ends, across processes and replicas.

        Postgres: transaction-level advisory locks, taken in one round trip and always in the same order
        (by key), so two transactions wanting overlapping sets cannot deadlock. SQLite: nothing to do, as
        every write transaction begins IMMEDIATE and so already runs alone."""
        if not names or self.session.get_bind().dialect.name != "postgresql":
            return
        keys = sorted({advisory_key(name) for name in names})
        if len(keys) == 1:
            self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": keys[0]})
            return
        # One statement; the ordered subquery makes the locks be taken in key order.
        self.session.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(k)) FROM "
                "(SELECT k FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS ordered"
            ),
            {"keys": keys},
        )

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of this transaction that can fail alone: an exception inside rolls back to here and is
        raised again (a taken unique key as Conflict). A store that went away (locked, unreachable)
        is StoreUnavailable, and ends the whole transaction."""
        try:
            with self.session.begin_nested():
                yield
        except IntegrityError as exc:
            raise Conflict(_constraint(exc)) from None
        except (OperationalError, InternalError) as exc:
            raise StoreUnavailable(_first_line(exc)) from exc

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
# Postgres: a transaction behind a Slack request (the ack path) has this long, then its connection is
# cut and the person is told "not filed — try again"; the server refuses its COMMIT after
# ACK_BUDGET_S - COMMIT_MARGIN_S on the database's clock, so it cannot be filed later.
ACK_BUDGET_S = 2.0
COMMIT_MARGIN_S = 0.2
PATIENT_BUDGET_S = 15.0  # background work (no person waiting)
# The job runner waits longer: nobody is waiting on its answer, and giving up after a send (to
# record it) would leave the job to be sent again when its lease runs out.
PATIENT_WRITE_LOCK_WAIT_S = 15.0


class WriterTurns:
    """SQLite's one writer, taken in turns inside this process: an urgent writer (a Slack request whose
    ack waits on the commit) goes before every patient one (the job runner, which nobody waits on), so an
    ack waits at most for the transaction under way, not for a queue of job bookkeeping. The turn is
    handed straight to the next waiter (one wake-up, not every waiting thread racing for it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held = False
        self._urgent: deque[threading.Event] = deque()
        self._patient: deque[threading.Event] = deque()

    def acquire(self, *, timeout: float, urgent: bool) -> bool:
        queue = self._urgent if urgent else self._patient
        with self._lock:
            if not self._held:
                self._held = True
                return True
            turn = threading.Event()
            queue.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            queue.remove(turn)
            return False

    def queued(self) -> tuple[int, int]:
        """(urgent, patient) writers waiting for their turn now."""
        with self._lock:
            return len(self._urgent), len(self._patient)

    def release(self) -> None:
        with self._lock:
            waiting = self._urgent or self._patient
            if waiting:
                waiting.popleft().set()  # still held: the turn passes to the next writer
            else:
                self._held = False


class Store:
    """Opens transactions: writes through one engine, reads (on SQLite) through a deferred one."""

    def __init__(self, engine: Engine, *, prefix: str = "ADS", read_engine: Engine | None = None) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine
        self.prefix = prefix
        # SQLite has one writer at a time. Queue this process's writers on a lock instead of in
        # SQLite's busy handler, which sleeps in steps of up to 100 ms; other processes still wait
        # in the busy handler.
        # A person waiting on an ack goes before the job runner's writes (WriterTurns).
        self._write_lock: WriterTurns | None = WriterTurns() if engine.dialect.name == "sqlite" else None
        in_use = connections_in_use(engine)
        self._deadlines = Deadlines(in_use) if in_use is not None else None
        # The database's clock minus this machine's (the heartbeat measures it): commit deadlines are
        # written on the database's clock.
        self.clock_offset = timedelta(0)
        # SQLite: one connection of this store's own for `PRAGMA data_version` (changed_elsewhere) and
        # for the heartbeat's writes, so the beat every second is not taken for another process's commit.
        self._watch: sqlite3.Connection | None = None
        self._watch_lock = threading.Lock()
        self._data_version: int | None = None
        # Postgres: the heartbeat's and the guide drafts check's statements, every 1 s and 2 s on every
        # replica, each on a connection of its own kept checked out (no checkout ping per statement).
        postgres = engine.dialect.name == "postgresql"
        self._beat_conn = HeldConnection(engine, in_use) if postgres else None
        self._drafts_conn = HeldConnection(self.read_engine, in_use) if postgres else None
        self._audit_conn = HeldConnection(engine, in_use) if postgres else None  # every 10 s
        self._listener: JobListener | None = None  # Postgres: also hears approved guide drafts (version())

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
    def _session(self, engine: Engine, *, budget: float, commit_deadline: bool = False) -> Iterator[Tx]:
        try:
            with (
                _unavailable_when_down(),
                self._deadlines.within(budget) if self._deadlines is not None else nullcontext(),
                Session(engine, expire_on_commit=False) as session,
                session.begin(),
            ):
                if commit_deadline and self._deadlines is not None:
                    deadline = machine_now() + self.clock_offset + timedelta(seconds=budget - COMMIT_MARGIN_S)
                    # Local to this transaction; a Core statement built once (the ack pays no ORM step for it).
                    session.connection().execute(_SET_COMMIT_DEADLINE, {"deadline": deadline.isoformat()})
                yield Tx(session, prefix=self.prefix)
        except IntegrityError as exc:
            # Only the constraint's name travels on: the statement and its values are case content.
            raise Conflict(_constraint(exc)) from None

    @contextmanager
    def transaction(self, *, patient: bool = False) -> Iterator[Tx]:
        """A read-write transaction, committed when the block ends cleanly. `patient` (background
        work, no person waiting) waits longer for SQLite's one writer."""
        with (
            self._writer(PATIENT_WRITE_LOCK_WAIT_S if patient else WRITE_LOCK_WAIT_S, urgent=not patient),
            self._session(
                self.engine, budget=PATIENT_BUDGET_S if patient else ACK_BUDGET_S, commit_deadline=not patient
            ) as tx,
        ):
            yield tx

    @contextmanager
    def _writer(self, wait: float, *, urgent: bool = True) -> Iterator[None]:
        """This process's turn to write on SQLite, waited for at most `wait` seconds."""
        if self._write_lock is None:
            yield
            return
        if not self._write_lock.acquire(timeout=wait, urgent=urgent):
            raise StoreUnavailable(f"the database is busy: no turn to write within {wait} s")
        try:
            yield
        finally:
            self._write_lock.release()

    def beat(
        self,
        *,
        worker: str,
        host: str,
        pid: int,
        started_at: datetime,
        now: datetime,
        stale_after: timedelta,
        measure: Callable[[Callable[[], datetime | None]], object],
    ) -> list[Seen]:
        """The heartbeat's write, every second on every worker, so without an ORM session: this worker's
        row inserted or refreshed, and the other workers' rows read. On Postgres one statement in
        autocommit (one round trip), which also reads the database's clock (passed to `measure`). On
        SQLite plain SQL on changed_elsewhere's own connection, so a beat does not count there as another
        connection's commit. The rare take-over of a dead worker's claims runs in a transaction of its own
        (WorkerRepo.take_over_dead)."""
        watch = self._watching()
        with _unavailable_when_down():
            if watch is not None:
                with self._writer(WRITE_LOCK_WAIT_S), self._watch_lock:
                    return beat_on_sqlite(
                        watch, worker=worker, host=host, pid=pid, started_at=started_at, now=now,
                        stale_after=stale_after,
                    )  # fmt: skip
            if self.engine.dialect.name != "postgresql":
                with self.transaction() as tx:  # SQLite in memory (tests): no connection of its own
                    tx.workers.beat(worker=worker, host=host, pid=pid, started_at=started_at, now=now)
                    return tx.workers.others(me=worker, stale_after=stale_after, now=now)
            assert self._beat_conn is not None
            seen: list[Seen] = []

            def beat_and_look(conn: Connection) -> datetime:
                at, others = beat_on_postgres(
                    conn, worker=worker, host=host, pid=pid, started_at=started_at, stale_after=stale_after
                )
                seen[:] = others
                return at

            beat_conn = self._beat_conn
            with self._deadlines.within(ACK_BUDGET_S) if self._deadlines is not None else nullcontext():
                measure(lambda: beat_conn.run(beat_and_look))  # one statement in autocommit: one round trip
            return seen

    @contextmanager
    def read(self, *, patient: bool = False) -> Iterator[Tx]:
        """A read-only snapshot that never waits for writers (do not write in it)."""
        with self._session(self.read_engine, budget=PATIENT_BUDGET_S if patient else ACK_BUDGET_S) as tx:
            yield tx

    def _watching(self) -> sqlite3.Connection | None:
        """SQLite on a file: the store's own watch connection (made on first use); else None."""
        if self.engine.dialect.name != "sqlite" or self.engine.url.database in (None, "", ":memory:"):
            return None
        if self._watch is not None:
            return self._watch
        with self._watch_lock:
            if self._watch is None:
                database = self.engine.url.database
                assert database is not None
                # No busy handler: the beat waits for another process's write lock in short steps
                # (begin_immediate_on), and a PRAGMA or read that finds the database busy says "changed".
                self._watch = sqlite3.connect(database, check_same_thread=False, timeout=0, isolation_level=None)
                self._watch.execute("PRAGMA synchronous=NORMAL")  # as the engines' connections: no fsync per beat
            return self._watch

    def approved_generation(self) -> tuple[int, int]:
        """GuideRepo.approved_generation without an ORM session (every replica asks every 2 s): on Postgres
        one statement in autocommit, no BEGIN and no ROLLBACK; a snapshot read on SQLite."""
        with (
            _unavailable_when_down(),
            self._deadlines.within(ACK_BUDGET_S) if self._deadlines is not None else nullcontext(),
        ):
            if self._drafts_conn is not None:
                return self._drafts_conn.run(approved_generation)
            with self.read_engine.connect() as conn:
                return approved_generation(conn)

    def backlog(self, *, now: datetime, wall_now: datetime, late_after: timedelta) -> Backlog:
        """JobRepo.backlog for the auditor (every replica, every 10 s) in one statement without an ORM
        session: on Postgres in autocommit on a connection it keeps, on SQLite a snapshot read."""
        with (
            _unavailable_when_down(),
            self._deadlines.within(ACK_BUDGET_S) if self._deadlines is not None else nullcontext(),
        ):
            if self._audit_conn is not None:
                return self._audit_conn.run(
                    lambda conn: read_backlog(conn, now=now, wall_now=wall_now, late_after=late_after)
                )
            with self.read_engine.connect() as conn:
                return read_backlog(conn, now=now, wall_now=wall_now, late_after=late_after)

    def version(self) -> int | None:
        """A number that changes when another connection may have changed the approved guide drafts;
        compare two to know whether to read again (None: no such number now, read). SQLite: `PRAGMA
        data_version` on the watch connection, which changes when any other connection commits (the
        heartbeat's beats do not change it). Postgres: the count of approvals this process's job listener
        heard (NOTIFY bot_guides), while it is connected. In memory: None."""
        if self._listener is not None:
            return self._listener.guides_version()
        watch = self._watching()
        if watch is None:
            return None
        with self._watch_lock:
            try:
                return int(watch.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.OperationalError:  # busy: no number this time (the caller reads)
                return None

    def changed_elsewhere(self) -> bool:
        """SQLite: whether another connection (another process, or another of ours, but not the heartbeat,
        which writes on this one) committed since the last call — `PRAGMA data_version` on the watch
        connection, a few microseconds and no transaction. Postgres: True (its runners hear of new jobs by
        NOTIFY instead)."""
        if self.engine.dialect.name != "sqlite":
            return True
        if self._watching() is None:  # in memory: no other connection can see this database
            changed, self._data_version = self._data_version is None, 0
            return changed
        # A beat under way holds the connection: then say "changed" (the caller reads the next due time).
        if not self._watch_lock.acquire(timeout=0.1):
            return True
        try:
            assert self._watch is not None
            version = int(self._watch.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.OperationalError:  # busy: say "changed" (the caller reads the next due time)
            return True
        finally:
            self._watch_lock.release()
        changed, self._data_version = version != self._data_version, version
        return changed

    def job_listener(self, wake: Callable[[], None]) -> JobListener | None:
        """Postgres: a listener (not started) that calls `wake` when another process commits a pending
        job. SQLite: None (one host; runners wake on their kick, due times and the fallback interval)."""
        if self.engine.dialect.name != "postgresql":
            return None
        self._listener = JobListener(self.engine.url.render_as_string(hide_password=False), wake)
        return self._listener

    @contextmanager
    def prefetched(self, jobs: Sequence[Job]) -> Iterator[None]:
        """Read the cases of `jobs` (each the only job of its case in a claimed batch) in one query; in
        this block, and in contexts copied from it, each job's first `job_case` is answered from that
        snapshot instead of a read of its own. The snapshot is as fresh as the batch: a handler still
        checks what it needs (the paging generation) and its effect re-reads inside its transaction."""
        ids = [job.case_id for job in jobs if job.case_id is not None]
        if not ids:
            yield
            return
        with self.read(patient=True) as tx:
            cases = tx.cases.get_many(ids)
        token = _PREFETCHED.set({job.id: cases[job.case_id] for job in jobs if job.case_id in cases})
        try:
            yield
        finally:
            _PREFETCHED.reset(token)

    def job_case(self, job: Job) -> Case:
        """The case a job is about, read in a snapshot of its own (a handler reads before it sends), or
        taken from its batch's snapshot (`prefetched`)."""
        assert job.case_id is not None, f"{job.kind} needs a case"
        snapshot = _PREFETCHED.get()
        if snapshot is not None:
            case = snapshot.pop(job.id, None)
            if case is not None:
                return case
        with self.read() as tx:
            return tx.cases.get(job.case_id)

    def schema(self) -> SchemaState:
        """Where the database's schema stands now (readiness: reachable, and still this release's)."""
        return schema_state(self.read_engine)

    def close(self) -> None:
        for held in (self._beat_conn, self._drafts_conn, self._audit_conn):
            if held is not None:
                held.close()
        if self._watch is not None:
            self._watch.close()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
