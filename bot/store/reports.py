"""Aggregates for the leads' digest, computed in the database (GROUP BY, window functions), never from ORM rows.

Percentiles: SQLite has no `percentile_cont`, so both databases rank each (severity, kind of
day) group with `ROW_NUMBER()` / `COUNT(*) OVER` and return only the one or two rows around each
percentile; Python interpolates between them (as `percentile_cont` and Python's
`statistics.quantiles(method="inclusive")` do). At most four rows per group cross the wire
whatever the volume. The kind of day is the local date of `created_at` in the team's zone: SQLite
knows no time zones, so the local days of the window are turned into UTC spans in Python
(`digest.day_spans`, DST-safe) and the database buckets by a `CASE` over those spans.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, distinct, extract, func, literal_column, or_, select
from sqlmodel import Session

from bot.domain.case import CaseStatus, human_id
from bot.domain.digest_input import (
    BreachCounts,
    DayKind,
    Measure,
    OpenCase,
    Resolved,
    ResolvedCase,
    ResponseTime,
    SeverityCount,
    day_spans,
)
from bot.domain.events import EventKind
from bot.store.tables import CaseEventRow, CaseRow

PERCENTILES = (50, 90)
OPEN_COLUMNS = (
    CaseRow.id,
    CaseRow.flow_id,
    CaseRow.severity_id,
    CaseRow.status,
    CaseRow.advertiser,
    CaseRow.campaign,
    CaseRow.sensitive,
    CaseRow.created_at,
    CaseRow.owner_id,
    CaseRow.acknowledged_by,
    CaseRow.deadline_at,
    CaseRow.permalink,
    CaseRow.pauses,
)


def _pauses(raw: Sequence[Sequence[str | None]] | None) -> tuple[tuple[datetime, datetime | None], ...]:
    return tuple(
        (datetime.fromisoformat(str(start)), datetime.fromisoformat(end) if end else None) for start, end in raw or []
    )


def interpolate(ranked: dict[int, float], count: int, percent: int) -> float:
    """The `percent` percentile of `count` sorted values, given the values at the ranks around it (0-based)."""
    position = (count - 1) * percent
    low, high = position // 100, (position + 99) // 100
    return ranked[low] + (ranked[high] - ranked[low]) * (position % 100) / 100


class ReportRepo:
    """Read-only aggregates over cases and their events, optionally limited to some flows."""

    def __init__(self, session: Session, *, prefix: str = "ADS", flow_ids: Collection[str] | None = None) -> None:
        self._session = session
        self._prefix = prefix
        self._flow_ids = None if flow_ids is None else sorted(flow_ids)

    def _scoped(self, query: Select[Any]) -> Select[Any]:
        return query if self._flow_ids is None else query.where(CaseRow.flow_id.in_(self._flow_ids))

    def open_case(self, row: Any) -> OpenCase:
        return OpenCase(
            id=row.id,
            human_id=human_id(self._prefix, row.id),
            flow_id=row.flow_id,
            severity_id=row.severity_id,
            status=CaseStatus(row.status),
            advertiser=row.advertiser,
            campaign=row.campaign,
            sensitive=bool(row.sensitive),
            created_at=row.created_at,
            owner_id=row.owner_id,
            acknowledged_by=row.acknowledged_by,
            deadline_at=row.deadline_at,
            permalink=row.permalink,
            pauses=_pauses(row.pauses),
        )

    # --- open cases --------------------------------------------------------------------------

    def open_counts(self) -> list[SeverityCount]:
        """Open cases per severity, with how many have no owner."""
        unowned = func.sum(case((CaseRow.owner_id.is_(None), 1), else_=0))
        query = (
            select(CaseRow.severity_id, func.count(), unowned)
            .where(CaseRow.is_open == True)  # noqa: E712
            .group_by(CaseRow.severity_id)
        )
        rows = self._session.execute(self._scoped(query)).all()
        return [SeverityCount(severity_id, int(n), int(free or 0)) for severity_id, n, free in rows]

    def open_cases(self) -> list[OpenCase]:
        """Every open case, oldest first: the columns the digest needs (open cases are few)."""
        query = select(*OPEN_COLUMNS).where(CaseRow.is_open == True).order_by(CaseRow.id)  # noqa: E712
        return [self.open_case(row) for row in self._session.execute(self._scoped(query))]

    def open_cases_summary(self) -> tuple[list[SeverityCount], list[OpenCase]]:
        """Counts per severity and the open cases themselves, from the same snapshot."""
        return self.open_counts(), self.open_cases()

    def deadlines_between(self, start_at: datetime, end_at: datetime) -> list[OpenCase]:
        """Open cases whose campaign deadline falls in [start_at, end_at), soonest first."""
        query = (
            select(*OPEN_COLUMNS)
            .where(CaseRow.is_open == True, CaseRow.deadline_at >= start_at, CaseRow.deadline_at < end_at)  # noqa: E712
            .order_by(CaseRow.deadline_at, CaseRow.id)
        )
        return [self.open_case(row) for row in self._session.execute(self._scoped(query))]

    # --- since the last digest ---------------------------------------------------------------

    def opened_since(self, since: datetime, *, now: datetime) -> int:
        """How many cases were opened in [since, now)."""
        query = select(func.count()).where(CaseRow.created_at >= since, CaseRow.created_at < now)
        return int(self._session.execute(self._scoped(query)).scalar_one())

    def resolved_since(self, since: datetime, *, now: datetime, limit: int = 50) -> Resolved:
        """Cases resolved in [since, now) and not reopened: the total, per outcome, and the newest `limit`."""
        # Reopening clears resolved_at, so the status test only guards; it is not `is_open = false`,
        # which SQLite would answer through the is_open index, walking nearly every case (6x slower).
        window = and_(
            CaseRow.status.in_((CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)),
            CaseRow.resolved_at >= since,
            CaseRow.resolved_at < now,
        )
        by_outcome = self._session.execute(
            self._scoped(select(CaseRow.outcome, func.count()).where(window).group_by(CaseRow.outcome))
        ).all()
        latest = self._session.execute(
            self._scoped(
                select(
                    CaseRow.id,
                    CaseRow.severity_id,
                    CaseRow.status,
                    CaseRow.advertiser,
                    CaseRow.campaign,
                    CaseRow.sensitive,
                    CaseRow.resolved_at,
                    CaseRow.outcome,
                    CaseRow.permalink,
                )
                .where(window)
                .order_by(CaseRow.resolved_at.desc(), CaseRow.id.desc())
                .limit(limit)
            )
        ).all()
        return Resolved(
            total=sum(int(n) for _, n in by_outcome),
            by_outcome=tuple((outcome, int(n)) for outcome, n in by_outcome),
            latest=tuple(
                ResolvedCase(
                    id=r.id,
                    human_id=human_id(self._prefix, r.id),
                    severity_id=r.severity_id,
                    status=CaseStatus(r.status),
                    advertiser=r.advertiser,
                    campaign=r.campaign,
                    sensitive=bool(r.sensitive),
                    resolved_at=r.resolved_at,
                    outcome=r.outcome,
                    permalink=r.permalink,
                )
                for r in latest
            ),
        )

    def breach_events_since(self, since: datetime, *, now: datetime) -> BreachCounts:
        """Cases with an `sla_breach` (per clock) or `deadline_passed` event in [since, now)."""
        which = CaseEventRow.data["which"].as_string()
        query = (
            select(CaseEventRow.kind, which, func.count(distinct(CaseEventRow.case_id)))
            .where(
                CaseEventRow.kind.in_((EventKind.SLA_BREACH.value, EventKind.DEADLINE_PASSED.value)),
                CaseEventRow.at >= since,
                CaseEventRow.at < now,
            )
            .group_by(CaseEventRow.kind, which)
        )
        if self._flow_ids is not None:
            query = query.join(CaseRow, CaseRow.id == CaseEventRow.case_id).where(CaseRow.flow_id.in_(self._flow_ids))
        counts: dict[str, int] = defaultdict(int)
        for kind, clock, n in self._session.execute(query):
            counts["deadline" if kind == EventKind.DEADLINE_PASSED else str(clock)] += int(n)
        return BreachCounts(
            acknowledge=counts[Measure.ACKNOWLEDGE.value],
            resolve=counts[Measure.RESOLVE.value],
            deadlines_passed=counts["deadline"],
        )

    # --- response times ----------------------------------------------------------------------

    def _seconds(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        if self._session.get_bind().dialect.name == "postgresql":
            return extract("epoch", later - earlier)
        # SQLite keeps UTC as text; julianday() reads it (to well under a millisecond here).
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0

    def response_times(
        self, start_at: datetime, end_at: datetime, *, tz: ZoneInfo, holidays: frozenset[date]
    ) -> list[ResponseTime]:
        """Median and p90 of time to acknowledge and to resolve, per severity and kind of local day,
        over cases opened in [start_at, end_at) and acknowledged (or resolved) before `end_at`."""
        spans = [
            (s, e, kind) for s, e, kind in day_spans(start_at, end_at, tz, holidays) if kind is not DayKind.WEEKDAY
        ]
        weekday: ColumnElement[Any] = literal_column(f"'{DayKind.WEEKDAY.value}'")
        day: ColumnElement[Any] = (
            case(
                *(
                    (and_(CaseRow.created_at >= s, CaseRow.created_at < e), literal_column(f"'{k.value}'"))
                    for s, e, k in spans
                ),
                else_=weekday,
            )
            if spans
            else weekday
        )
        found = []
        for measure, measured_at in (
            (Measure.ACKNOWLEDGE, CaseRow.acknowledged_at),
            (Measure.RESOLVE, CaseRow.resolved_at),
        ):
            base = self._scoped(
                select(
                    CaseRow.severity_id.label("severity_id"),
                    day.label("day"),
                    self._seconds(measured_at, CaseRow.created_at).label("s"),
                ).where(
                    CaseRow.created_at >= start_at,
                    CaseRow.created_at < end_at,
                    measured_at.is_not(None),
                    measured_at < end_at,
                )
            ).subquery()
            group = (base.c.severity_id, base.c.day)
            ranked = select(
                base.c.severity_id,
                base.c.day,
                base.c.s,
                func.row_number().over(partition_by=group, order_by=base.c.s).label("rn"),
                func.count().over(partition_by=group).label("n"),
            ).subquery()
            rank, last = ranked.c.rn - 1, ranked.c.n - 1
            wanted = or_(
                *(rank == (last * p) // 100 for p in PERCENTILES),
                *(rank == (last * p + 99) // 100 for p in PERCENTILES),
            )
            rows = self._session.execute(
                select(ranked.c.severity_id, ranked.c.day, ranked.c.n, ranked.c.rn, ranked.c.s).where(wanted)
            ).all()
            groups: dict[tuple[str, str], tuple[int, dict[int, float]]] = {}
            for severity_id, kind, n, rn, seconds in rows:
                groups.setdefault((severity_id, kind), (int(n), {}))[1][int(rn) - 1] = float(seconds)
            for (severity_id, kind), (n, ranked_values) in groups.items():
                median, p90 = (timedelta(seconds=round(interpolate(ranked_values, n, p), 3)) for p in PERCENTILES)
                found.append(ResponseTime(severity_id, DayKind(kind), measure, n, median, p90))
        return found
