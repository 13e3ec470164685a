"""Postgres behind a network that holds bytes (a firewall DROP): transactions fail within their budget,
and a COMMIT that reaches the database after the person was told "not filed" is refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from bot.store.store import ACK_BUDGET_S, Store, StoreUnavailable
from tests.conftest import postgres_schema_url
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


@pytest.fixture
def proxied() -> Iterator[tuple[Store, Store, TcpProxy]]:
    """(a store through a cuttable proxy, a store straight to the database, the proxy)."""
    urls = postgres_schema_url()
    url = next(urls)
    direct = Store.open(url)
    target = urlsplit(url.replace("postgresql://", "http://", 1))
    proxy = TcpProxy((target.hostname or "127.0.0.1", target.port or 5432))
    through = Store.open(url.replace(f"{target.hostname}:{target.port}", f"127.0.0.1:{proxy.port}", 1))
    try:
        yield through, direct, proxy
    finally:
        proxy.restore()
        through.close()
        direct.close()
        proxy.close()
        for _ in urls:
            pass


def keys(store: Store) -> set[str]:
    with store.read() as tx:
        return set(tx.jobs.states())


def add_job(tx, key: str) -> None:
    tx.jobs.enqueue(kind="test", key=key, due_at=NOW, now=NOW)


def test_a_held_network_fails_an_ack_path_transaction_within_its_budget(proxied):
    through, direct, proxy = proxied
    proxy.cut("hold")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable), through.transaction() as tx:
        add_job(tx, "held:before-begin")
    waited = time.monotonic() - started
    assert waited >= ACK_BUDGET_S - 0.1  # it waited its budget, then gave up (no upper bound: timing is bench's)
    proxy.restore()
    # Recovery without a restart: the next transaction gets a fresh connection.
    with through.transaction() as tx:
        add_job(tx, "after")
    assert keys(direct) == {"after"}


def test_a_commit_held_past_the_deadline_is_refused_when_it_finally_arrives(proxied):
    through, direct, proxy = proxied
    released = threading.Event()

    def restore_later() -> None:
        time.sleep(ACK_BUDGET_S + 1.5)  # the client has given up and told the person by now
        proxy.restore()
        released.set()

    with pytest.raises(StoreUnavailable), through.transaction() as tx:
        add_job(tx, "held:commit")
        proxy.cut("hold")  # the INSERT reached the database; the COMMIT is held
        threading.Thread(target=restore_later, daemon=True).start()
    assert released.wait(10)
    # The held COMMIT has been delivered by now; give the server a moment to refuse it, then look.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with direct.read() as tx:
            busy = tx.session.execute(
                text(
                    "select count(*) from pg_stat_activity where state like 'idle in transaction%' "
                    "and datname = current_database() and pid <> pg_backend_pid()"
                )
            ).scalar_one()
        if not busy:
            break
        time.sleep(0.1)
    # Without the server's commit deadline this row is there: filed after the person saw "not filed".
    assert "held:commit" not in keys(direct)


def test_a_commit_held_briefly_inside_the_budget_goes_through(proxied):
    through, direct, proxy = proxied

    def restore_soon() -> None:
        time.sleep(0.3)
        proxy.restore()

    with through.transaction() as tx:
        add_job(tx, "brief")
        proxy.cut("hold")
        threading.Thread(target=restore_soon, daemon=True).start()
    assert "brief" in keys(direct)


def _counted_pings(store, monkeypatch, *, start: float) -> tuple[list[float], list[int]]:
    """The engine's monotonic clock held at `start` (moved by the test through the returned list), and
    a list that grows by one per ping the pool sends before a checkout."""
    from bot.store import engine as engines

    moment = [start]
    monkeypatch.setattr(engines, "monotonic", lambda: moment[0])
    pings: list[int] = []
    ping = store.engine.dialect.do_ping

    def counted(dbapi_connection):
        pings.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(store.engine.dialect, "do_ping", counted)
    return moment, pings


def test_a_connection_back_from_a_transaction_just_now_is_not_pinged_and_one_after_a_failure_is(proxied, monkeypatch):
    """Each checkout used to ask the database first (one more round trip per transaction, on every ack).
    A connection that came back to the pool less than PING_BYPASS_S ago from a transaction that worked
    is used at once; older, or after a database that went away, it is asked again. A database gone in
    that window costs one transaction ("try again"), and the next one works."""
    from bot.store import engine as engines

    through, _direct, proxy = proxied
    moment, pings = _counted_pings(through, monkeypatch, start=1000.0)
    with through.transaction() as tx:
        add_job(tx, "first")
    before = len(pings)
    moment[0] += engines.PING_BYPASS_S / 2
    with through.transaction() as tx:
        add_job(tx, "soon after")
    assert len(pings) == before  # no round trip to ask
    moment[0] += engines.PING_BYPASS_S * 2
    with through.transaction() as tx:
        add_job(tx, "a while later")
    assert len(pings) == before + 1
    # The database goes away and comes back inside the window: that transaction fails plainly …
    proxy.cut("refuse")
    proxy.restore()
    with pytest.raises(StoreUnavailable), through.transaction() as tx:
        add_job(tx, "lost with the connection")
    # … and the next one gets a connection that answers.
    with through.transaction() as tx:
        add_job(tx, "after")
    assert {"first", "soon after", "a while later", "after"} <= keys(through)
    assert "lost with the connection" not in keys(through)


def test_a_connection_back_from_a_failed_statement_is_pinged_however_recent(proxied, monkeypatch):
    """A statement that failed without the connection being thrown away (an error of the SQL, a deadline)
    still makes the next checkout ask the database first, even inside PING_BYPASS_S."""
    through, _direct, _proxy = proxied
    _moment, pings = _counted_pings(through, monkeypatch, start=2000.0)
    with through.transaction() as tx:
        add_job(tx, "first")
    before = len(pings)
    with pytest.raises(ProgrammingError), through.transaction() as tx:
        tx.session.execute(text("SELECT no_such_column FROM jobs"))
    with through.transaction() as tx:
        add_job(tx, "after the error")
    assert len(pings) >= before + 1  # the failed statement's connection was asked again
    assert {"first", "after the error"} <= keys(through)
