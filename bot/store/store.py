"""The unit of work: one transaction, with the repositories bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from bot.store.cases import CaseRepo
from bot.store.engine import build_engine, create_schema
from bot.store.jobs import JobRepo
from bot.store.tables import RequestKeyRow


class StoreUnavailable(Exception):
    """The database cannot be reached or is locked; nothing of this transaction was kept."""


class Tx:
    """Repositories sharing one session; committed when the `with` block ends cleanly."""

    def __init__(self, session: Session, *, prefix: str) -> None:
        self.session = session
        self.cases = CaseRepo(session, prefix=prefix)
        self.jobs = JobRepo(session)

    def first_time(self, key: str, *, now: datetime) -> bool:
        """Record a Slack delivery key; False if it was seen before (a retry or a double click)."""
        if self.session.get(RequestKeyRow, key) is not None:
            return False
        try:
            with self.session.begin_nested():
                self.session.add(RequestKeyRow(key=key, seen_at=now))
        except IntegrityError:
            return False
        return True

    def forget_request_keys(self, *, before: datetime) -> int:
        result = self.session.execute(delete(RequestKeyRow).where(RequestKeyRow.seen_at < before))
        return int(result.rowcount)


class Store:
    """Opens transactions on one engine."""

    def __init__(self, engine: Engine, *, prefix: str = "ADS") -> None:
        self.engine = engine
        self.prefix = prefix

    @classmethod
    def open(cls, url: str, *, prefix: str = "ADS") -> Store:
        """Connect and create or update the schema."""
        engine = build_engine(url)
        create_schema(engine)
        return cls(engine, prefix=prefix)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield Tx(session, prefix=self.prefix)
        except OperationalError as exc:
            raise StoreUnavailable(str(exc.orig) if exc.orig else str(exc)) from exc

    def close(self) -> None:
        self.engine.dispose()
