"""Audit events that belong to no case (overrides, configuration actions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, select
from sqlmodel import Field, Session, SQLModel

from bot.store.tables import _utc


class AuditEventRow(SQLModel, table=True):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_subject", "subject", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc(nullable=False)
    kind: str = Field(max_length=64)
    actor_id: str | None = Field(default=None, max_length=32)
    subject: str = Field(max_length=100)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditRepo:
    """Append-only audit rows inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, *, kind: str, subject: str, now: datetime, actor_id: str | None, data: dict[str, Any]) -> None:
        self._session.add(AuditEventRow(at=now, kind=kind, subject=subject, actor_id=actor_id, data=data))

    def for_subject(self, subject: str) -> list[tuple[str, str | None, dict[str, Any]]]:
        rows = self._session.execute(
            select(AuditEventRow.kind, AuditEventRow.actor_id, AuditEventRow.data)
            .where(AuditEventRow.subject == subject)
            .order_by(AuditEventRow.id)
        ).all()
        return [(k, a, dict(d)) for k, a, d in rows]
