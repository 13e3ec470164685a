"""What an idle replica asks the database: on Postgres the heartbeat (every second) and the guide drafts
check keep one connection each instead of checking one out (and pinging it) per statement, and a
connection the database dropped costs no failed beat; the drafts check reads only after an approval is
heard; the auditor's round is one statement."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from bot.clock import DatabaseClock, SystemClock
from bot.config.model import Config
from bot.jobs.heartbeat import Heartbeat
from bot.services.guidance import Guidance
from bot.services.guide_search import GuideIndex
from bot.store.store import Store
from tests.conftest import postgres_schema_url
from tests.store.test_cases import NOW, intake
from tests.store.test_guides import TEXT


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from postgres_schema_url()


def statements(store: Store) -> list[str]:
    """Every statement the store's engine sends from here on (the checkout's ping is not one of them)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    return seen


@pytest.mark.postgres
def test_postgres_beats_on_one_held_connection_and_a_dropped_one_costs_no_failed_beat(pg_url: str) -> None:
    store = Store.open(pg_url)
    try:
        heartbeat = Heartbeat(store=store, clock=DatabaseClock(SystemClock()), worker="idle-1")
        for _ in range(5):
            heartbeat.beat()
        held = store._beat_conn
        assert held is not None and held.checkouts == 1  # one checkout (and ping) for all of them
        # The database drops it (a restart, a failover): the next beat goes in on a new connection.
        with store.engine.connect() as admin:
            admin.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
                     " AND datname = current_database() AND query LIKE '%INSERT INTO workers%'")
            )  # fmt: skip
            admin.commit()
        assert heartbeat.beat() == 0
        assert heartbeat.failing_since is None and heartbeat.last_error is None
        assert held.checkouts == 2
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_drafts_check_reads_only_after_a_replica_approves_a_draft(shipped_config: Config, pg_url: str) -> None:
    mine, other = Store.open(pg_url), Store.open(pg_url)
    listener = mine.job_listener(lambda: None)
    assert listener is not None
    listener.start()
    try:
        assert listener.connected.wait(10)
        guidance = Guidance(index=GuideIndex(shipped_config.guides), store=mine)
        guidance.refresh()  # the first look reads
        before = guidance.drafts_seen
        sent = statements(mine)
        for _ in range(5):
            guidance.refresh()
        assert sent == []  # nothing approved anywhere: no statement at all
        version = mine.version()
        with other.transaction() as tx:
            case = tx.cases.add(intake(), now=NOW)
            draft = tx.guides.add_draft(case.id, replace(TEXT, guide_id="heard"), created_by="U0SPEC1", now=NOW)
        with other.transaction() as tx:
            tx.guides.approve(draft.id, draft.version, by="U0LEAD1", now=NOW, guide_id="heard")
        heard = threading.Event()
        for _ in range(500):  # NOTIFY reaches the listener after the commit
            if mine.version() != version:
                heard.set()
                break
            threading.Event().wait(0.01)
        assert heard.is_set()
        guidance.refresh()
        assert sent  # read once it was heard
        assert guidance.drafts_seen != before
        assert guidance.guide("heard") is not None
    finally:
        listener.stop()
        mine.close()
        other.close()


def test_an_audit_round_asks_the_store_one_statement(store_url: str) -> None:
    store = Store.open(store_url)
    try:
        now = datetime.now(UTC)
        with store.transaction() as tx:
            tx.jobs.enqueue(kind="post", key="late", due_at=now - timedelta(minutes=5), now=now)
            tx.jobs.enqueue(kind="post", key="later", due_at=now + timedelta(minutes=5), now=now)
        engine = store.read_engine
        seen: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
        backlog = store.backlog(now=now, wall_now=now, late_after=timedelta(seconds=30))
        assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1  # and no BEGIN on Postgres
        assert (backlog.pending, backlog.overdue) == (2, 1)
        assert backlog.oldest_due_at is not None and backlog.oldest_due_at < now
        empty = store.backlog(now=now - timedelta(hours=1), wall_now=now, late_after=timedelta(seconds=30))
        assert empty.oldest_id is None and empty.pending == 2
    finally:
        store.close()
