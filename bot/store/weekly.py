"""The weekly report's figures, aggregated in SQL (GROUP BY in the database, never case objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from bot.domain.digest_input import OpenCase
from bot.domain.events import EventKind
from bot.store.reports import OPEN_COLUMNS, ReportRepo
from bot.store.tables import CaseEventRow, CaseRow, PageRow


@dataclass(frozen=True, slots=True)
class WeeklyFigures:
    """Counts for the cases opened (and the pages sent) in one week."""

    opened: int
    by_flow: tuple[tuple[str, int], ...]
    by_market: tuple[tuple[str, int], ...]
    by_severity: tuple[tuple[str, int], ...]
    acknowledge_breached: int  # breach recorded before the week's end
    resolve_breached: int
    acknowledge_met: int  # acknowledged before the week's end with no breach
    resolve_met: int
    # Still open with no breach recorded, per measure: their SLA may or may not have come due.
    unsettled: dict[str, tuple[OpenCase, ...]]
    resolved: int
    deadlines_missed: int
    pages: tuple[tuple[str, datetime], ...]  # (person, sent_at): out-of-hours is decided with the rota's calendar
    top_advertisers: tuple[tuple[str, int], ...]


def weekly_figures(session: Session, *, start_at: datetime, end_at: datetime, top: int = 5) -> WeeklyFigures:
    """Everything the weekly report counts, for cases opened in [start_at, end_at)."""
    in_week = (CaseRow.created_at >= start_at, CaseRow.created_at < end_at)

    def grouped(column: object) -> tuple[tuple[str, int], ...]:
        rows = session.execute(
            select(column, func.count()).where(*in_week).group_by(column).order_by(func.count().desc(), column)
        ).all()
        return tuple((str(key or "—"), int(n)) for key, n in rows)

    opened = int(session.execute(select(func.count()).select_from(CaseRow).where(*in_week)).scalar_one())
    week_cases = select(CaseRow.id).where(*in_week)

    breaches = session.execute(
        select(CaseEventRow.case_id, CaseEventRow.data).where(
            CaseEventRow.kind == EventKind.SLA_BREACH.value,
            CaseEventRow.case_id.in_(week_cases),
            CaseEventRow.at < end_at,
        )
    ).all()
    breached_ids = {
        which: {case_id for case_id, data in breaches if dict(data or {}).get("which") == which}
        for which in ("acknowledge", "resolve")
    }

    def breached(which: str) -> int:
        return len(breached_ids[which])

    def met(settled_at: Any, which: str) -> int:
        ids = session.execute(select(CaseRow.id).where(*in_week, settled_at.is_not(None), settled_at < end_at))
        return sum(1 for (case_id,) in ids if case_id not in breached_ids[which])

    still_open = [
        ReportRepo(session).open_case(row)
        for row in session.execute(
            select(*OPEN_COLUMNS).where(*in_week, CaseRow.is_open == True).order_by(CaseRow.id)  # noqa: E712
        )
    ]
    unsettled = {
        "acknowledge": tuple(
            c for c in still_open if c.acknowledged_by is None and c.id not in breached_ids["acknowledge"]
        ),
        "resolve": tuple(c for c in still_open if c.id not in breached_ids["resolve"]),
    }

    missed = int(
        session.execute(
            select(func.count(func.distinct(CaseEventRow.case_id))).where(
                CaseEventRow.kind == EventKind.DEADLINE_PASSED.value, CaseEventRow.case_id.in_(week_cases)
            )
        ).scalar_one()
    )
    resolved = int(
        session.execute(
            select(func.count()).select_from(CaseRow).where(*in_week, CaseRow.resolved_at.is_not(None))
        ).scalar_one()
    )
    pages = session.execute(
        select(PageRow.user_id, PageRow.sent_at).where(PageRow.sent_at >= start_at, PageRow.sent_at < end_at)
    ).all()
    advertisers = session.execute(
        select(func.min(CaseRow.advertiser), func.count())
        .where(*in_week, CaseRow.sensitive == False)  # noqa: E712
        .group_by(CaseRow.advertiser_key)
        .order_by(func.count().desc(), func.min(CaseRow.advertiser))
        .limit(top)
    ).all()
    return WeeklyFigures(
        opened=opened,
        by_flow=grouped(CaseRow.flow_id),
        by_market=grouped(CaseRow.market),
        by_severity=grouped(CaseRow.severity_id),
        acknowledge_breached=breached("acknowledge"),
        resolve_breached=breached("resolve"),
        acknowledge_met=met(func.coalesce(CaseRow.acknowledged_at, CaseRow.resolved_at), "acknowledge"),
        resolve_met=met(CaseRow.resolved_at, "resolve"),
        unsettled=unsettled,
        resolved=resolved,
        deadlines_missed=missed,
        pages=tuple((str(u), at) for u, at in pages),
        top_advertisers=tuple((str(a), int(n)) for a, n in advertisers),
    )


def pages_between(session: Session, *, start_at: datetime, end_at: datetime) -> list[tuple[str, datetime]]:
    """(person, sent at) of every page sent in [start_at, end_at)."""
    rows = session.execute(
        select(PageRow.user_id, PageRow.sent_at).where(PageRow.sent_at >= start_at, PageRow.sent_at < end_at)
    ).all()
    return [(str(u), at) for u, at in rows]


@dataclass(frozen=True, slots=True)
class ChartRows:
    """What the weekly charts read: each case opened in the window, and its SLA breaches."""

    cases: list[tuple[int, datetime, str, datetime | None, datetime | None]]  # id, created, severity, ack, resolved
    breached: dict[str, set[int]]  # "acknowledge" / "resolve" → case ids


def chart_rows(session: Session, *, start_at: datetime, end_at: datetime) -> ChartRows:
    """Cases opened in [start_at, end_at) with their acknowledge/resolve times, and breaches recorded by end_at."""
    cases = [
        (int(i), created, str(sev), acked, resolved)
        for i, created, sev, acked, resolved in session.execute(
            select(CaseRow.id, CaseRow.created_at, CaseRow.severity_id, CaseRow.acknowledged_at, CaseRow.resolved_at)
            .where(CaseRow.created_at >= start_at, CaseRow.created_at < end_at)
            .order_by(CaseRow.created_at)
        )
    ]
    window = select(CaseRow.id).where(CaseRow.created_at >= start_at, CaseRow.created_at < end_at)
    breached: dict[str, set[int]] = {"acknowledge": set(), "resolve": set()}
    for case_id, data in session.execute(
        select(CaseEventRow.case_id, CaseEventRow.data).where(
            CaseEventRow.kind == EventKind.SLA_BREACH.value, CaseEventRow.case_id.in_(window), CaseEventRow.at < end_at
        )
    ):
        which = dict(data or {}).get("which")
        if which in breached:
            breached[str(which)].add(int(case_id))
    return ChartRows(cases=cases, breached=breached)
