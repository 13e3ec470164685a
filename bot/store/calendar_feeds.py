"""Private calendar feed URLs: only a hash of each token is stored, so a leaked database leaks no URL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, select, update
from sqlmodel import Field, Session, SQLModel

from bot.store.tables import _utc


class CalendarFeedRow(SQLModel, table=True):
    __tablename__ = "calendar_feeds"
    __table_args__ = (Index("ix_calendar_feeds_user", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=32)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 hex of the URL's token
    created_at: datetime = _utc(nullable=False)
    revoked_at: datetime | None = _utc(nullable=True)


class CalendarFeedRepo:
    """Calendar feed rows inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def issue(self, user_id: str, *, token_hash: str, now: datetime) -> None:
        """Revoke the person's current feed, if any, and store the new one's hash."""
        self.revoke(user_id, now=now)
        self._session.add(CalendarFeedRow(user_id=user_id, token_hash=token_hash, created_at=now))
        self._session.flush()

    def revoke(self, user_id: str, *, now: datetime) -> int:
        """Turn off the person's live feed URL; the number revoked (0 or 1)."""
        result = self._session.execute(
            update(CalendarFeedRow)
            .where(CalendarFeedRow.user_id == user_id, CalendarFeedRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount or 0)

    def live_since(self, user_id: str) -> datetime | None:
        """When the person's live feed was made, or None if they have none."""
        return self._session.execute(
            select(CalendarFeedRow.created_at).where(
                CalendarFeedRow.user_id == user_id, CalendarFeedRow.revoked_at.is_(None)
            )
        ).scalar_one_or_none()

    def owner(self, token_hash: str) -> str | None:
        """Whose live feed has this token hash (None: unknown or revoked)."""
        return self._session.execute(
            select(CalendarFeedRow.user_id).where(
                CalendarFeedRow.token_hash == token_hash, CalendarFeedRow.revoked_at.is_(None)
            )
        ).scalar_one_or_none()
