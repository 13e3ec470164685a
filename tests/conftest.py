"""Shared fixtures: the shipped configuration, and stores on real SQLite files and real Postgres."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.clock import SystemClock
from bot.config.loader import load_config
from bot.config.model import Config
from bot.store.engine import database_answers, normalise_url
from bot.store.store import Store

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
_postgres_state: dict[str, str | None] = {}


def postgres_unavailable() -> str | None:
    """None if Postgres answers, else why not (checked once per run)."""
    if "reason" not in _postgres_state:
        why = database_answers(POSTGRES_URL)
        _postgres_state["reason"] = f"no Postgres at {POSTGRES_URL}: {why}" if why else None
    return _postgres_state["reason"]


# The slow tiers, by where a test lives (`./dev test --quick` leaves both out):
#  - e2e: a whole bot over signed HTTP and the Slack stand-in;
#  - processes: the bot as its own OS process (kill -9, signals, several replicas).
_E2E = ("tests/slack/", "tests/observability/test_logs_e2e.py", "tests/observability/test_metrics_endpoint.py")
_PROCESSES = (
    "tests/test_paging_processes.py",
    "tests/test_socket_mode.py",
    "tests/test_demo.py",
    "tests/test_process_faults.py",
    "tests/test_startup.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its tier, so `-m "not e2e and not processes"` picks the fast ones."""
    for item in items:
        where = Path(str(item.fspath)).relative_to(ROOT).as_posix()
        runs_a_process = where.startswith(_PROCESSES) or "bots_on_the_wall_clock" in getattr(item, "fixturenames", ())
        if runs_a_process:
            item.add_marker(pytest.mark.processes)
        if runs_a_process or where.startswith(_E2E):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def bots_on_the_wall_clock() -> None:
    """For tests that run the bot as its own process: that bot reads the process wall clock, so the
    helpers (in_days(), the stand-in's timestamps) must read it too."""
    from tests.slack.conftest import TEST_CLOCK

    TEST_CLOCK.target = SystemClock()


@pytest.fixture(scope="session")
def shipped_config() -> Config:
    return load_config(ROOT / "app.yaml", env={})


def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections live in a fresh schema, dropped afterwards."""
    reason = postgres_unavailable()
    if reason:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL on each backend: an SQLite file, or a private Postgres schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'escalations.db'}"
    else:
        yield from postgres_schema_url()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    try:
        yield opened
    finally:
        opened.close()
