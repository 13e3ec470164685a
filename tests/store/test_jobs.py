"""The durable job table: one row per key, atomic claims, fenced completion, leases."""

import threading
from datetime import UTC, datetime, timedelta

from bot.store.store import Store

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def enqueue(store, key, due=NOW, **extra):
    with store.transaction() as tx:
        return tx.jobs.enqueue(kind="test", key=key, due_at=due, now=NOW, **extra)


def claim(store, worker, now=NOW, limit=50):
    with store.transaction() as tx:
        return tx.jobs.claim_due(now=now, worker=worker, lease=LEASE, limit=limit)


def test_a_key_is_enqueued_once(store):
    assert enqueue(store, "page:ADS-1001:level1:round1") is True
    assert enqueue(store, "page:ADS-1001:level1:round1") is False
    with store.transaction() as tx:
        assert tx.jobs.states() == {"page:ADS-1001:level1:round1": "pending"}


def test_only_due_jobs_are_claimed_in_due_order(store):
    enqueue(store, "later", due=NOW + timedelta(minutes=5))
    enqueue(store, "second", due=NOW - timedelta(seconds=1))
    enqueue(store, "first", due=NOW - timedelta(seconds=2))
    jobs = claim(store, "w1")
    assert [j.key for j in jobs] == ["first", "second"]
    assert all(j.attempt == 1 and j.claimed_by == "w1" for j in jobs)
    assert claim(store, "w2") == []


def test_concurrent_workers_never_claim_the_same_job(store_url):
    stores = [Store.open(store_url) for _ in range(4)]
    try:
        for i in range(200):
            enqueue(stores[0], f"job:{i}")
        claimed: dict[str, list[str]] = {f"w{i}": [] for i in range(4)}

        def work(name: str, own: Store) -> None:
            while True:
                jobs = claim(own, name, limit=7)
                if not jobs:
                    return
                claimed[name].extend(j.key for j in jobs)

        threads = [threading.Thread(target=work, args=(f"w{i}", s)) for i, s in enumerate(stores)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        every = [k for keys in claimed.values() for k in keys]
        assert len(every) == 200
        assert len(set(every)) == 200
    finally:
        for s in stores:
            s.close()


def test_completion_is_fenced_to_the_current_claim(store):
    enqueue(store, "post")
    [first] = claim(store, "w1")
    # w1 stalls past its lease; w2 takes the job over.
    [second] = claim(store, "w2", now=NOW + LEASE + timedelta(seconds=1))
    assert second.attempt == 2 and second.claimed_by == "w2"
    with store.transaction() as tx:
        assert tx.jobs.complete(first, now=NOW) is False
        assert tx.jobs.complete(second, now=NOW) is True
        assert tx.jobs.states() == {"post": "done"}


def test_retry_puts_the_job_back_for_later(store):
    enqueue(store, "post")
    [job] = claim(store, "w1")
    with store.transaction() as tx:
        assert tx.jobs.retry(job, due_at=NOW + timedelta(seconds=30), error="429") is True
    assert claim(store, "w1", now=NOW + timedelta(seconds=29)) == []
    [again] = claim(store, "w1", now=NOW + timedelta(seconds=30))
    assert again.attempt == 2


def test_failed_jobs_stay_failed_and_visible(store):
    enqueue(store, "post")
    [job] = claim(store, "w1")
    with store.transaction() as tx:
        assert tx.jobs.fail(job, now=NOW, error="channel_not_found") is True
        assert tx.jobs.states() == {"post": "failed"}
    assert claim(store, "w1", now=NOW + timedelta(days=1)) == []


def test_cancel_for_case_only_touches_pending_jobs_of_those_kinds(store):
    from tests.store.test_cases import intake

    with store.transaction() as tx:
        case = tx.cases.add(intake(), now=NOW)
        tx.jobs.enqueue(kind="page", key="page:1", due_at=NOW + timedelta(minutes=5), now=NOW, case_id=case.id)
        tx.jobs.enqueue(kind="page", key="page:2", due_at=NOW, now=NOW, case_id=case.id)
        tx.jobs.enqueue(kind="post", key="post:1", due_at=NOW + timedelta(minutes=5), now=NOW, case_id=case.id)
    claim(store, "w1")  # takes page:2 and nothing else due
    with store.transaction() as tx:
        assert tx.jobs.cancel_for_case(case.id, kinds=["page"], now=NOW) == 1
        assert tx.jobs.states(case_id=case.id) == {"page:1": "cancelled", "page:2": "running", "post:1": "pending"}


def test_jobs_of_skipped_cases_stay_pending_and_jobs_without_a_case_are_claimed(store):
    from tests.store.test_cases import intake

    with store.transaction() as tx:
        first, second = tx.cases.add(intake(), now=NOW), tx.cases.add(intake(), now=NOW)
        tx.jobs.enqueue(kind="page", key="page:1", due_at=NOW, now=NOW, case_id=first.id)
        tx.jobs.enqueue(kind="page", key="page:2", due_at=NOW, now=NOW, case_id=second.id)
    enqueue(store, "digest")
    with store.transaction() as tx:
        jobs = tx.jobs.claim_due(now=NOW, worker="w1", lease=LEASE, skip_cases=[first.id])
    assert sorted(j.key for j in jobs) == ["digest", "page:2"]
    assert [j.key for j in claim(store, "w1")] == ["page:1"]


def test_overdue_counts_late_and_abandoned_jobs(store):
    enqueue(store, "late", due=NOW - timedelta(minutes=5))
    enqueue(store, "fresh", due=NOW)
    with store.transaction() as tx:
        assert tx.jobs.overdue(now=NOW, older_than=timedelta(seconds=30)) == 1
