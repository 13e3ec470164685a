"""Time is an input: the job runner under a frozen wall clock (freezegun), on a real SQLite file.

The runner reads due times from its `clock` (here the real SystemClock, which freezegun moves) and
leases from its wall clock. Handlers are written here: a handler takes the claimed Job and may return
an effect `(tx, now)` that is committed together with the job's completion.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import select, text

from bot.clock import FakeClock, SystemClock
from bot.domain.case import MessageRef
from bot.domain.intake import validate_intake
from bot.domain.job import Job
from bot.jobs.runner import JobRunner
from bot.jobs.scheduler import Ticker
from bot.services.oncall import OnCall
from bot.services.open_case import POST_ROOT, open_case
from bot.services.paging import ESCALATE, Paging, start_paging
from bot.services.ports import DeliveryError
from bot.store.store import Store, Tx
from bot.store.tables import RequestKeyRow

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=15)
LONDON = ZoneInfo("Europe/London")

Effect = Callable[[Tx, datetime], None]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'x.db'}"


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Store]:
    store = Store.open(sqlite_url)
    try:
        yield store
    finally:
        store.close()


class GiveUps:
    """The give-up function: records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, datetime]] = []

    def __call__(self, tx: Tx, job: Job, reason: str, now: datetime) -> None:
        self.calls.append((job.key, reason, now))


def runner(store: Store, handlers: dict, *, worker: str = "w1", give_up: GiveUps | None = None, **kw) -> JobRunner:
    return JobRunner(
        store=store,
        clock=kw.pop("clock", SystemClock()),
        handlers=handlers,
        give_up=give_up or GiveUps(),
        worker=worker,
        jitter=kw.pop("jitter", 0.0),  # exact schedules here; test_retries_are_jittered covers the spread
        parallel=kw.pop("parallel", 1),  # exact order here; test_a_batch_runs_cases_side_by_side covers threads
        **kw,
    )


def enqueue(store: Store, key: str, due_at: datetime, *, kind: str = "step", **kw) -> None:
    with store.transaction() as tx:
        tx.jobs.enqueue(kind=kind, key=key, due_at=due_at, now=datetime.now(UTC), **kw)


def states(store: Store) -> dict[str, str]:
    with store.read() as tx:
        return tx.jobs.states()


def states_of(url: str) -> dict[str, str]:
    store = Store.open(url)
    try:
        return states(store)
    finally:
        store.close()


def tick_until_idle(job_runner: JobRunner, limit: int = 50) -> int:
    """What the ticker does over several ticks at one instant: run_due until nothing is due."""
    total = 0
    for _ in range(limit):
        ran = job_runner.run_due()
        if not ran:
            return total
        total += ran
    raise AssertionError("still running after many ticks")


def chain(ran: list[tuple[int, datetime]], *, steps: int = 10) -> Callable[[Job], Effect]:
    """Step n runs, then schedules step n+1 due `STEP` after its own due time (an escalation's shape)."""

    def handler(job: Job) -> Effect:
        n = int(job.payload["n"])
        ran.append((n, job.due_at))

        def effect(tx: Tx, now: datetime) -> None:
            if n + 1 < steps:
                tx.jobs.enqueue(
                    kind="step", key=f"step:{n + 1}", due_at=job.due_at + STEP, now=now, payload={"n": n + 1}
                )

        return effect

    return handler


def test_a_jump_past_several_due_times_runs_each_step_once_in_due_order(db: Store):
    ran: list[tuple[int, datetime]] = []
    with freeze_time(T0 - timedelta(minutes=1), tick=False) as frozen:
        enqueue(db, "step:0", T0, payload={"n": 0})
        jobs = runner(db, {"step": chain(ran)})
        assert tick_until_idle(jobs) == 0
        frozen.move_to(T0 + 50 * timedelta(minutes=1))  # past T0, +15, +30 and +45 minutes
        assert tick_until_idle(jobs) == 4
        assert ran == [(n, T0 + n * STEP) for n in range(4)]
        assert tick_until_idle(jobs) == 0  # each once
        assert states(db) == {
            "step:0": "done",
            "step:1": "done",
            "step:2": "done",
            "step:3": "done",
            "step:4": "pending",
        }
        frozen.move_to(T0 + 4 * STEP - timedelta(microseconds=1))
        assert tick_until_idle(jobs) == 0
        frozen.move_to(T0 + 4 * STEP)
        assert tick_until_idle(jobs) == 1
        assert ran[-1] == (4, T0 + 4 * STEP)


def test_one_run_due_runs_every_step_already_due_including_those_its_own_batch_made_due(db: Store):
    """Follow-up work an effect makes due now (page.send after page.escalate) does not wait for a tick."""
    ran: list[tuple[int, datetime]] = []
    with freeze_time(T0 + 50 * timedelta(minutes=1), tick=False):
        enqueue(db, "step:0", T0, payload={"n": 0})
        assert runner(db, {"step": chain(ran)}).run_due() == 4
    assert [n for n, _ in ran] == [0, 1, 2, 3]


def test_a_jump_over_a_dst_change_keeps_order_and_count(db: Store, monkeypatch: pytest.MonkeyPatch):
    """Europe/London springs forward at 2027-03-28 01:00 UTC (01:00 GMT → 02:00 BST)."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        ran: list[tuple[int, datetime]] = []
        start = datetime(2027, 3, 28, 0, 30, tzinfo=LONDON)  # 00:30 GMT
        with freeze_time(start - timedelta(minutes=1), tick=False) as frozen:
            enqueue(db, "step:0", start, payload={"n": 0})
            jobs = runner(db, {"step": chain(ran)})
            assert tick_until_idle(jobs) == 0
            frozen.move_to(datetime(2027, 3, 28, 2, 31, tzinfo=LONDON))  # 02:31 BST = 01:31 UTC
            assert tick_until_idle(jobs) == 5
        local = [due.astimezone(LONDON).strftime("%H:%M %Z") for _, due in ran]
        assert local == ["00:30 GMT", "00:45 GMT", "02:00 BST", "02:15 BST", "02:30 BST"]
        assert [n for n, _ in ran] == [0, 1, 2, 3, 4]
        assert [b - a for (_, a), (_, b) in itertools.pairwise(ran)] == [STEP] * 4  # real minutes
        assert states(db)["step:5"] == "pending"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_retry_with_retry_after_is_not_run_before_that_time(db: Store):
    attempts: list[datetime] = []

    def rate_limited_once(job: Job) -> None:
        attempts.append(datetime.now(UTC))
        if len(attempts) == 1:
            raise DeliveryError("chat.postMessage: ratelimited", retryable=True, retry_after=timedelta(seconds=30))

    with freeze_time(T0, tick=False) as frozen:
        enqueue(db, "page", T0, kind="send")
        jobs = runner(db, {"send": rate_limited_once}, retry_base=timedelta(seconds=2))
        assert jobs.run_due() == 1
        assert states(db) == {"page": "pending"}
        for seconds in (2, 4, 29.999):  # past the backoff, not past Retry-After
            frozen.move_to(T0 + timedelta(seconds=seconds))
            assert tick_until_idle(jobs) == 0
        assert len(attempts) == 1
        frozen.move_to(T0 + timedelta(seconds=30))
        assert tick_until_idle(jobs) == 1
    assert attempts == [T0, T0 + timedelta(seconds=30)]
    assert states(db) == {"page": "done"}


def test_backoff_wins_over_a_shorter_retry_after(db: Store):
    attempts: list[datetime] = []

    def always_rate_limited(job: Job) -> None:
        attempts.append(datetime.now(UTC))
        raise DeliveryError("ratelimited", retryable=True, retry_after=timedelta(seconds=1))

    with freeze_time(T0, tick=False) as frozen:
        enqueue(db, "page", T0, kind="send")
        jobs = runner(db, {"send": always_rate_limited}, retry_base=timedelta(seconds=2))
        for second in range(15):
            frozen.move_to(T0 + timedelta(seconds=second))
            tick_until_idle(jobs)
    # backoff 2 s, 4 s, 8 s after attempts 1, 2 and 3
    assert [(a - T0).total_seconds() for a in attempts] == [0, 2, 6, 14]


@pytest.mark.parametrize(
    "failure",
    [
        DeliveryError("chat.postMessage: service_unavailable", retryable=True),
        RuntimeError("a bug in the handler"),
    ],
    ids=["retryable-delivery-error", "unexpected-exception"],
)
def test_a_job_that_exhausts_max_attempts_gives_up_exactly_once(db: Store, failure: Exception):
    calls: list[datetime] = []
    give_up = GiveUps()

    def failing(job: Job) -> None:
        calls.append(datetime.now(UTC))
        raise failure

    with freeze_time(T0, tick=False) as frozen:
        enqueue(db, "page", T0, kind="send", max_attempts=3)
        jobs = runner(db, {"send": failing}, give_up=give_up, retry_base=timedelta(seconds=2))
        for minute in range(20):  # far past every backoff
            frozen.move_to(T0 + timedelta(minutes=minute))
            tick_until_idle(jobs)
    assert len(calls) == 3
    assert len(give_up.calls) == 1
    key, reason, _ = give_up.calls[0]
    assert key == "page" and str(failure) in reason
    assert states(db) == {"page": "failed"}


def test_a_final_delivery_error_gives_up_at_once(db: Store):
    give_up = GiveUps()

    def channel_not_found(job: Job) -> None:
        raise DeliveryError("chat.postMessage: channel_not_found", retryable=False)

    with freeze_time(T0, tick=False):
        enqueue(db, "page", T0, kind="send", max_attempts=8)
        assert runner(db, {"send": channel_not_found}, give_up=give_up).run_due() == 1
    assert [(k, r) for k, r, _ in give_up.calls] == [("page", "chat.postMessage: channel_not_found")]
    assert states(db) == {"page": "failed"}


def test_two_runners_over_one_store_never_run_the_same_job_twice(store_url: str):
    """Two workers (each with its own engine, like two processes) drain 300 due jobs from threads."""
    stores = [Store.open(store_url), Store.open(store_url)]
    ran: list[tuple[str, str]] = []
    lock = threading.Lock()

    def record(job: Job) -> None:
        with lock:
            ran.append((job.key, str(job.claimed_by)))

    try:
        with freeze_time(T0, tick=False):
            with stores[0].transaction() as tx:
                for n in range(300):
                    tx.jobs.enqueue(kind="send", key=f"job:{n}", due_at=T0 - timedelta(seconds=n % 7), now=T0)
            workers = [runner(store, {"send": record}, worker=name) for store, name in zip(stores, "AB", strict=True)]
            barrier = threading.Barrier(2)
            errors: list[BaseException] = []

            def drain(worker: JobRunner) -> None:
                try:
                    barrier.wait()
                    deadline = time.monotonic() + 60
                    while (worker.run_due(limit=5, rounds=1) or len(ran) < 300) and time.monotonic() < deadline:
                        pass
                except BaseException as exc:  # surfaced below
                    errors.append(exc)

            threads = [threading.Thread(target=drain, args=(w,), daemon=True) for w in workers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not errors, errors
        by_key = Counter(key for key, _ in ran)
        assert len(by_key) == 300 and set(by_key.values()) == {1}
        by_worker = Counter(worker for _, worker in ran)
        assert set(by_worker) == {"A", "B"}, by_worker
        assert set(states(stores[0]).values()) == {"done"}
    finally:
        for store in stores:
            store.close()


def test_an_expired_lease_is_taken_over_and_the_first_workers_completion_is_refused(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
):
    """Leases follow the wall clock (freezegun), not the bot's clock (a FakeClock that stays at T0)."""
    first, second = Store.open(sqlite_url), Store.open(sqlite_url)
    bot_clock = FakeClock(T0)
    runs: list[str] = []
    lease = timedelta(seconds=60)
    try:
        with freeze_time(T0, tick=False) as frozen:
            takeover: dict[str, int] = {}

            def handler(job: Job) -> Effect:
                runs.append(str(job.claimed_by))
                if job.claimed_by == "A":
                    bot_clock.advance(timedelta(hours=2))  # the bot's clock alone does not expire a lease
                    takeover["early"] = b.run_due()
                    frozen.tick(lease + timedelta(seconds=1))  # A hangs past its lease (wall clock)
                    takeover["late"] = b.run_due()

                def effect(tx: Tx, now: datetime) -> None:
                    tx.jobs.enqueue(kind="marker", key=f"effect-of:{job.claimed_by}", due_at=now + lease, now=now)

                return effect

            a = runner(first, {"send": handler}, worker="A", clock=bot_clock, lease=lease)
            b = runner(second, {"send": handler}, worker="B", clock=bot_clock, lease=lease)
            enqueue(first, "page", T0, kind="send")
            with caplog.at_level(logging.WARNING):
                assert a.run_due() == 1
    finally:
        first.close()
        second.close()
    assert takeover == {"early": 0, "late": 1}
    assert runs == ["A", "B"]
    final = states_of(sqlite_url)
    assert final == {"page": "done", "effect-of:B": "pending"}  # A's effect was rolled back with its completion
    assert "lease_expired_resend" in caplog.text and "previous_worker=A" in caplog.text
    assert "lease_lost" in caplog.text and "worker=A" in caplog.text


def test_a_worker_does_not_start_a_job_whose_lease_ran_out_while_it_waited_in_its_batch(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
):
    """A batch is claimed under one lease; behind a slow job, the next one's lease may run out and
    another worker take it over. The first worker must then skip it (regression: it ran it again)."""
    first, second = Store.open(sqlite_url), Store.open(sqlite_url)
    lease = timedelta(seconds=60)
    runs: list[tuple[str, str]] = []
    try:
        with freeze_time(T0, tick=False) as frozen:

            def send(job: Job) -> None:
                runs.append((job.key, str(job.claimed_by)))
                if job.key == "page:1" and job.claimed_by == "A":
                    frozen.tick(lease + timedelta(seconds=1))  # a slow Slack call, longer than the lease
                    b.run_due()  # another replica's tick takes over what A claimed

            a = runner(first, {"send": send}, worker="A", lease=lease)
            b = runner(second, {"send": send}, worker="B", lease=lease)
            enqueue(first, "page:1", T0, kind="send")
            enqueue(first, "page:2", T0, kind="send")
            with caplog.at_level(logging.WARNING):
                a.run_due()  # claims both in one batch, each with a lease until T0 + 60 s
    finally:
        first.close()
        second.close()
    # page:1 overran its lease while in flight (the allowed, logged window); page:2 had not started.
    assert [who for key, who in runs if key == "page:2"] == ["B"], runs
    assert "lease_lost_before_run job=2 key=page:2 worker=A" in caplog.text


def test_a_stale_workers_conflicting_effect_is_refused_as_lease_lost_not_raised(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
):
    """Regression: the effect ran before the fence was checked, so a unique row already written by the
    worker that took the job over raised IntegrityError out of run_due and aborted the tick."""
    first, second = Store.open(sqlite_url), Store.open(sqlite_url)
    lease = timedelta(seconds=60)
    try:
        with freeze_time(T0, tick=False) as frozen:

            def send(job: Job) -> Effect:
                if job.claimed_by == "A":
                    frozen.tick(lease + timedelta(seconds=1))  # A's Slack call outlives its lease
                    b.run_due()  # B takes the page over, sends it and records it

                def record(tx: Tx, now: datetime) -> None:
                    # What Paging.send's effect does: one row per page, unique per (case, step, user).
                    tx.session.add(RequestKeyRow(key=f"page-sent:{job.key}", seen_at=now))
                    tx.session.flush()

                return record

            a = runner(first, {"send": send}, worker="A", lease=lease)
            b = runner(second, {"send": send}, worker="B", lease=lease)
            enqueue(first, "page", T0, kind="send")
            with caplog.at_level(logging.WARNING):
                assert a.run_due() == 1
        with first.read() as tx:
            recorded = tx.session.execute(select(RequestKeyRow.key)).all()
    finally:
        first.close()
        second.close()
    assert "lease_lost job=1 key=page worker=A" in caplog.text
    assert [key for (key,) in recorded] == ["page-sent:page"]  # B's record only
    assert states_of(sqlite_url) == {"page": "done"}


class RecordingSender:
    """The paging engine's Slack port: records page DMs in the order they are sent."""

    def __init__(self, order: list[tuple[str, int]]) -> None:
        self.order = order

    def send_page(self, case, flow, *, user_id, round, level, again=False):
        self.order.append(("repage" if again else "page", case.id))
        return MessageRef(f"D{user_id}", f"{len(self.order)}.0001")

    def post_thread_note(self, case, note):
        pass

    def alert_leads(self, alert, flow, *, leads_channel):
        pass

    def update_root(self, case, flow):
        pass

    def tell_change(self, case, flow, *, user_id, what, by, text, instead_of):
        pass

    def update_page(self, case, flow, ref, *, user_id, round=0, level=0):
        pass


class NoDirectory:
    def user_for_email(self, email):
        return None

    def usergroup_members(self, usergroup_id):
        return ()


def test_after_a_backlog_each_page_goes_out_before_the_steps_that_fell_due_after_it(db: Store, shipped_config):
    """The worker was away for a minute while 30 SEV1 cases came in a second apart (a restart, a stalled
    tick). When it comes back, a case's page must not wait behind the steps of much later cases.

    Regression: page.send was enqueued due when its step *ran*, so after a backlog every page sorted
    behind every step still overdue (the bench showed page DMs 3x later than their steps)."""
    order: list[tuple[str, int]] = []
    saturday_night = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # 22:00 in Singapore: a primary is on call
    flow = shipped_config.flow("prelaunch_review")
    with freeze_time(saturday_night, tick=False) as frozen:
        clock = SystemClock()
        oncall = OnCall(config=shipped_config, store=db, directory=NoDirectory(), clock=clock)
        paging = Paging(config=shipped_config, store=db, sender=RecordingSender(order), oncall=oncall, clock=clock)
        handlers = paging.handlers() | {POST_ROOT: lambda job: None}
        escalate = handlers[ESCALATE]

        def step(job: Job) -> Effect | None:
            order.append(("step", int(job.case_id or 0)))
            return escalate(job)

        handlers[ESCALATE] = step

        def posted_then_paged(tx: Tx, case, now: datetime) -> None:
            tx.cases.set_root(case.id, MessageRef("C0ESCALATE", "1.1"), now=now)
            tx.cases.add_event(case.id, kind="details_posted", now=now)
            start_paging(tx, tx.cases.get(case.id), config=shipped_config, oncall=oncall, now=now)

        for n in range(30):
            values = {
                "advertiser": f"Advertiser {n}",
                "campaign": "Launch",
                "market": "SG",
                "deadline": clock.now() + timedelta(hours=2),
                "question": "Can this run tonight?",
                "creative_url": "https://cdn.adsco.test/a.mp4",
            }
            intake = validate_intake(flow, values, reporter_id="U0REP1", now=clock.now())
            open_case(intake, store=db, now=clock.now(), intake_key=f"k{n}", on_opened=posted_then_paged)
            frozen.tick(timedelta(seconds=1))
        frozen.tick(timedelta(minutes=1))
        runner(db, handlers).run_due()
    pages = [case for kind, case in order if kind == "page"]
    assert pages == list(range(1, 31))  # each once, in the order the cases came in
    # Jobs are claimed 20 at a time, so a page may follow the steps of its own batch; but not the step of
    # a case that fell due 20 s after it.
    at = {entry: i for i, entry in enumerate(order)}
    behind = [n for n in range(1, 11) if at[("page", n)] > at[("step", n + 20)]]
    assert not behind, f"the pages of cases {behind} went out after the steps of cases 20 s younger: {order}"


def test_one_tick_does_not_leave_an_overdue_backlog_for_the_next_interval(db: Store):
    with freeze_time(T0, tick=False):
        with db.transaction() as tx:
            for n in range(500):
                tx.jobs.enqueue(kind="send", key=f"job:{n}", due_at=T0 - timedelta(seconds=1), now=T0)
        ticker = Ticker(runner(db, {"send": lambda job: None}), interval=2.0, timezone=ZoneInfo("UTC"))
        ran = ticker.tick()
    assert ran == 500
    assert set(states(db).values()) == {"done"}


def test_retries_are_jittered_within_half_the_backoff_and_never_before_retry_after(db: Store):
    """Jobs that failed together (a Slack outage) come back spread over the second half of their
    backoff (never sooner than retry_base), so they do not hit Slack in one burst; Retry-After wins."""
    with freeze_time(T0, tick=False) as frozen:
        for n in range(40):
            enqueue(db, f"j{n}", T0, kind="send")

        def down(job: Job) -> None:
            raise DeliveryError("service_unavailable", retryable=True)

        jobs = runner(db, {"send": down}, retry_base=timedelta(seconds=8), jitter=0.5)
        tick_until_idle(jobs)  # attempt 1: back in retry_base, 8 s
        frozen.move_to(T0 + timedelta(seconds=8))
        tick_until_idle(jobs)  # attempt 2: a 16 s backoff, jittered to 8-16 s
        with db.read() as tx:
            rows = tx.session.execute(text("SELECT due_at FROM jobs")).scalars().all()
    due = sorted((aware(row) - T0).total_seconds() - 8 for row in rows)
    assert all(8 <= d <= 16 for d in due), due
    assert len({round(d, 3) for d in due}) > 20  # spread, not one instant

    with freeze_time(T0, tick=False):
        enqueue(db, "limited", T0, kind="limited")

        def limited(job: Job) -> None:
            raise DeliveryError("ratelimited", retryable=True, retry_after=timedelta(seconds=30))

        tick_until_idle(runner(db, {"limited": limited}, retry_base=timedelta(seconds=8), jitter=0.5))
        with db.read() as tx:
            (due_at,) = tx.session.execute(text("SELECT due_at FROM jobs WHERE key = 'limited'")).one()
    assert aware(due_at) == T0 + timedelta(seconds=30)


def aware(value: datetime | str) -> datetime:
    """A due time as raw SQL returns it (SQLite: text or naive), as an aware UTC datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_a_batch_runs_cases_side_by_side_and_each_case_in_order(db: Store, shipped_config):
    """A burst of pages is sent up to `parallel` at a time (three handlers meet at a barrier, which
    only works if they run at once), while one case's jobs keep their order."""
    saturday_night = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    flow = shipped_config.flow("prelaunch_review")
    with freeze_time(saturday_night, tick=False):
        clock = SystemClock()
        for n in range(3):
            values = {
                "advertiser": f"Advertiser {n}",
                "campaign": "Launch",
                "market": "SG",
                "deadline": clock.now() + timedelta(hours=2),
                "question": "Can this run tonight?",
                "creative_url": "https://cdn.adsco.test/a.mp4",
            }
            open_case(
                validate_intake(flow, values, reporter_id="U0REP1", now=clock.now()),
                store=db,
                now=clock.now(),
                intake_key=f"k{n}",
            )
        with db.transaction() as tx:
            for case_id in (1, 2, 3):
                for step in ("a", "b", "c"):
                    tx.jobs.enqueue(
                        kind="t", key=f"t:{case_id}:{step}", due_at=clock.now(), now=clock.now(), case_id=case_id
                    )
        barrier = threading.Barrier(3, timeout=5)
        seen: list[tuple[int, str]] = []
        lock = threading.Lock()

        def handler(job: Job) -> None:
            step = job.key.rsplit(":", 1)[1]
            if step == "a":
                barrier.wait()  # all three cases' first jobs are running at the same moment
            with lock:
                seen.append((int(job.case_id or 0), step))

        with db.transaction() as tx:  # only our jobs: the cases' own posts are not this test's business
            for case_id in (1, 2, 3):
                tx.jobs.cancel_for_case(case_id, kinds=[POST_ROOT], now=clock.now())
        jobs = runner(db, {"t": handler}, parallel=4)
        try:
            jobs.run_due()
        finally:
            jobs.close()
    for case_id in (1, 2, 3):
        assert [s for c, s in seen if c == case_id] == ["a", "b", "c"]
    ours = {key: state for key, state in states(db).items() if key.startswith("t:")}
    assert ours == {f"t:{c}:{s}": "done" for c in (1, 2, 3) for s in "abc"}
