"""Overrides made from Slack: who covers whom, from when to when. They win over the YAML rota."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, select, update
from sqlmodel import Field, Session, SQLModel

from bot.domain.rota import Override
from bot.store.tables import _utc


class OverrideRow(SQLModel, table=True):
    __tablename__ = "overrides"
    __table_args__ = (Index("ix_overrides_schedule", "schedule_id", "end_at"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: str = Field(max_length=64)
    layer: str | None = Field(default=None, max_length=64)
    user_id: str = Field(max_length=32)
    replaces: str | None = Field(default=None, max_length=32)
    start_at: datetime = _utc(nullable=False)
    end_at: datetime = _utc(nullable=False)
    created_by: str = Field(max_length=32)
    created_at: datetime = _utc(nullable=False)
    cancelled_by: str | None = Field(default=None, max_length=32)
    cancelled_at: datetime | None = _utc(nullable=True)


def _to_override(row: OverrideRow) -> Override:
    return Override(
        id=row.id,
        schedule_id=row.schedule_id,
        layer=row.layer,
        user_id=row.user_id,
        replaces=row.replaces,
        start_at=row.start_at,
        end_at=row.end_at,
    )


class OverrideRepo:
    """Override rows inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, override: Override, *, created_by: str, now: datetime) -> Override:
        row = OverrideRow(
            schedule_id=override.schedule_id,
            layer=override.layer,
            user_id=override.user_id,
            replaces=override.replaces,
            start_at=override.start_at,
            end_at=override.end_at,
            created_by=created_by,
            created_at=now,
        )
        self._session.add(row)
        self._session.flush()
        return _to_override(row)

    def active(self, schedule_id: str, *, ending_after: datetime | None = None) -> list[Override]:
        """Overrides not cancelled (optionally only those still running after an instant)."""
        query = select(OverrideRow).where(OverrideRow.schedule_id == schedule_id, OverrideRow.cancelled_at.is_(None))
        if ending_after is not None:
            query = query.where(OverrideRow.end_at > ending_after)
        rows = self._session.execute(query.order_by(OverrideRow.start_at, OverrideRow.id)).scalars().all()
        return [_to_override(r) for r in rows]

    def cancel(self, override_id: int, *, by: str, now: datetime) -> Override | None:
        """Cancel an override; None if it does not exist or was cancelled already."""
        result = self._session.execute(
            update(OverrideRow)
            .where(OverrideRow.id == override_id, OverrideRow.cancelled_at.is_(None))
            .values(cancelled_by=by, cancelled_at=now)
        )
        if not result.rowcount:
            return None
        row = self._session.get(OverrideRow, override_id)
        return _to_override(row) if row else None

    def changes(self, schedule_id: str, *, ending_after: datetime) -> list[tuple[Override, list[datetime]]]:
        """Every override of the schedule still ending after an instant, cancelled ones too, each with
        the instants it changed the rota (made, and cancelled): what a calendar's SEQUENCE counts."""
        rows = self._session.execute(
            select(OverrideRow).where(OverrideRow.schedule_id == schedule_id, OverrideRow.end_at > ending_after)
        ).scalars()
        return [(_to_override(r), [r.created_at] + ([r.cancelled_at] if r.cancelled_at else [])) for r in rows]
