"""Worker heartbeats and the database's clock: a dead worker's claims come back in seconds, not
after their lease; a replica's wrong clock is corrected and reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.clock import DatabaseClock, FakeClock, machine_now
from bot.jobs.heartbeat import Heartbeat, HeartbeatLimits, describe_skew
from bot.store.store import Store

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
STALE = timedelta(seconds=5)


def claimed_job(store: Store, worker: str) -> None:
    with store.transaction() as tx:
        tx.jobs.enqueue(kind="test", key="page:1", due_at=NOW, now=NOW)
    with store.transaction() as tx:
        [job] = tx.jobs.claim_due(now=NOW, wall_now=NOW, worker=worker, lease=LEASE)
    assert job.claimed_by == worker


def beat(store: Store, worker: str, *, host: str = "host-a", pid: int = 101, now: datetime = NOW) -> None:
    with store.transaction() as tx:
        tx.workers.beat(worker=worker, host=host, pid=pid, started_at=now, now=now)


def take_over(store: Store, me: str, *, host: str = "host-b", pid: int = 202, now: datetime = NOW, alive=None):
    with store.transaction() as tx:
        return tx.workers.take_over_dead(
            me=me, host=host, pid=pid, stale_after=STALE, now=now, alive=alive or (lambda _pid: True)
        )


def age_heartbeat(store: Store, worker: str, seconds: float) -> None:
    """As if `worker` had not beaten for `seconds` (works on either database's clock)."""
    with store.transaction() as tx:
        rows = tx.session.execute(text("select id, last_seen_at from workers where id = :w"), {"w": worker}).all()
        [(_, seen)] = rows
        seen = datetime.fromisoformat(seen) if isinstance(seen, str) else seen
        tx.session.execute(
            text("update workers set last_seen_at = :seen where id = :w"),
            {"seen": seen - timedelta(seconds=seconds), "w": worker},
        )


def states(store: Store) -> dict[str, str]:
    with store.read() as tx:
        return tx.jobs.states()


def test_a_live_workers_claims_are_left_alone(store):
    beat(store, "w1")
    claimed_job(store, "w1")
    assert take_over(store, "w2") == []
    assert states(store) == {"page:1": "running"}


def test_a_worker_that_stopped_beating_has_its_claims_taken_over_without_waiting_for_the_lease(store):
    beat(store, "w1")
    claimed_job(store, "w1")
    age_heartbeat(store, "w1", 6)
    released = take_over(store, "w2")
    assert [(key, owner) for _, key, owner in released] == [("page:1", "w1")]
    assert states(store) == {"page:1": "pending"}
    with store.transaction() as tx:  # claimable at once, long before the 60 s lease would run out
        [job] = tx.jobs.claim_due(now=NOW, wall_now=NOW, worker="w2", lease=LEASE)
    assert (job.claimed_by, job.attempt) == ("w2", 2)
    with store.read() as tx:  # the dead worker's row is gone
        assert tx.workers.alive(stale_after=STALE, now=NOW) == []


def test_a_successor_on_the_same_host_takes_over_a_dead_predecessor_at_once(store):
    beat(store, "old", host="host-a", pid=101)
    claimed_job(store, "old")
    released = take_over(store, "new", host="host-a", pid=102, alive=lambda pid: pid != 101)
    assert [owner for _, _, owner in released] == ["old"]
    assert states(store) == {"page:1": "pending"}


def test_a_predecessor_with_our_own_pid_is_dead_too(store):
    """In a container the restarted process has the same pid (1) on the same host."""
    beat(store, "old", host="host-a", pid=1)
    claimed_job(store, "old")
    assert [owner for _, _, owner in take_over(store, "new", host="host-a", pid=1)] == ["old"]


def test_replicas_in_one_process_share_its_pid_and_keep_each_others_claims(store):
    """Two bots in one process (as two-replica tests run them) beat with the same host and pid; neither
    is the other's predecessor, so a beat never puts back the other's claims (CI once saw an SMS sent
    twice after such a take-over). A predecessor with our pid that is not beating here is still dead."""
    first = Heartbeat(store=store, clock=DatabaseClock(FakeClock(NOW)), worker="first")
    second = Heartbeat(store=store, clock=DatabaseClock(FakeClock(NOW)), worker="second")
    first.start()
    second.start()
    try:
        assert first.beat() == 0
        claimed_job(store, "first")
        assert second.beat() == 0
        with store.read() as tx:
            assert tx.jobs.states() == {"page:1": "running"}
        beat(store, "gone", host=second.host, pid=second.pid)  # a predecessor that had our pid
        claimed_job_of(store, "gone", key="page:2")
        assert second.beat() == 1
        with store.read() as tx:
            assert tx.jobs.states() == {"page:1": "running", "page:2": "pending"}
    finally:
        second.stop()
        first.stop()


def claimed_job_of(store: Store, worker: str, *, key: str) -> None:
    with store.transaction() as tx:
        tx.jobs.enqueue(kind="test", key=key, due_at=NOW, now=NOW)
    with store.transaction() as tx:
        claimed = tx.jobs.claim_due(now=NOW, wall_now=NOW, worker=worker, lease=LEASE)
    assert [job.key for job in claimed] == [key]


def test_a_live_neighbour_on_the_same_host_keeps_its_claims(store):
    beat(store, "neighbour", host="host-a", pid=101)
    claimed_job(store, "neighbour")
    assert take_over(store, "new", host="host-a", pid=102, alive=lambda pid: True) == []


def test_the_heartbeat_beats_and_takes_over_in_one_pass_and_kicks_the_tick(store):
    beat(store, "dead", host="elsewhere", pid=7)
    claimed_job(store, "dead")
    age_heartbeat(store, "dead", 60)
    kicked = []
    heartbeat = Heartbeat(
        store=store, clock=DatabaseClock(FakeClock(NOW)), worker="me", on_released=lambda: kicked.append(1)
    )
    assert heartbeat.beat() == 1
    assert kicked == [1]
    assert heartbeat.writes_failing_for() is None
    with store.read() as tx:
        assert "me" in tx.workers.alive(stale_after=timedelta(days=3650), now=heartbeat.clock.wall_now())


def test_a_database_clock_offset_moves_the_injected_clock_and_not_a_tolerance_of_noise():
    fake = FakeClock(NOW)
    clock = DatabaseClock(fake)
    # The database is 90 s ahead of this machine's real clock (this replica is 90 s slow).
    measured = clock.measure(lambda: machine_now() + timedelta(seconds=90))
    assert measured is not None and abs(measured - timedelta(seconds=90)) < timedelta(seconds=1)
    assert abs(clock.now() - (NOW + timedelta(seconds=90))) < timedelta(seconds=1)
    fake.advance(timedelta(hours=1))  # a test moving its clock still moves the bot's
    assert abs(clock.now() - (NOW + timedelta(hours=1, seconds=90))) < timedelta(seconds=1)
    clock.measure(lambda: machine_now() + timedelta(milliseconds=20))  # round-trip noise: not applied
    assert clock.now() == NOW + timedelta(hours=1)
    assert clock.measure(lambda: None) is None  # SQLite: no clock of its own; nothing changes
    assert clock.now() == NOW + timedelta(hours=1)


def test_a_clock_beyond_the_limit_is_reported_and_within_it_is_not(store):
    heartbeat = Heartbeat(store=store, clock=DatabaseClock(FakeClock(NOW)), worker="me", limits=HeartbeatLimits())
    heartbeat.clock.measure(lambda: machine_now() - timedelta(seconds=90))
    skew = heartbeat.clock_skew()
    assert skew is not None
    assert describe_skew(skew).startswith("this machine's clock is 90 s ahead of the database's")
    heartbeat.clock.measure(lambda: machine_now() + timedelta(seconds=2))
    assert heartbeat.clock_skew() is None


def test_a_store_that_refuses_writes_is_reported_by_the_heartbeat(store_url, tmp_path):
    store = Store.open(store_url)
    heartbeat = Heartbeat(store=store, clock=DatabaseClock(FakeClock(NOW)), worker="me")
    store.close()
    store.engine.dispose()

    class Refusing:
        def beat(self, **_):
            from bot.store.store import StoreUnavailable

            raise StoreUnavailable("database is locked")

        transaction = beat

    heartbeat.store = Refusing()  # type: ignore[assignment]
    assert heartbeat.beat() == 0
    assert heartbeat.writes_failing_for() is not None
    assert heartbeat.last_error == "StoreUnavailable: database is locked"
    heartbeat.store = Store.open(store_url)
    try:
        heartbeat.beat()
        assert heartbeat.writes_failing_for() is None
    finally:
        heartbeat.store.close()
