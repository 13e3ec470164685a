"""A send that went out while the store went away is recorded when the store is back — not left to
run out its lease and be sent a second time."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.jobs.runner import JobRunner
from bot.services.deliveries import give_up
from bot.store.store import Store, StoreUnavailable

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class FlakyStore:
    """The real store, except that the next `fail` write transactions after `armed` raise."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.armed = False
        self.fail = 0

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    @contextlib.contextmanager
    def transaction(self, *, patient: bool = False) -> Iterator:
        if self.armed and self.fail > 0:
            self.fail -= 1
            raise StoreUnavailable("the database is busy")
        with self._store.transaction(patient=patient) as tx:
            yield tx


@pytest.mark.parametrize("record_beside", [False, True], ids=["recorded-in-turn", "recorded-beside"])
def test_a_sent_job_is_recorded_once_the_store_is_back_and_never_sent_twice(store, record_beside):
    flaky = FlakyStore(store)
    sends: list[str] = []

    def send(job):
        sends.append(job.key)
        flaky.armed, flaky.fail = True, 2  # the store goes away right after Slack took the message
        return lambda tx, now: None

    with store.transaction() as tx:
        tx.jobs.enqueue(kind="post", key="post:1", due_at=T0, now=T0)
    runner = JobRunner(
        store=flaky,  # type: ignore[arg-type]
        clock=FakeClock(T0),
        handlers={"post": send},
        give_up=give_up,
        record_beside=record_beside,
    )
    # Ticks as the ticker runs them: one that meets the outage (a record, or the next claim while the
    # record runs beside it) fails and is logged; the next goes on.
    for _ in range(4):
        with contextlib.suppress(StoreUnavailable):
            runner.run_due()
    assert sends == ["post:1"]
    assert flaky.fail == 0
    with store.read() as tx:
        assert tx.jobs.states() == {"post:1": "done"}
