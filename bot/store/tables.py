"""SQLModel tables: the only place rows are defined. Rows never leave bot/store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on SQLite (which keeps no zone) as on Postgres."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kwargs))


class CaseRow(SQLModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_open_match", "is_open", "advertiser_key", "campaign_key"),
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_resolved_at", "resolved_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    flow_id: str = Field(max_length=64)
    status: str = Field(max_length=32)
    is_open: bool = True
    severity_id: str = Field(max_length=64)
    reporter_id: str = Field(max_length=32)
    advertiser: str = Field(max_length=300)
    advertiser_key: str = Field(max_length=300)
    campaign: str = Field(max_length=300)
    campaign_key: str = Field(max_length=300)
    market: str = Field(default="", max_length=32)
    summary: str = Field(default="")
    deadline_at: datetime | None = _utc(nullable=True)
    sensitive: bool = False
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    intake_key: str | None = Field(default=None, max_length=200, unique=True)
    source_channel_id: str | None = Field(default=None, max_length=32)
    channel_id: str | None = Field(default=None, max_length=32)
    root_ts: str | None = Field(default=None, max_length=32)
    permalink: str | None = Field(default=None, max_length=500)
    acknowledged_by: str | None = Field(default=None, max_length=32)
    acknowledged_at: datetime | None = _utc(nullable=True)
    paging_generation: int = 0
    owner_id: str | None = Field(default=None, max_length=32)
    outcome: str | None = Field(default=None, max_length=32)
    guidance: str | None = Field(default=None)
    policy_ref: str | None = Field(default=None, max_length=500)
    resolved_by: str | None = Field(default=None, max_length=32)
    resolved_at: datetime | None = _utc(nullable=True)
    # Pauses of the resolve clock (waiting on the rep): [[start ISO, end ISO or null], ...]
    pauses: list[list[str | None]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)
    version: int = 1
    # The guide article the rep said answered the question, when the case was withdrawn for it.
    answered_by_guide: str | None = Field(default=None, max_length=100)
    # The linked Salesforce record (parsed from its link at intake) and the Slack message escalated.
    salesforce_object: str | None = Field(default=None, max_length=40)
    salesforce_id: str | None = Field(default=None, max_length=18, index=True)
    source_message: str | None = Field(default=None, max_length=500)
    # When the current paging plan pages its first level (held for business hours or a deadline, or now).
    first_page_at: datetime | None = _utc(nullable=True)


class CaseEventRow(SQLModel, table=True):
    """The append-only audit trail of a case."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "id"), Index("ix_case_events_kind_at", "kind", "at"))

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    at: datetime = _utc(nullable=False)
    kind: str = Field(max_length=64)
    actor_id: str | None = Field(default=None, max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CaseFollowerRow(SQLModel, table=True):
    """Reps who filed or follow a case; each hears the outcome."""

    __tablename__ = "case_followers"

    case_id: int = Field(foreign_key="cases.id", primary_key=True)
    user_id: str = Field(max_length=32, primary_key=True)
    added_at: datetime = _utc(nullable=False)


class JobRow(SQLModel, table=True):
    """A durable future action (a Slack post, a page, a reminder, a digest), claimed atomically."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("key", name="uq_jobs_key"),
        Index("ix_jobs_due", "state", "due_at"),
        Index("ix_jobs_case", "case_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    key: str = Field(max_length=200)
    case_id: int | None = Field(default=None, foreign_key="cases.id")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="pending", max_length=16)
    due_at: datetime = _utc(nullable=False)
    attempts: int = 0
    max_attempts: int = 8
    claimed_by: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = _utc(nullable=True)
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = _utc(nullable=False)
    finished_at: datetime | None = _utc(nullable=True)


class PageRow(SQLModel, table=True):
    """One page sent to one person: where its DM is, so it can be updated on acknowledgement."""

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("case_id", "generation", "round", "level", "user_id", "nth", name="uq_pages_step_user"),
        Index("ix_pages_case", "case_id"),
        Index("ix_pages_sent_at", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id")
    generation: int
    round: int
    level: int
    nth: int = 0  # 0 for the page, 1 for the re-page within the same level
    user_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    sent_at: datetime = _utc(nullable=False)


class RequestKeyRow(SQLModel, table=True):
    """Slack deliveries already handled (re-sent events, double clicks)."""

    __tablename__ = "request_keys"

    key: str = Field(primary_key=True, max_length=200)
    seen_at: datetime = _utc(nullable=False)


class GuideEventRow(SQLModel, table=True):
    """What reps did with policy guidance: searched, were shown articles, were answered, escalated anyway."""

    __tablename__ = "guide_events"
    __table_args__ = (Index("ix_guide_events_kind_at", "kind", "at"), Index("ix_guide_events_top", "top_guide_id"))

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc(nullable=False)
    kind: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    source: str = Field(default="", max_length=32)
    query: str = Field(default="", max_length=2000)
    locale: str | None = Field(default=None, max_length=16)
    market: str | None = Field(default=None, max_length=32)
    flow_id: str | None = Field(default=None, max_length=64)
    guide_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    top_guide_id: str | None = Field(default=None, max_length=100)
    top_score: float | None = None
    good_match: bool = False
    case_id: int | None = Field(default=None, foreign_key="cases.id")


class GuideDraftRow(SQLModel, table=True):
    """A guide article drafted from a resolved case, waiting for a lead to approve, edit or discard it."""

    __tablename__ = "guide_drafts"
    __table_args__ = (Index("ix_guide_drafts_state", "state", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", unique=True)
    state: str = Field(default="pending", max_length=16)
    guide_id: str = Field(max_length=100)
    title: str = Field(max_length=300)
    policy_area: str = Field(default="", max_length=100)
    markets: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    flows: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    body: str = Field(default="")
    policy_url: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=32)
    created_at: datetime = _utc(nullable=False)
    reviewed_by: str | None = Field(default=None, max_length=32)
    reviewed_at: datetime | None = _utc(nullable=True)
    version: int = 1


class WorkerRow(SQLModel, table=True):
    """One running process (replica): its heartbeat tells the others whether its claims are alive."""

    __tablename__ = "workers"

    id: str = Field(primary_key=True, max_length=100)  # the name jobs.claimed_by holds
    host: str = Field(max_length=255)
    pid: int
    started_at: datetime = _utc(nullable=False)
    last_seen_at: datetime = _utc(nullable=False)
