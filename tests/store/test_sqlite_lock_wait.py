"""A writer waiting for SQLite's write lock held by another process asks again in short steps (0.5 ms,
doubling to 5 ms), not in SQLite's busy handler whose steps grow to 100 ms (issue 17: a web and a worker
process sharing one file), and still gives up after SQLITE_BUSY_TIMEOUT_MS."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store import engine as engine_module
from bot.store.engine import SQLITE_BUSY_TIMEOUT_MS, SQLITE_LOCK_POLL_MAX_S
from bot.store.migrate import StoreUnavailable
from bot.store.store import Store


def holder(path: Path) -> sqlite3.Connection:
    """Another process's connection holding the write lock (BEGIN IMMEDIATE, not yet committed)."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_writer_asks_again_in_short_steps_and_writes_once_the_other_process_commits(tmp_path, monkeypatch):
    path = tmp_path / "shared.db"
    store = Store.open(f"sqlite:///{path}")
    try:
        other = holder(path)
        pauses: list[float] = []

        def sleep(seconds: float) -> None:  # the other process commits after the 8th pause
            pauses.append(seconds)
            if len(pauses) == 8:
                other.execute("COMMIT")

        monkeypatch.setattr(engine_module.time, "sleep", sleep)
        with store.transaction() as tx:
            tx.session.connection().exec_driver_sql("CREATE TABLE written (n INTEGER)")
        assert pauses == [0.0005, 0.001, 0.002, 0.004, 0.005, 0.005, 0.005, 0.005]
        assert max(pauses) == SQLITE_LOCK_POLL_MAX_S
        with sqlite3.connect(path) as check:
            assert check.execute("SELECT count(*) FROM sqlite_master WHERE name = 'written'").fetchone() == (1,)
        other.close()
    finally:
        store.close()


def test_a_writer_gives_up_when_the_other_process_holds_the_lock_past_the_busy_timeout(tmp_path, monkeypatch):
    path = tmp_path / "shared.db"
    store = Store.open(f"sqlite:///{path}")
    try:
        other = holder(path)
        now = [0.0]
        waited: list[float] = []

        def sleep(seconds: float) -> None:
            waited.append(seconds)
            now[0] += seconds

        monkeypatch.setattr(engine_module.time, "sleep", sleep)
        monkeypatch.setattr(engine_module.time, "monotonic", lambda: now[0])
        with pytest.raises(StoreUnavailable, match="locked"), store.transaction() as tx:
            tx.session.connection().exec_driver_sql("CREATE TABLE never (n INTEGER)")
        assert SQLITE_BUSY_TIMEOUT_MS / 1000 - SQLITE_LOCK_POLL_MAX_S <= sum(waited) <= SQLITE_BUSY_TIMEOUT_MS / 1000
        other.execute("ROLLBACK")
        other.close()
    finally:
        store.close()
