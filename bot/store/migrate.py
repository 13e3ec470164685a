"""Schema versions with Alembic: `escalation-bot db upgrade`, and the check every start makes.

A brand-new (empty) database is created at the newest revision directly: there is nothing in it
to migrate. Anything else must be at exactly the revision this release knows as its head; a
database behind it (or from before migrations) is upgraded by `escalation-bot db upgrade`, and a
database ahead of it (a newer release already migrated it) is refused, so an old replica never
writes rows a newer schema does not expect.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema of the first release, created before migrations existed
SCHEMA_LOCK = 7304211  # Postgres advisory lock: one replica creates or migrates at a time


logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # one line per plugin, every run


class SchemaMismatch(Exception):
    """The database's schema is not the one this release runs on; the message says what to do."""


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: `empty`, `unversioned` (pre-migration), `behind`, `current` or `ahead`."""

    status: str
    current: str | None
    head: str

    def describe(self) -> str:
        return {
            "empty": f"empty database; it will be created at revision {self.head}",
            "unversioned": (
                f"tables from before migrations (revision {BASELINE}); run `escalation-bot db upgrade` "
                f"to bring it to {self.head}"
            ),
            "behind": f"at revision {self.current}; this release needs {self.head}: run `escalation-bot db upgrade`",
            "current": f"at revision {self.current} (current)",
            "ahead": (
                f"at revision {self.current}, which this release does not know (its newest is {self.head}): "
                "a newer release has migrated it; run that release, or restore a backup"
            ),
        }[self.status]


class StoreUnavailable(Exception):
    """The database cannot be reached or is locked; nothing of this transaction was kept."""


def display_url(url: str) -> str:
    """A database URL without its password, for people and logs."""
    return make_url(url).render_as_string(hide_password=True)


if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

_REVISION = re.compile(r"^revision\s*=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*[\"']([^\"']+)[\"']", re.M)


def _config(connection: Connection | None = None) -> AlembicConfig:
    # Alembic (and Mako under it) is imported only to create or migrate a database, not at every
    # start nor at every readiness probe: reading where a database stands needs neither.
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def _revisions() -> tuple[frozenset[str], str]:
    """Every revision in migrations/versions, and the head: the one no other revision follows.
    Read from the files' `revision` / `down_revision` lines (tests check it against Alembic's own)."""
    known: set[str] = set()
    followed: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text()
        revision = _REVISION.search(source)
        if revision is None:
            continue
        known.add(revision.group(1))
        down = _DOWN.search(source)
        if down is not None:
            followed.add(down.group(1))
    heads = known - followed
    assert len(heads) == 1, f"migrations must have one head, found {sorted(heads)}"
    return frozenset(known), heads.pop()


def head_revision() -> str:
    return _revisions()[1]


def _known(revision: str) -> bool:
    return revision in _revisions()[0]


def _current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def inspect_schema(conn: Connection) -> SchemaState:
    head = head_revision()
    current = _current_revision(conn)
    if current is None:
        status = "unversioned" if inspect(conn).has_table("cases") else "empty"
    elif current == head:
        status = "current"
    elif _known(current):
        status = "behind"
    else:
        status = "ahead"
    return SchemaState(status=status, current=current, head=head)


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        # Replicas starting together must not race on CREATE TABLE or on a migration.
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK})")


def _refresh_views(conn: Connection) -> None:
    from bot.store.export import create_views

    create_views(conn)  # derived from the tables: recreated after every change, never migrated


@contextmanager
def _reachable(engine: Engine) -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        why = str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0]
        raise StoreUnavailable(f"cannot reach the database at {display_url(str(engine.url))}: {why}") from exc


def schema_state(engine: Engine) -> SchemaState:
    with _reachable(engine), engine.connect() as conn:
        return inspect_schema(conn)


def prepare(engine: Engine) -> SchemaState:
    """At start: create an empty database at head, accept a current one, refuse anything else."""
    with _reachable(engine), engine.begin() as conn:
        _lock(conn)
        state = inspect_schema(conn)
        if state.status == "empty":
            SQLModel.metadata.create_all(conn)
            _refresh_views(conn)
            from alembic import command

            command.stamp(_config(conn), state.head)
            return SchemaState(status="current", current=state.head, head=state.head)
    if state.status != "current":
        raise SchemaMismatch(f"database schema {state.describe()}")
    return state


def upgrade(engine: Engine) -> tuple[SchemaState, SchemaState]:
    """`db upgrade`: bring the database to head in one transaction; returns the states before and after."""
    from alembic import command

    with _reachable(engine), engine.begin() as conn:
        _lock(conn)
        before = inspect_schema(conn)
        if before.status == "ahead":
            raise SchemaMismatch(f"database schema {before.describe()}")
        if before.status == "empty":
            SQLModel.metadata.create_all(conn)
            command.stamp(_config(conn), before.head)
        else:
            if before.status == "unversioned":
                command.stamp(_config(conn), BASELINE)
            command.upgrade(_config(conn), "head")
        _refresh_views(conn)
        after = inspect_schema(conn)
    return before, after


def upgrade_to(engine: Engine, revision: str) -> None:
    """Bring a database to a given revision (tests build a database as an older release left it)."""
    from alembic import command

    with engine.begin() as conn:
        _lock(conn)
        command.upgrade(_config(conn), revision)
