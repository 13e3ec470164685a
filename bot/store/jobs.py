"""The durable job table: enqueue once per key, claim atomically, finish under a fence."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from bot.domain.job import Backlog, Job, JobState, NewJob
from bot.store.tables import JobRow

log = logging.getLogger(__name__)


# Job rows are read and written with Core statements on the transaction's connection, never as ORM
# objects: per statement the ORM's machinery cost several times the SQL's own CPU, and a job's
# follow-up writes a dozen rows (no JobRow is ever in a session's identity map, so no Core UPDATE can
# leave a stale one behind).
_JOBS: Table = JobRow.__table__
_INSERT_JOB = insert(_JOBS)


@lru_cache(maxsize=4)
def _insert_once(dialect: str) -> Any:
    """INSERT … ON CONFLICT (key) DO NOTHING RETURNING id, built once and run with bound values."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql  # a SQLite process does not import Postgres's dialect

        return postgresql.insert(_JOBS).on_conflict_do_nothing(index_elements=["key"]).returning(_JOBS.c.id)
    return sqlite.insert(_JOBS).on_conflict_do_nothing(index_elements=["key"]).returning(_JOBS.c.id)


@lru_cache(maxsize=4)
def _insert_many_once(dialect: str) -> Any:
    """The same for many rows: SQLAlchemy sends them as multi-row INSERTs, returning the added keys."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(_JOBS).on_conflict_do_nothing(index_elements=["key"]).returning(_JOBS.c.key)
    return sqlite.insert(_JOBS).on_conflict_do_nothing(index_elements=["key"]).returning(_JOBS.c.key)


def _case_pending(query: Select[Any], case_id: int, kind: str) -> Select[Any]:
    """`query` narrowed to a case's pending jobs of `kind`, earliest due first."""
    return query.where(
        _JOBS.c.case_id == case_id, _JOBS.c.kind == kind, _JOBS.c.state == JobState.PENDING.value
    ).order_by(_JOBS.c.due_at)


def _to_job(row: Any) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        key=row.key,
        due_at=row.due_at,
        attempt=row.attempts,
        max_attempts=row.max_attempts,
        case_id=row.case_id,
        payload=dict(row.payload or {}),
        claimed_by=row.claimed_by,
    )


class JobRepo:
    """Job rows inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._dialect = session.get_bind().dialect.name

    def _core(self) -> Connection:
        return self._session.connection()

    def enqueue(
        self,
        *,
        kind: str,
        key: str,
        due_at: datetime,
        now: datetime,
        payload: dict[str, Any] | None = None,
        case_id: int | None = None,
        max_attempts: int = 8,
    ) -> bool:
        """Add a job unless one with `key` exists already; True if this call added it."""
        values = _new_job(kind, key, due_at, now, case_id, payload, max_attempts)
        return self._core().execute(_insert_once(self._dialect), values).first() is not None

    def enqueue_many(self, jobs: Sequence[NewJob], *, now: datetime) -> set[str]:
        """`enqueue` for several jobs in one statement (a case's timers); the keys this call added."""
        if not jobs:
            return set()
        values = [_new_job(j.kind, j.key, j.due_at, now, j.case_id, j.payload, j.max_attempts) for j in jobs]
        return {str(key) for (key,) in self._core().execute(_insert_many_once(self._dialect), values).all()}

    def add_new(
        self,
        *,
        kind: str,
        key: str,
        due_at: datetime,
        now: datetime,
        case_id: int | None = None,
        payload: dict[str, Any] | None = None,
        max_attempts: int = 8,
    ) -> None:
        """Add a job whose key cannot be taken yet (it names a row made in this same transaction, e.g. a
        new case's `case.opened`): one plain Core INSERT, for the ack path; a taken key raises."""
        self._core().execute(_INSERT_JOB, _new_job(kind, key, due_at, now, case_id, payload, max_attempts))

    def record_once(self, *, kind: str, key: str, now: datetime) -> bool:
        """Note that something keyed `key` was done (a row born done, never run); True for the first
        caller across every replica sharing the store, False for the rest."""
        values = {
            "kind": kind,
            "key": key,
            "due_at": now,
            "payload": {},
            "case_id": None,
            "state": JobState.DONE.value,
            "attempts": 0,
            "max_attempts": 0,
            "created_at": now,
            "finished_at": now,
        }
        return self._core().execute(_insert_once(self._dialect), values).first() is not None

    def claim_due(
        self,
        *,
        now: datetime,
        worker: str,
        lease: timedelta,
        limit: int = 20,
        wall_now: datetime | None = None,
        priority: Sequence[Collection[str]] = (),
        skip_cases: Collection[int] = (),
    ) -> list[Job]:
        """Claim up to `limit` due jobs for `worker`; a job whose lease ran out is taken over.

        Due times follow the bot's clock (`now`, which tests and the demo move); leases follow the
        wall clock (`wall_now`), because they measure whether a worker is still alive. The runner
        passes both on the database's clock (bot.clock.DatabaseClock), so replicas agree.
        `priority` lists tiers of job kinds, most urgent first: a due job of an earlier tier is claimed
        before any of a later one (kinds in no tier come last), then by due time. While jobs of the
        first tier are due, a batch that has them takes at most `limit // 10` (at least one) of the
        later tiers beside them: a burst of page DMs is not held behind the steps' bookkeeping, and
        the bookkeeping still moves when a page's case waits on Slack. The claimed jobs come back in
        due order (one case's jobs run in that order). Jobs of `skip_cases` stay pending (the caller
        is still recording another job of theirs).
        """
        wall_now = wall_now or now
        expired = (
            self._core()
            .execute(
                update(_JOBS)
                .where(_JOBS.c.state == JobState.RUNNING.value, _JOBS.c.lease_until < wall_now)
                .values(state=JobState.PENDING.value)
                .returning(_JOBS.c.id, _JOBS.c.key, _JOBS.c.claimed_by)
            )
            .all()
        )
        for job_id, key, owner in expired:
            # The worker died (or hung) between claiming and finishing: its send may or may not have
            # reached Slack. This is the one window in which a message can repeat.
            log.warning("lease_expired_resend job=%s key=%s previous_worker=%s", job_id, key, owner)
        tiers = [(_JOBS.c.kind.in_(list(kinds)), n) for n, kinds in enumerate(priority) if kinds]
        order = [case(*tiers, else_=len(tiers))] if tiers else []
        claim: dict[str, Any] = {"worker": worker, "lease_until": wall_now + lease}
        if skip_cases:
            claim["skip"] = or_(_JOBS.c.case_id.is_(None), _JOBS.c.case_id.not_in(list(skip_cases)))
        rows: list[Any] = []
        if tiers:
            rows = self._claim(_JOBS.c.kind.in_(list(priority[0])), order, now, limit, **claim)
            if rows:
                limit = min(limit - len(rows), max(1, limit // 10))
        if limit > 0:
            rows += self._claim(_JOBS.c.kind.not_in(list(priority[0])) if rows else None, order, now, limit, **claim)
        return sorted((_to_job(r) for r in rows), key=lambda j: (j.due_at, j.id))

    def _claim(
        self,
        only: Any,
        order: list[Any],
        now: datetime,
        limit: int,
        *,
        worker: str,
        lease_until: datetime,
        skip: Any = None,
    ) -> list[Any]:
        due = select(_JOBS.c.id).where(_JOBS.c.state == JobState.PENDING.value, _JOBS.c.due_at <= now)
        if only is not None:
            due = due.where(only)
        if skip is not None:
            due = due.where(skip)
        due = due.order_by(*order, _JOBS.c.due_at, _JOBS.c.id).limit(limit)
        if self._dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        # Core rows, not ORM objects: a claimed job is read once, into a Job.
        return list(
            self._core()
            .execute(
                update(_JOBS)
                .where(_JOBS.c.id.in_(due.scalar_subquery()))
                .values(
                    state=JobState.RUNNING.value,
                    claimed_by=worker,
                    lease_until=lease_until,
                    attempts=_JOBS.c.attempts + 1,
                )
                .returning(*_JOBS.c)
            )
            .all()
        )

    def next_wake(self) -> tuple[datetime | None, datetime | None]:
        """The earliest pending due time (bot clock) and the earliest running lease's end (wall clock):
        when a runner with nothing to do must look again. Two index lookups on (state, due_at)."""
        due = (
            self._core()
            .execute(select(func.min(_JOBS.c.due_at)).where(_JOBS.c.state == JobState.PENDING.value))
            .scalar_one_or_none()
        )
        lease = (
            self._core()
            .execute(select(func.min(_JOBS.c.lease_until)).where(_JOBS.c.state == JobState.RUNNING.value))
            .scalar_one_or_none()
        )
        return due, lease

    def upcoming(
        self, *, kinds: Collection[str], after: datetime, until: datetime, skip: Collection[int] = (), limit: int = 50
    ) -> list[Job]:
        """Pending jobs of these kinds due in (`after`, `until`], earliest first, but those in `skip`
        (planned ahead already): a runner plans their sends before they are due."""
        query = select(_JOBS).where(
            _JOBS.c.state == JobState.PENDING.value,
            _JOBS.c.kind.in_(list(kinds)),
            _JOBS.c.due_at > after,
            _JOBS.c.due_at <= until,
        )
        if skip:
            query = query.where(_JOBS.c.id.not_in(list(skip)))
        rows = self._core().execute(query.order_by(_JOBS.c.due_at, _JOBS.c.id).limit(limit)).all()
        return [_to_job(row) for row in rows]

    def next_upcoming(self, *, kinds: Collection[str], after: datetime) -> datetime | None:
        """The earliest due time after `after` of a pending job of these kinds."""
        return (
            self._core()
            .execute(
                select(func.min(_JOBS.c.due_at)).where(
                    _JOBS.c.state == JobState.PENDING.value, _JOBS.c.kind.in_(list(kinds)), _JOBS.c.due_at > after
                )
            )
            .scalar_one_or_none()
        )

    def _fenced(self, job: Job) -> Any:
        return and_(
            _JOBS.c.id == job.id,
            _JOBS.c.state == JobState.RUNNING.value,
            _JOBS.c.claimed_by == job.claimed_by,
            _JOBS.c.attempts == job.attempt,
        )

    def _finish(self, job: Job, **values: Any) -> bool:
        result = self._core().execute(update(_JOBS).where(self._fenced(job)).values(**values))
        return bool(result.rowcount)

    def renew(self, job: Job, *, lease_until: datetime) -> bool:
        """Extend our claim just before running the job; False if another worker has taken it over."""
        return self._finish(job, lease_until=lease_until)

    def complete(self, job: Job, *, now: datetime) -> bool:
        """Mark done; False when this worker no longer holds the claim."""
        return self._finish(job, state=JobState.DONE.value, finished_at=now, lease_until=None, last_error=None)

    def complete_many(self, jobs: Sequence[Job], *, now: datetime) -> set[int]:
        """Mark done, in one statement, every job of `jobs` this worker still holds (each under its own
        fence: its claimer and its attempt); returns the ids of those it marked."""
        if not jobs:
            return set()
        fenced = [(job.id, job.attempt) for job in jobs if job.claimed_by == jobs[0].claimed_by]
        rows = (
            self._core()
            .execute(
                update(_JOBS)
                .where(
                    _JOBS.c.state == JobState.RUNNING.value,
                    _JOBS.c.claimed_by == jobs[0].claimed_by,
                    tuple_(_JOBS.c.id, _JOBS.c.attempts).in_(fenced),
                )
                .values(state=JobState.DONE.value, finished_at=now, lease_until=None, last_error=None)
                .returning(_JOBS.c.id)
            )
            .all()
        )
        return {row[0] for row in rows}

    def retry(self, job: Job, *, due_at: datetime, error: str) -> bool:
        """Put back for another attempt at `due_at`."""
        return self._finish(job, state=JobState.PENDING.value, due_at=due_at, lease_until=None, last_error=error[:2000])

    def fail(self, job: Job, *, now: datetime, error: str) -> bool:
        """Give up on the job; the caller makes sure a person hears of it."""
        return self._finish(
            job, state=JobState.FAILED.value, finished_at=now, lease_until=None, last_error=error[:2000]
        )

    def hold(self, job: Job, *, due_at: datetime, error: str) -> bool:
        """Put back without spending an attempt: Slack refused the token or rate-limited us, so
        nothing was sent and the job must wait, however long that takes (never failed for it)."""
        return self._finish(
            job,
            state=JobState.PENDING.value,
            due_at=due_at,
            lease_until=None,
            attempts=job.attempt - 1,
            last_error=error[:2000],
        )

    def release(self, job: Job) -> bool:
        """Hand a claimed job back untouched (graceful shutdown)."""
        return self._finish(job, state=JobState.PENDING.value, lease_until=None, attempts=job.attempt - 1)

    def cancel_for_case(self, case_id: int, *, kinds: Iterable[str], now: datetime) -> int:
        """Cancel a case's pending jobs of these kinds, in the caller's transaction."""
        result = self._core().execute(
            update(_JOBS)
            .where(
                _JOBS.c.case_id == case_id,
                _JOBS.c.state == JobState.PENDING.value,
                _JOBS.c.kind.in_(list(kinds)),
            )
            .values(state=JobState.CANCELLED.value, finished_at=now)
        )
        return int(result.rowcount)

    def cancel_keys(self, keys: Iterable[str], *, now: datetime) -> int:
        """Cancel the pending jobs with these keys, in the caller's transaction."""
        result = self._core().execute(
            update(_JOBS)
            .where(_JOBS.c.key.in_(list(keys)), _JOBS.c.state == JobState.PENDING.value)
            .values(state=JobState.CANCELLED.value, finished_at=now)
        )
        return int(result.rowcount)

    def bring_forward_keys(self, keys: Iterable[str], *, now: datetime) -> int:
        """Make the pending jobs with these keys due now (if they were due later)."""
        result = self._core().execute(
            update(_JOBS)
            .where(_JOBS.c.key.in_(list(keys)), _JOBS.c.state == JobState.PENDING.value, _JOBS.c.due_at > now)
            .values(due_at=now)
        )
        return int(result.rowcount)

    def pending_for_case(self, case_id: int, *, kind: str) -> list[Job]:
        """A case's pending jobs of `kind`, earliest due first (inspection and tests)."""
        rows = self._core().execute(_case_pending(select(_JOBS), case_id, kind)).all()
        return [_to_job(row) for row in rows]

    def pending_keys(self, case_id: int, *, kind: str) -> list[str]:
        """Keys of a case's pending jobs of `kind`, earliest due first."""
        rows = self._core().execute(_case_pending(select(_JOBS.c.key), case_id, kind)).all()
        return [str(key) for (key,) in rows]

    def bring_forward(self, case_id: int, *, kind: str, now: datetime) -> bool:
        """Make the earliest pending job of `kind` for a case due now (someone passed the page on)."""
        earliest = self._core().execute(_case_pending(select(_JOBS.c.id), case_id, kind).limit(1)).scalar_one_or_none()
        if earliest is None:
            return False
        self._core().execute(update(_JOBS).where(_JOBS.c.id == earliest).values(due_at=now))
        return True

    def states(self, *, case_id: int | None = None, kind: str | None = None) -> dict[str, str]:
        """key → state, for inspection and tests."""
        query = select(_JOBS.c.key, _JOBS.c.state)
        if case_id is not None:
            query = query.where(_JOBS.c.case_id == case_id)
        if kind is not None:
            query = query.where(_JOBS.c.kind == kind)
        return {k: s for k, s in self._core().execute(query).all()}

    def overdue(self, *, now: datetime, older_than: timedelta) -> int:
        """How many pending jobs are late by more than `older_than` (the auditor's question)."""
        rows = (
            self._core()
            .execute(
                select(_JOBS.c.id).where(
                    or_(
                        and_(_JOBS.c.state == JobState.PENDING.value, _JOBS.c.due_at < now - older_than),
                        and_(_JOBS.c.state == JobState.RUNNING.value, _JOBS.c.lease_until < now),
                    )
                )
            )
            .all()
        )
        return len(rows)

    def backlog(self, *, now: datetime, wall_now: datetime, late_after: timedelta) -> Backlog:
        """Pending jobs, how many are late by more than `late_after`, and the oldest due one."""
        return read_backlog(self._session.connection(), now=now, wall_now=wall_now, late_after=late_after)


@lru_cache(maxsize=1)
def _backlog_statement() -> Select[Any]:
    """Built once: building the statement cost more than running it."""
    pending = JobRow.state == JobState.PENDING.value
    oldest = (
        select(JobRow.id, JobRow.kind, JobRow.case_id, JobRow.due_at)
        .where(pending, JobRow.due_at <= bindparam("now"))
        .order_by(JobRow.due_at, JobRow.id)
        .limit(1)
        .subquery()
    )
    one = select(literal(1).label("one")).subquery()
    return select(
        select(func.count()).select_from(JobRow).where(pending).scalar_subquery().label("pending"),
        select(func.count())
        .select_from(JobRow)
        .where(
            or_(
                and_(pending, JobRow.due_at < bindparam("late_before")),
                and_(JobRow.state == JobState.RUNNING.value, JobRow.lease_until < bindparam("wall_now")),
            )
        )
        .scalar_subquery()
        .label("overdue"),
        oldest.c.id,
        oldest.c.kind,
        oldest.c.case_id,
        oldest.c.due_at,
    ).select_from(one.outerjoin(oldest, true()))


def read_backlog(conn: Connection, *, now: datetime, wall_now: datetime, late_after: timedelta) -> Backlog:
    """JobRepo.backlog in one statement, on any connection (the auditor's, every 10 s on every replica)."""
    row = conn.execute(_backlog_statement(), {"now": now, "late_before": now - late_after, "wall_now": wall_now}).one()
    if row.id is None:
        return Backlog(pending=int(row.pending), overdue=int(row.overdue))
    return Backlog(
        pending=int(row.pending),
        overdue=int(row.overdue),
        oldest_id=row.id,
        oldest_kind=row.kind,
        oldest_case_id=row.case_id,
        oldest_due_at=row.due_at,
    )


def _new_job(
    kind: str,
    key: str,
    due_at: datetime,
    now: datetime,
    case_id: int | None,
    payload: dict[str, Any] | None,
    max_attempts: int,
) -> dict[str, Any]:
    """The columns of a new pending job (both inserts write the same row)."""
    return {
        "kind": kind,
        "key": key,
        "due_at": due_at,
        "payload": payload or {},
        "case_id": case_id,
        "state": JobState.PENDING.value,
        "attempts": 0,
        "max_attempts": max_attempts,
        "created_at": now,
    }
