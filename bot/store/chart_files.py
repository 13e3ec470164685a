"""What each weekly chart job left behind: the Slack file it uploaded (or, when the upload failed for
good, only its text), so App Home shows the week's charts without uploading them again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, func, select
from sqlmodel import Field, Session, SQLModel

from bot.domain.charts import ChartFile
from bot.store.tables import _utc


class ChartFileRow(SQLModel, table=True):
    __tablename__ = "chart_files"
    __table_args__ = (
        UniqueConstraint("end_at", "channel_id", "name", name="uq_chart_files_report"),
        Index("ix_chart_files_end_at", "end_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    end_at: datetime = _utc(nullable=False)  # the end of the report's week
    channel_id: str = Field(max_length=32)
    name: str = Field(max_length=40)
    title: str = Field(max_length=200)
    alt_text: str = Field(max_length=2000)
    fallback: str = Field(max_length=3000)
    file_id: str | None = Field(default=None, max_length=32)  # None: the upload failed for good
    recorded_at: datetime = _utc(nullable=False)


class ChartFileRepo:
    """Chart file rows inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, chart: ChartFile, *, channel_id: str, now: datetime) -> None:
        """Keep what a chart job did; a second record of the same chart (a replayed job) changes nothing."""
        exists = self._session.execute(
            select(ChartFileRow.id).where(
                ChartFileRow.end_at == chart.end_at,
                ChartFileRow.channel_id == channel_id,
                ChartFileRow.name == chart.name,
            )
        ).first()
        if exists is not None:
            return
        self._session.add(
            ChartFileRow(
                end_at=chart.end_at,
                channel_id=channel_id,
                name=chart.name,
                title=chart.title,
                alt_text=chart.alt_text[:2000],
                fallback=chart.fallback[:3000],
                file_id=chart.file_id,
                recorded_at=now,
            )
        )
        self._session.flush()

    def latest(self, *, before: datetime) -> list[ChartFile]:
        """The charts of the newest report ending by `before`, one per chart name, uploaded files first
        (a report posted to two channels left two of each)."""
        newest = self._session.execute(
            select(func.max(ChartFileRow.end_at)).where(ChartFileRow.end_at <= before)
        ).scalar_one_or_none()
        if newest is None:
            return []
        rows = self._session.execute(
            select(ChartFileRow).where(ChartFileRow.end_at == newest).order_by(ChartFileRow.id)
        ).scalars()
        found: dict[str, ChartFile] = {}
        for row in rows:
            chart = ChartFile(
                name=row.name,
                end_at=row.end_at,
                title=row.title,
                alt_text=row.alt_text,
                fallback=row.fallback,
                file_id=row.file_id,
            )
            if row.name not in found or (found[row.name].file_id is None and chart.file_id is not None):
                found[row.name] = chart
        return list(found.values())
