"""Claims due job rows and runs their handlers; retries with backoff, then tells a person.

The runner knows jobs, not what they do: the wiring (bot/bootstrap.py) gives it the handlers, which
kinds count as pages, which kinds send nothing, and the order of urgency of the kinds."""

from __future__ import annotations

import contextvars
import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from bot.clock import Clock, SystemClock
from bot.domain.delivery import DeliveryError, SendingFor, sending_for
from bot.domain.job import Job, backoff, jittered
from bot.observability import metrics
from bot.observability.logs import log_context
from bot.store.effects import Effect, Handler
from bot.store.store import Store, StoreUnavailable, Tx

log = logging.getLogger(__name__)

GiveUp = Callable[[Tx, Job, str, datetime], None]


class SendGate(Protocol):
    """Whether sends may go out now (Slack's view of our token); bot.services.slack_health fits."""

    def may_send(self) -> bool: ...

    @property
    def probing(self) -> bool: ...

    def token_refused(self, error: str) -> None: ...


class AlwaysOpen:
    """A gate for runners whose sends nobody watches (tests, tools): never closed."""

    probing = False

    def may_send(self) -> bool:
        return True

    def token_refused(self, error: str) -> None:
        log.warning("token refused: %s", error)


class _LeaseLost(Exception):
    """Raised inside the completing transaction to roll it back."""


def worker_name() -> str:
    """host:pid:random — unique per process, readable in the job table."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobRunner:
    """One replica's view of the job table; safe to run from several threads and processes."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        handlers: Mapping[str, Handler],
        give_up: GiveUp,
        lease: timedelta = timedelta(seconds=60),
        retry_base: timedelta = timedelta(seconds=2),
        worker: str | None = None,
        sendless_kinds: frozenset[str] = frozenset(),
        page_kinds: frozenset[str] = frozenset(),
        priority: Sequence[Collection[str]] = (),
        jitter: float = 0.5,
        parallel: int = 8,
        wall_clock: Clock | None = None,
        slack: SendGate | None = None,
        batch_wait: timedelta = timedelta(seconds=2),
        limit: int = 20,
        ahead: Mapping[str, Handler] | None = None,
        plan_ahead: timedelta = timedelta(0),
        record_beside: bool = True,
    ) -> None:
        self.slack: SendGate = slack or AlwaysOpen()
        # A tick waits this long for its batch, then goes on: a hanging Slack call keeps only its
        # own case's jobs waiting (to the client's deadline), never the others' nor the tick.
        self.batch_wait = batch_wait
        self._in_flight: set[object] = set()
        self._flight_lock = threading.Lock()
        # Kinds whose handler only reads and plans (no Slack call): their effects are committed
        # together, one transaction per batch, each under its own savepoint and fence.
        self.sendless_kinds = sendless_kinds
        self.page_kinds = page_kinds  # counted as pages too, and timed against their due time
        # Tiers of kinds, most urgent first: page DMs before escalation steps before bookkeeping, so
        # a burst of steps due together does not hold the first pages behind the last steps.
        self.priority = tuple(frozenset(kinds) for kinds in priority)
        self.limit = limit
        self.max_per_run = 10 * limit  # run_due's cap: `rounds` batches of `limit`
        self.jitter = jitter  # a retry comes back after 50-100 % of its backoff, at least retry_base
        self._random = random.Random()
        self.retry_base = retry_base
        self.wall_clock = wall_clock or SystemClock()  # leases: the database's time where it has one
        self.store = store
        self.clock = clock
        self.handlers = handlers
        self.give_up = give_up
        self.lease = lease
        self.worker = worker or worker_name()
        self._stopping = threading.Event()
        self.parallel = parallel
        self._pool: ThreadPoolExecutor | None = None  # sends, one case's jobs in order
        self._planner: ThreadPoolExecutor | None = None  # sendless steps' handlers (reads only)
        # Kinds planned before they are due: `plan_ahead` before its due time, a pending job of such a
        # kind has its handler here run (it reads and returns an effect, e.g. queue the step's page
        # DMs due at the step's time); the job itself stays pending and runs at its time as always.
        self.ahead: Mapping[str, Handler] = ahead or {}
        self.plan_ahead = plan_ahead if self.ahead else timedelta(0)
        self._planned_ahead: dict[int, datetime] = {}  # job id → its due time (this process's plans)
        # A batch's sends are recorded on this thread while the next batch is claimed and sent (one
        # recording at a time, in order; run_due waits for the last one before it returns). The cases
        # being recorded are not claimed meanwhile, so one case's jobs still run one after another.
        # Off where writers take turns anyway (SQLite): the record would only wait for the next claim.
        self.record_beside = record_beside
        self._recorder: ThreadPoolExecutor | None = None
        self._recording: tuple[Future[None], frozenset[int]] | None = None

    def stop(self) -> None:
        """Graceful shutdown: finish the job in hand, hand the rest of the batch back, claim no more."""
        self._stopping.set()

    def _hand_back(self, jobs: list[Job]) -> None:
        with self.store.transaction(patient=True) as tx:
            released = sum(1 for job in jobs if tx.jobs.release(job))
        log.info("shutdown: %d claimed job(s) handed back for another replica or the next start", released)

    def run_due(self, *, limit: int | None = None, rounds: int = 10) -> int:
        """Run what is due now, batch after batch; return how many jobs ran (or are running). Every
        batch's records are committed when it returns."""
        try:
            total = self._run_rounds(limit or self.limit, rounds)
        except BaseException:
            try:
                self._drain_records()
            except Exception:  # the first failure is the one reported
                log.warning("recording a batch failed too", exc_info=True)
            raise
        self._drain_records()
        return total

    def _run_rounds(self, limit: int, rounds: int) -> int:
        total = 0
        for _ in range(rounds):
            if self._stopping.is_set():
                break
            if not self.slack.may_send():
                break  # the token is refused: everything waits, in due order, for the next probe
            if self.slack.probing:
                limit = 1  # one job tries the token; the rest follow once it works
            claimed_at = self.wall_clock.now()
            with self.store.transaction(patient=True) as tx:
                jobs = tx.jobs.claim_due(
                    now=self.clock.now(),
                    wall_now=claimed_at,
                    worker=self.worker,
                    lease=self.lease,
                    limit=limit,
                    priority=self.priority,
                    skip_cases=self._recording[1] if self._recording else (),
                )
            ran, finished = self._run_batch(jobs, claimed_at=claimed_at)
            total += ran
            if not finished or ran < len(jobs):
                return total  # stopping (the rest handed back), or a case still waits on Slack
            if not jobs and self._recording is not None:
                # Nothing claimable while a batch is being recorded: its cases' next jobs, or jobs its
                # effects enqueue, may be due now; look again once it is committed.
                self._drain_records()
                continue
            if not jobs:
                # Nothing due: plan what falls due within `plan_ahead` (a batch), then look again.
                planned = self._plan_upcoming(limit)
                if not planned:
                    break
                total += planned
            # else: a job's effect may enqueue work due now (a page after its step): run it too
        return total

    def next_wake(self) -> datetime | None:
        """When this runner must look at the table again, on the bot's clock (None: nothing waits).
        A lease that runs out counts too: another worker's job is then taken over here."""
        with self.store.read(patient=True) as tx:
            due_at, lease_until = tx.jobs.next_wake()
            if self.plan_ahead:
                # The next job to plan ahead enters the window at its due time less `plan_ahead`.
                upcoming = tx.jobs.next_upcoming(kinds=self.ahead.keys(), after=self.clock.now() + self.plan_ahead)
                if upcoming is not None:
                    upcoming -= self.plan_ahead
                    due_at = upcoming if due_at is None else min(due_at, upcoming)
        if lease_until is not None:
            # Leases are on the wall clock; move the instant onto the bot's clock, which tests may move.
            lease_until = self.clock.now() + (lease_until - self.wall_clock.now())
        found = [at for at in (due_at, lease_until) if at is not None]
        return min(found) if found else None

    def _group_key(self, job: Job) -> object:
        return job.case_id if job.case_id is not None else ("job", job.id)

    def _run_batch(self, jobs: list[Job], *, claimed_at: datetime) -> tuple[int, bool]:
        """Run a claimed batch: one case's jobs in order, different cases side by side (up to
        `parallel` at once), so a burst of pages is not sent one Slack round trip after another.
        The cases of jobs that are alone in the batch are read in one query. A case whose only job is
        sendless (an escalation step) is planned on the planner threads while the sends are in flight,
        and those plans are committed in one transaction from this thread; a case whose only job sends
        (a page DM, a thread note) sends on the send threads, and the sends done within `batch_wait`
        are recorded together in one transaction too (each under its fence).
        Waits `batch_wait` at most: a case whose send hangs goes on in its thread (its jobs stay
        claimed, and it records its send itself when it returns), and a case already running keeps
        its new jobs for the next tick, in order.
        Returns (jobs run or running, whether the whole batch finished)."""
        groups: dict[object, list[Job]] = {}
        for job in jobs:
            groups.setdefault(self._group_key(job), []).append(job)
        if self.parallel <= 1:
            return sum(self._run_in_order(group, claimed_at=claimed_at) for group in groups.values()), True
        with self._flight_lock:
            busy = [key for key in groups if key in self._in_flight]
            self._in_flight.update(key for key in groups if key not in busy)
        held = [job for key in busy for job in groups.pop(key)]
        if held:
            self._hand_back(held)
        planned = {key: group[0] for key, group in groups.items() if self._plans_only(group)}
        alone = {key: group[0] for key, group in groups.items() if len(group) == 1 and key not in planned}
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="jobs")
        done, errors = 0, []
        with self._prefetched([*planned.values(), *alone.values()]):
            futures: dict[Future[int], list[Job]] = {
                self._pool.submit(
                    contextvars.copy_context().run, self._run_group, key, group, claimed_at=claimed_at
                ): group
                for key, group in groups.items()
                if key not in planned and key not in alone
            }
            sends: dict[Future[tuple[bool, Effect | None]], tuple[object, Job]] = {}
            if not self._stopping.is_set():
                for key, job in alone.items():
                    call = self._pool.submit(contextvars.copy_context().run, self._send, job, claimed_at=claimed_at)
                    sends[call] = (key, job)
            unsent = [] if sends else list(alone.items())
            if unsent:  # stopping: hand them back
                self._hand_back([job for _, job in unsent])
                with self._flight_lock:
                    self._in_flight.difference_update(key for key, _ in unsent)
            if planned:  # in the block: the steps' plans read from the batch's snapshot too
                try:
                    done += self._run_planned(list(planned.values()), claimed_at=claimed_at)
                except Exception as exc:  # the store went away: the tick logs it and retries
                    errors.append(exc)
                finally:
                    with self._flight_lock:
                        self._in_flight.difference_update(planned)
        waiting: list[Future[object]] = [*futures, *sends]  # type: ignore[list-item]
        finished, running = wait(waiting, timeout=self.batch_wait.total_seconds())
        for group_done, group in futures.items():  # every finished group before reporting the first failure
            if group_done in finished:
                try:
                    done += group_done.result()
                except Exception as exc:  # the store went away mid-batch: the tick logs it and retries
                    errors.append(exc)
            elif group_done in running:
                done += len(group)
        sent: list[tuple[object, Job, tuple[bool, Effect | None]]] = []
        for call, (key, job) in sends.items():
            if call in finished:
                try:
                    sent.append((key, job, call.result()))
                except Exception as exc:  # the store went away putting it back: its lease decides
                    errors.append(exc)
                    with self._flight_lock:
                        self._in_flight.discard(key)
        if sent:
            try:
                self._record_sent(sent)
            except Exception as exc:  # the previous batch's recording failed
                errors.append(exc)
            done += len(sent)
        for call, (key, job) in sends.items():
            if call in running:  # recorded by its own thread when its send returns
                call.add_done_callback(partial(self._record_late, key, job))
                done += 1
        if running:
            log.warning("slow_batch: %d case(s) still waiting on Slack; the tick goes on", len(running))
        if errors:
            raise errors[0]
        return done, not running and not held and not unsent

    def _record_sent(self, sent: list[tuple[object, Job, tuple[bool, Effect | None]]]) -> None:
        """Record a batch's finished sends on the recorder thread (after the previous batch's record,
        whose failure is raised here), so the next batch is claimed and sent meanwhile."""
        if not self.record_beside:
            self._commit_sent(sent)
            return
        if self._recorder is None:
            self._recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="record")
        try:
            self._drain_records()
        finally:
            cases = frozenset(key for key, _, _ in sent if isinstance(key, int))
            call = self._recorder.submit(contextvars.copy_context().run, self._commit_sent, sent)
            self._recording = (call, cases)

    def _commit_sent(self, sent: list[tuple[object, Job, tuple[bool, Effect | None]]]) -> None:
        try:
            self._commit([(job, effect) for _, job, (ran, effect) in sent if ran], sent=True)
        finally:
            with self._flight_lock:
                self._in_flight.difference_update(key for key, _, _ in sent)

    def _drain_records(self) -> None:
        """Wait for the batch being recorded; its failure (the store went away) is raised here."""
        recording, self._recording = self._recording, None
        if recording is not None:
            recording[0].result()

    @contextmanager
    def _prefetched(self, jobs: list[Job]) -> Iterator[None]:
        """The batch's cases in one read; when that read fails, each handler reads its own (and
        meets the outage the way it always has)."""
        with ExitStack() as stack:
            try:
                stack.enter_context(self.store.prefetched(jobs))
            except Exception:
                log.warning("prefetch of %d case(s) failed; each job reads its own", len(jobs), exc_info=True)
            yield

    def _record_late(self, key: object, job: Job, future: Future[tuple[bool, Effect | None]]) -> None:
        """A send that outlasted its batch's wait: recorded alone, as a job of a case run in order is."""
        try:
            ran, effect = future.result()
            if ran:
                with log_context(job_id=job.id, job_kind=job.kind, case_id=job.case_id):
                    self._finish(job, effect, self.clock.now())
        except Exception:  # logged; the job's lease decides
            log.exception("recording job %s failed", job.key)
        finally:
            with self._flight_lock:
                self._in_flight.discard(key)

    def _plans_only(self, group: list[Job]) -> bool:
        # One job alone: a second job of the same case must see the first one's effect committed.
        return len(group) == 1 and group[0].kind in self.sendless_kinds

    def _run_group(self, key: object, jobs: list[Job], *, claimed_at: datetime) -> int:
        try:
            return self._run_in_order(jobs, claimed_at=claimed_at)
        finally:
            with self._flight_lock:
                self._in_flight.discard(key)

    def _run_in_order(self, jobs: list[Job], *, claimed_at: datetime) -> int:
        for n, job in enumerate(jobs):
            if self._stopping.is_set():
                self._hand_back(jobs[n:])
                return n
            with log_context(job_id=job.id, job_kind=job.kind, case_id=job.case_id):
                ran, effect = self._call(job, claimed_at=claimed_at)
                if ran:
                    self._finish(job, effect, self.clock.now())
        return len(jobs)

    def _run_planned(self, jobs: list[Job], *, claimed_at: datetime) -> int:
        """Sendless jobs of different cases: each handler on its own, then every effect in one
        transaction (`_commit`)."""
        if self._stopping.is_set():
            self._hand_back(jobs)
            return 0
        # The handlers only read (the case, the rota): side by side on their own threads, so a database
        # a network hop away is waited on once per batch, not once per step; the sends keep theirs.
        if self._planner is None:
            self._planner = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="plan")
        calls = [
            (job, self._planner.submit(contextvars.copy_context().run, self._plan, job, claimed_at=claimed_at))
            for job in jobs
        ]
        prepared: list[tuple[Job, Effect | None]] = []
        for job, call in calls:
            ran, effect = call.result()
            if ran:
                prepared.append((job, effect))
        self._commit(prepared, sent=False)
        return len(jobs)

    def _commit(self, prepared: list[tuple[Job, Effect | None]], *, sent: bool) -> None:
        """Complete jobs of different cases and apply their effects in one transaction, each under a
        savepoint and its fence: a failing effect rolls back alone (a sendless job is retried; after a
        send, the job fails rather than send again). If the batch cannot be committed, each job is
        recorded on its own, as any other job is (after a send: waiting for the store to come back)."""
        if not prepared:
            return
        now = self.clock.now()
        try:
            # Most batches have nothing to fail: one fenced UPDATE for every job, the effects, one commit.
            with self.store.transaction(patient=True) as tx:
                ours = tx.jobs.complete_many([job for job, _ in prepared], now=now)
                for job, effect in prepared:
                    if job.id in ours and effect is not None:
                        effect(tx, now)
        except StoreUnavailable:
            self._record_one_by_one(prepared)
            return
        except Exception:  # an effect failed and rolled the batch back: again, each under its savepoint
            log.info("batch_record_retried: %d job(s), each under its savepoint", len(prepared))
            self._commit_each(prepared, sent=sent)
            return
        for job, effect in prepared:
            with log_context(job_id=job.id, job_kind=job.kind, case_id=job.case_id):
                if job.id in ours:
                    self._done(job, acted=effect is not None, now=now)
                else:
                    log.warning("lease_lost job=%s key=%s worker=%s", job.id, job.key, self.worker)

    def _record_one_by_one(self, prepared: list[tuple[Job, Effect | None]]) -> None:
        """The batch's transaction could not be had (the store is away): each job recorded on its own."""
        log.warning("batch_record_failed: %d job(s) recorded one by one", len(prepared))
        for job, effect in prepared:
            with log_context(job_id=job.id, job_kind=job.kind, case_id=job.case_id):
                self._finish(job, effect, self.clock.now())

    def _commit_each(self, prepared: list[tuple[Job, Effect | None]], *, sent: bool) -> None:
        """`_commit`'s way when an effect fails: each job under its own savepoint, so it fails alone."""
        now = self.clock.now()
        lost: list[Job] = []
        failed: list[tuple[Job, Exception]] = []
        try:
            with self.store.transaction(patient=True) as tx:
                for job, effect in prepared:
                    try:
                        with tx.savepoint():
                            if not tx.jobs.complete(job, now=now):
                                raise _LeaseLost
                            if effect is not None:
                                effect(tx, now)
                    except _LeaseLost:
                        lost.append(job)
                    except StoreUnavailable:
                        raise
                    except Exception as exc:  # this job's effect alone (a taken key: Conflict); the batch goes on
                        failed.append((job, exc))
        except StoreUnavailable:
            self._record_one_by_one(prepared)
            return
        for job in lost:
            with log_context(job_id=job.id, job_kind=job.kind, case_id=job.case_id):
                log.warning("lease_lost job=%s key=%s worker=%s", job.id, job.key, self.worker)
        for job, error in failed:
            with log_context(job_id=job.id, job_kind=job.kind, case_id=job.case_id):
                if sent and job.kind not in self.sendless_kinds:
                    log.error("effect_failed job=%s key=%s: the send succeeded, its follow-up did not", job.id, job.key)
                    self._fail(job, f"follow-up after a successful send failed: {type(error).__name__}: {error}")
                else:
                    log.error("effect_failed job=%s key=%s: %s: retrying", job.id, job.key, type(error).__name__)
                    self._retry(job, f"{type(error).__name__}: {error}", None)
        gone = {job.id for job in lost} | {job.id for job, _ in failed}
        for job, effect in prepared:
            if job.id not in gone:
                with log_context(job_id=job.id, job_kind=job.kind, case_id=job.case_id):
                    self._done(job, acted=effect is not None, now=now)

    def _plan_upcoming(self, limit: int) -> int:
        """Plan a batch of the jobs due within `plan_ahead` that this process has not planned: their
        `ahead` handlers side by side (they only read), every effect in one transaction; the jobs stay
        pending. Another replica may plan the same job too: the effects must be idempotent (keyed
        jobs). A plan that fails is left to the job itself, which does the whole work when due.
        Returns how many jobs were planned."""
        if not self.plan_ahead or self._stopping.is_set():
            return 0
        now = self.clock.now()
        for job_id, due_at in list(self._planned_ahead.items()):
            if due_at <= now:
                del self._planned_ahead[job_id]
        with self.store.read(patient=True) as tx:
            jobs = tx.jobs.upcoming(
                kinds=self.ahead.keys(), after=now, until=now + self.plan_ahead, skip=self._planned_ahead, limit=limit
            )
        if not jobs:
            return 0
        if self._planner is None:
            self._planner = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="plan")
        with self._prefetched(jobs):
            calls = [(job, self._planner.submit(contextvars.copy_context().run, self._ahead_plan, job)) for job in jobs]
        effects = [(job, effect) for job, call in calls if (effect := call.result()) is not None]
        try:
            with self.store.transaction(patient=True) as tx:
                for _, effect in effects:
                    effect(tx, self.clock.now())
        except Exception:  # the steps do it all at their time
            log.warning("plan_ahead_failed: %d job(s) left to their due time", len(jobs), exc_info=True)
        for job in jobs:
            self._planned_ahead[job.id] = job.due_at
        return len(jobs)

    def _ahead_plan(self, job: Job) -> Effect | None:
        with log_context(job_id=job.id, job_kind=job.kind, case_id=job.case_id):
            try:
                return self.ahead[job.kind](job)
            except Exception:  # left to the job at its due time
                log.warning("plan_ahead of job %s raised; left to its due time", job.key, exc_info=True)
                return None

    def _plan(self, job: Job, *, claimed_at: datetime) -> tuple[bool, Effect | None]:
        with log_context(job_id=job.id, job_kind=job.kind, case_id=job.case_id):
            return self._call(job, claimed_at=claimed_at)

    def _send(self, job: Job, *, claimed_at: datetime) -> tuple[bool, Effect | None]:
        """A job alone in its batch, on a send thread; its record waits for the batch's transaction."""
        if self._stopping.is_set():  # as a case's jobs run in order: not begun once stopping, handed back
            self._hand_back([job])
            return False, None
        return self._plan(job, claimed_at=claimed_at)

    def close(self) -> None:
        """Release the worker threads (after stop() and the last tick)."""
        if self._recorder is not None:
            self._recorder.shutdown(wait=True)
            self._recorder = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._planner is not None:
            self._planner.shutdown(wait=True)
            self._planner = None

    def _still_ours(self, job: Job, *, claimed_at: datetime) -> bool:
        """A batch shares one lease: before a job that waited a while in its batch, renew the lease
        (fenced), so a job another worker took over meanwhile is not run twice. A job that waited
        less than a quarter of the lease cannot have lost it, and skips the extra write."""
        now = self.wall_clock.now()
        if now - claimed_at < self.lease / 4:
            return True
        with self.store.transaction(patient=True) as tx:
            return tx.jobs.renew(job, lease_until=now + self.lease)

    def _call(self, job: Job, *, claimed_at: datetime) -> tuple[bool, Effect | None]:
        """Run the job's handler: (True, its effect) to record, or (False, None) when the job was
        already put back or failed here (lease lost, no handler, the send failed)."""
        if not self._still_ours(job, claimed_at=claimed_at):
            log.warning("lease_lost_before_run job=%s key=%s worker=%s", job.id, job.key, self.worker)
            return False, None
        handler = self.handlers.get(job.kind)
        if handler is None:
            self._fail(job, f"no handler for job kind {job.kind!r}")
            return False, None
        # The send names its job (message metadata); a later attempt reads history before posting.
        token = sending_for.set(SendingFor(key=job.key, may_have_sent=job.attempt > 1))
        try:
            return True, handler(job)
        except DeliveryError as exc:
            if exc.hold:
                self._hold(job, exc)
            elif exc.retryable and not job.is_last_attempt:
                self._retry(job, exc.reason, exc.retry_after)
            else:
                self._fail(job, exc.reason)
        except Exception as exc:  # a bug or an outage must not kill the tick, nor lose the job
            log.exception("job %s (%s) raised", job.key, job.kind)
            if job.is_last_attempt:
                self._fail(job, f"{type(exc).__name__}: {exc}")
            else:
                self._retry(job, f"{type(exc).__name__}: {exc}", None)
        finally:
            sending_for.reset(token)
        return False, None

    def _finish(self, job: Job, effect: Effect | None, now: datetime) -> None:
        try:
            self._record(job, effect, now)
        except _LeaseLost:
            log.warning("lease_lost job=%s key=%s worker=%s", job.id, job.key, self.worker)
        except Exception as exc:
            if job.kind in self.sendless_kinds:
                # Nothing was sent (the effect is the whole job, e.g. an escalation step): try again.
                log.exception("effect_failed job=%s key=%s: retrying", job.id, job.key)
                self._retry(job, f"{type(exc).__name__}: {exc}", None)
                return
            # The send happened; never resend it because its follow-up failed.
            log.exception("effect_failed job=%s key=%s: the send succeeded, its follow-up did not", job.id, job.key)
            self._fail(job, f"follow-up after a successful send failed: {type(exc).__name__}: {exc}")
        else:
            self._done(job, acted=effect is not None, now=now)

    def _record(self, job: Job, effect: Effect | None, now: datetime) -> None:
        """Complete the job and apply its effect, in one transaction under the fence. When the store is
        away (locked, unreachable) after the send went out, keep trying until it is back rather than
        leave a sent message to be sent again when its lease runs out; this holds the tick, which has
        nothing to claim from an absent store anyway. Stopping gives up (the lease then decides)."""
        waited, pause = 0.0, 0.5
        while True:
            try:
                with self.store.transaction(patient=True) as tx:
                    # The fence first: if another worker took the job over, our effect must not run at
                    # all (it could collide with theirs, e.g. the same page row).
                    if not tx.jobs.complete(job, now=now):
                        raise _LeaseLost
                    if effect is not None:
                        effect(tx, now)
                return
            except StoreUnavailable:
                if job.kind in self.sendless_kinds or self._stopping.is_set():
                    raise
                if waited == 0.0:
                    log.warning(
                        "record_waiting job=%s key=%s: sent; recording it when the store is back", job.id, job.key
                    )
                self._stopping.wait(pause)
                waited += pause
                pause = min(pause * 2, 5.0)

    def _done(self, job: Job, *, acted: bool, now: datetime) -> None:
        """Count a completed job; a page handler that returns no effect sent nothing (superseded)."""
        page = job.kind in self.page_kinds
        outcome: metrics.JobOutcome = "done" if job.kind in self.sendless_kinds else "sent"
        if page and not acted:
            outcome = "skipped"
        metrics.job_finished(job.kind, outcome, page=page)
        if page and outcome == "sent":
            metrics.observe_page_lateness((now - job.due_at).total_seconds())
        log.debug("job_done job=%s key=%s attempt=%s outcome=%s", job.id, job.key, job.attempt, outcome)

    def _hold(self, job: Job, exc: DeliveryError) -> None:
        """Not sent, and nothing but time or a person helps: back to pending, the attempt not spent.
        A refused token keeps the job's due time, so held pages go out oldest first once it works
        (the gate paces the probes); a 429 brings it back after Retry-After."""
        if exc.auth and not self.slack.probing:  # a runner whose client does not report to the gate
            self.slack.token_refused(exc.reason.rsplit(": ", 1)[-1])
        now = self.clock.now()
        due_at = job.due_at if exc.auth else now + max(exc.retry_after or timedelta(), self.retry_base)
        log.info("hold job=%s key=%s until=%s reason=%s", job.id, job.key, due_at.isoformat(), exc.reason)
        with self.store.transaction(patient=True) as tx:
            tx.jobs.hold(job, due_at=due_at, error=exc.reason)
        metrics.job_finished(job.kind, "retried", page=job.kind in self.page_kinds)

    def _retry(self, job: Job, reason: str, retry_after: timedelta | None) -> None:
        now = self.clock.now()
        wait = jittered(backoff(job.attempt, base=self.retry_base), spread=self.jitter, draw=self._random.random)
        # Never sooner than the base retry delay, nor before Slack's Retry-After.
        delay = max(wait, self.retry_base, retry_after or timedelta())
        log.info(
            "retry job=%s key=%s attempt=%s in=%ss reason=%s",
            job.id,
            job.key,
            job.attempt,
            delay.total_seconds(),
            reason,
        )
        with self.store.transaction(patient=True) as tx:
            tx.jobs.retry(job, due_at=now + delay, error=reason)
        metrics.job_finished(job.kind, "retried", page=job.kind in self.page_kinds)

    def _fail(self, job: Job, reason: str) -> None:
        now = self.clock.now()
        log.error("job_failed job=%s key=%s attempts=%s reason=%s", job.id, job.key, job.attempt, reason)
        with self.store.transaction(patient=True) as tx:
            failed = tx.jobs.fail(job, now=now, error=reason)
            if failed:
                self.give_up(tx, job, reason, now)
        if failed:
            metrics.job_finished(job.kind, "failed", page=job.kind in self.page_kinds)
