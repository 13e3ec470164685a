"""Cases and events for analysis: streamed rows for `escalation-bot export`, and read-only SQL views
(`bi_cases`, `bi_events`, `bi_pages`, `bi_sla_outcomes`) a BI tool such as Looker can query directly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, text
from sqlmodel import Session

from bot.domain.events import EventKind
from bot.store.tables import CaseEventRow, CaseRow

CASE_COLUMNS = (
    "id",
    "flow_id",
    "status",
    "severity_id",
    "reporter_id",
    "owner_id",
    "advertiser",
    "campaign",
    "market",
    "deadline_at",
    "sensitive",
    "created_at",
    "acknowledged_by",
    "acknowledged_at",
    "resolved_by",
    "resolved_at",
    "outcome",
    "policy_ref",
    "salesforce_object",
    "salesforce_id",
)
EVENT_COLUMNS = ("id", "case_id", "at", "kind", "actor_id", "data")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def iter_cases(session: Session, *, since: datetime, until: datetime, prefix: str) -> Iterator[dict[str, Any]]:
    """Cases opened in [since, until), oldest first; sensitive cases without advertiser, campaign and the
    Salesforce record's id."""
    columns = [getattr(CaseRow, name) for name in CASE_COLUMNS]
    query = (
        select(*columns)
        .where(CaseRow.created_at >= since, CaseRow.created_at < until)
        .order_by(CaseRow.id)
        .execution_options(yield_per=1000)
    )
    for row in session.execute(query):
        record = {name: _plain(value) for name, value in zip(CASE_COLUMNS, row, strict=True)}
        record["case"] = f"{prefix}-{1000 + int(record['id'])}"
        if record["sensitive"]:
            record["advertiser"] = record["campaign"] = record["policy_ref"] = None
            record["salesforce_id"] = None  # the record names the advertiser as surely as its name does
        yield record


def iter_events(session: Session, *, since: datetime, until: datetime) -> Iterator[dict[str, Any]]:
    """Events of the cases opened in [since, until), in order; a sensitive case's events without their
    details (notes, questions, answers, guidance: any of them may name what the case is about)."""
    opened = select(CaseRow.id).where(CaseRow.created_at >= since, CaseRow.created_at < until)
    columns = [getattr(CaseEventRow, name) for name in EVENT_COLUMNS]
    query = (
        select(*columns, CaseRow.sensitive)
        .join(CaseRow, CaseRow.id == CaseEventRow.case_id)
        .where(CaseEventRow.case_id.in_(opened))
        .order_by(CaseEventRow.id)
        .execution_options(yield_per=5000)
    )
    for row in session.execute(query):
        record = {name: _plain(value) for name, value in zip(EVENT_COLUMNS, row[:-1], strict=True)}
        if row[-1]:
            record["data"] = {"omitted": "sensitive case"}
        yield record


# Plain SQL that both SQLite and Postgres accept; durations are left to the BI tool (timestamps given).
VIEWS = {
    "bi_cases": """
        SELECT id, flow_id, status, severity_id, reporter_id, owner_id,
               CASE WHEN sensitive THEN NULL ELSE advertiser END AS advertiser,
               CASE WHEN sensitive THEN NULL ELSE campaign END AS campaign,
               market, deadline_at, sensitive, created_at, acknowledged_at, resolved_at, outcome,
               salesforce_object, CASE WHEN sensitive THEN NULL ELSE salesforce_id END AS salesforce_id
        FROM cases""",
    "bi_events": "SELECT id, case_id, at, kind, actor_id FROM case_events",
    "bi_pages": "SELECT id, case_id, generation, round, level, nth, user_id, sent_at FROM pages",
    "bi_sla_outcomes": f"""
        SELECT c.id AS case_id, c.severity_id, c.created_at, c.acknowledged_at, c.resolved_at,
               EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.kind = '{EventKind.SLA_BREACH}'
                       AND e.data LIKE '%acknowledge%') AS acknowledge_breached,
               EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.kind = '{EventKind.SLA_BREACH}'
                       AND e.data LIKE '%resolve%') AS resolve_breached,
               EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.kind = '{EventKind.DEADLINE_PASSED}')
                   AS deadline_missed
        FROM cases c""",
}


def create_views(conn: Connection) -> None:
    """Create or replace the read-only reporting views, in the caller's transaction."""
    for name, body in VIEWS.items():
        if conn.dialect.name == "postgresql":
            sql = body.replace("e.data LIKE", "e.data::text LIKE")
            conn.execute(text(f"CREATE OR REPLACE VIEW {name} AS {sql}"))
        else:
            conn.execute(text(f"DROP VIEW IF EXISTS {name}"))
            conn.execute(text(f"CREATE VIEW {name} AS {body}"))
