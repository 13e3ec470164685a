"""Guide events (what reps did with the guidance) and guide drafts (the leads' review queue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.domain.guidance import (
    DraftChanged,
    DraftState,
    DraftText,
    GuideDraft,
    GuideEvent,
    GuideEventKind,
    GuideSource,
)
from bot.store.job_signal import GUIDES_CHANNEL
from bot.store.tables import CaseRow, GuideDraftRow, GuideEventRow

# Built once: every replica asks it every 2 s (bot.services.guidance), and before each search.
_APPROVED_GENERATION = select(func.count(), func.max(GuideDraftRow.id)).where(
    GuideDraftRow.state == DraftState.APPROVED.value
)


def approved_generation(conn: Connection) -> tuple[int, int]:
    """GuideRepo.approved_generation on a plain connection (Store.approved_generation: no ORM session)."""
    count, newest = conn.execute(_APPROVED_GENERATION).one()
    return int(count), int(newest or 0)


QUERY_MAX = 2000  # the column's length


@dataclass(frozen=True, slots=True)
class GuideWeek:
    """The weekly report's guidance counts, for events in [start_at, end_at)."""

    answered: int  # "this answered it" with no case behind it (/ad-policy, or the form before filing)
    withdrawn: int  # cases withdrawn before paging because an article answered them
    gap_queries: tuple[tuple[str, int], ...]  # searched questions with no good article, as typed, with counts
    escalated_anyway: tuple[tuple[str, int], ...]  # top article shown → escalations anyway, most first


def _to_event(row: GuideEventRow) -> GuideEvent:
    return GuideEvent(
        kind=GuideEventKind(row.kind),
        user_id=row.user_id,
        source=GuideSource(row.source),
        query=row.query,
        locale=row.locale,
        market=row.market,
        flow_id=row.flow_id,
        guide_ids=tuple(row.guide_ids or ()),
        top_guide_id=row.top_guide_id,
        top_score=row.top_score,
        good_match=row.good_match,
        case_id=row.case_id,
        id=row.id,
        at=row.at,
    )


def _to_draft(row: GuideDraftRow) -> GuideDraft:
    assert row.id is not None
    return GuideDraft(
        id=row.id,
        case_id=row.case_id,
        state=DraftState(row.state),
        text=DraftText(
            guide_id=row.guide_id,
            title=row.title,
            policy_area=row.policy_area,
            markets=tuple(row.markets or ()),
            flows=tuple(row.flows or ()),
            keywords=tuple(row.keywords or ()),
            body=row.body,
            policy_url=row.policy_url,
        ),
        created_by=row.created_by,
        created_at=row.created_at,
        version=row.version,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
    )


def _text_values(text: DraftText) -> dict[str, Any]:
    return {
        "guide_id": text.guide_id,
        "title": text.title[:300],
        "policy_area": text.policy_area[:100],
        "markets": list(text.markets),
        "flows": list(text.flows),
        "keywords": list(text.keywords),
        "body": text.body,
        "policy_url": text.policy_url[:500] if text.policy_url else None,
    }


_GUIDE_EVENTS = cast(Table, GuideEventRow.__table__)
_INSERT_EVENT = insert(_GUIDE_EVENTS).returning(_GUIDE_EVENTS.c.id)


class GuideRepo:
    """Guide event and draft rows inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # --- events -------------------------------------------------------------------------------

    def record(self, event: GuideEvent, *, now: datetime) -> int:
        """Append one event; returns its id (a search's id travels in the buttons shown with it)."""
        # A Core INSERT … RETURNING (a search is recorded per intake and per /ad-policy: the ORM's
        # add-and-flush cost several times the statement); no event row is kept in the session.
        values = {
            "at": now,
            "kind": event.kind.value,
            "user_id": event.user_id,
            "source": event.source.value,
            "query": event.query[:QUERY_MAX],
            "locale": event.locale[:16] if event.locale else None,
            "market": event.market,
            "flow_id": event.flow_id,
            "guide_ids": list(event.guide_ids),
            "top_guide_id": event.top_guide_id,
            "top_score": event.top_score,
            "good_match": event.good_match,
            "case_id": event.case_id,
        }
        return int(self._session.connection().execute(_INSERT_EVENT, values).scalar_one())

    def event(self, event_id: int) -> GuideEvent | None:
        row = self._session.get(GuideEventRow, event_id)
        return _to_event(row) if row else None

    def events(self, *, kind: GuideEventKind | None = None, case_id: int | None = None) -> list[GuideEvent]:
        """Events oldest first (all, or of one kind, or about one case)."""
        query = select(GuideEventRow).order_by(GuideEventRow.id)
        if kind is not None:
            query = query.where(GuideEventRow.kind == kind.value)
        if case_id is not None:
            query = query.where(GuideEventRow.case_id == case_id)
        return [_to_event(r) for r in self._session.execute(query).scalars().all()]

    def week(self, *, start_at: datetime, end_at: datetime, top: int = 5) -> GuideWeek:
        """The guidance figures of one week, counted in SQL."""
        in_week = (GuideEventRow.at >= start_at, GuideEventRow.at < end_at)

        def count(*where: Any) -> int:
            return int(
                self._session.execute(
                    select(func.count()).select_from(GuideEventRow).where(*in_week, *where)
                ).scalar_one()
            )

        answered = count(GuideEventRow.kind == GuideEventKind.ANSWERED.value, GuideEventRow.case_id.is_(None))
        withdrawn = count(GuideEventRow.kind == GuideEventKind.WITHDRAWN.value)
        # The text of sensitive cases stays out of the report (it goes to the leads' channel).
        sensitive = select(CaseRow.id).where(CaseRow.sensitive == True)  # noqa: E712
        gaps = self._session.execute(
            select(GuideEventRow.query, func.count())
            .where(
                *in_week,
                GuideEventRow.kind == GuideEventKind.SEARCHED.value,
                GuideEventRow.good_match == False,  # noqa: E712
                GuideEventRow.query != "",
                or_(GuideEventRow.case_id.is_(None), GuideEventRow.case_id.not_in(sensitive)),
            )
            .group_by(GuideEventRow.query)
            .order_by(func.count().desc(), GuideEventRow.query)
            .limit(500)
        ).all()
        withdrawn_cases = select(CaseRow.id).where(CaseRow.answered_by_guide.is_not(None))
        anyway = self._session.execute(
            select(GuideEventRow.top_guide_id, func.count())
            .where(
                *in_week,
                GuideEventRow.kind == GuideEventKind.ESCALATED.value,
                GuideEventRow.good_match == True,  # noqa: E712
                GuideEventRow.top_guide_id.is_not(None),
                # A case withdrawn later was answered after all.
                or_(GuideEventRow.case_id.is_(None), GuideEventRow.case_id.not_in(withdrawn_cases)),
            )
            .group_by(GuideEventRow.top_guide_id)
            .order_by(func.count().desc(), GuideEventRow.top_guide_id)
            .limit(top)
        ).all()
        return GuideWeek(
            answered=answered,
            withdrawn=withdrawn,
            gap_queries=tuple((str(q), int(n)) for q, n in gaps),
            escalated_anyway=tuple((str(g), int(n)) for g, n in anyway),
        )

    # --- drafts -------------------------------------------------------------------------------

    def add_draft(self, case_id: int, text: DraftText, *, created_by: str, now: datetime) -> GuideDraft:
        """Queue a draft for a case; a case has at most one draft (the existing one is returned)."""
        existing = self.draft_for_case(case_id)
        if existing is not None:
            return existing
        row = GuideDraftRow(
            case_id=case_id,
            state=DraftState.PENDING.value,
            created_by=created_by,
            created_at=now,
            **_text_values(text),
        )
        try:
            with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError:  # drafted at the same moment by a second resolve
            found = self.draft_for_case(case_id)
            assert found is not None
            return found
        return _to_draft(row)

    def draft(self, draft_id: int) -> GuideDraft | None:
        row = self._session.get(GuideDraftRow, draft_id, populate_existing=True)
        return _to_draft(row) if row else None

    def draft_for_case(self, case_id: int) -> GuideDraft | None:
        row = self._session.execute(select(GuideDraftRow).where(GuideDraftRow.case_id == case_id)).scalar_one_or_none()
        return _to_draft(row) if row else None

    def pending_drafts(self, *, limit: int = 10) -> list[GuideDraft]:
        """The review queue, oldest first."""
        rows = (
            self._session.execute(
                select(GuideDraftRow)
                .where(GuideDraftRow.state == DraftState.PENDING.value)
                .order_by(GuideDraftRow.id)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        return [_to_draft(r) for r in rows]

    def count_pending(self) -> int:
        return int(
            self._session.execute(
                select(func.count()).select_from(GuideDraftRow).where(GuideDraftRow.state == DraftState.PENDING.value)
            ).scalar_one()
        )

    def _change(self, draft_id: int, version: int, **values: Any) -> GuideDraft:
        """Change a pending draft still at `version` (optimistic: the loser gets DraftChanged)."""
        result = self._session.execute(
            update(GuideDraftRow)
            .where(
                GuideDraftRow.id == draft_id,
                GuideDraftRow.version == version,
                GuideDraftRow.state == DraftState.PENDING.value,
            )
            .values(**values, version=GuideDraftRow.version + 1)
        )
        if not result.rowcount:
            raise DraftChanged(self.draft(draft_id))
        row = self._session.get(GuideDraftRow, draft_id, populate_existing=True)
        assert row is not None
        return _to_draft(row)

    def edit(self, draft_id: int, version: int, text: DraftText) -> GuideDraft:
        """Replace the draft's words; it stays pending."""
        return self._change(draft_id, version, **_text_values(text))

    def approve(self, draft_id: int, version: int, *, by: str, now: datetime, guide_id: str) -> GuideDraft:
        """Approve under the (possibly de-duplicated) id it is exported as. On Postgres the approval is
        announced at commit (NOTIFY bot_guides): the other replicas' listeners hear of it, and until then
        their guide drafts check reads nothing."""
        approved = self._change(
            draft_id, version, state=DraftState.APPROVED.value, guide_id=guide_id, reviewed_by=by, reviewed_at=now
        )
        if self._session.get_bind().dialect.name == "postgresql":
            # The schema as payload: a deployment in another schema of the same database hears it, and ignores it.
            self._session.execute(select(func.pg_notify(GUIDES_CHANNEL, func.current_schema())))
        return approved

    def discard(self, draft_id: int, version: int, *, by: str, now: datetime) -> GuideDraft:
        return self._change(draft_id, version, state=DraftState.DISCARDED.value, reviewed_by=by, reviewed_at=now)

    def approved_drafts(self) -> list[GuideDraft]:
        """Every approved draft, oldest approval first (they answer until their file is committed)."""
        rows = (
            self._session.execute(
                select(GuideDraftRow)
                .where(GuideDraftRow.state == DraftState.APPROVED.value)
                .order_by(GuideDraftRow.reviewed_at, GuideDraftRow.id)
            )
            .scalars()
            .all()
        )
        return [_to_draft(r) for r in rows]

    def approved_generation(self) -> tuple[int, int]:
        """A cheap version of the set of approved drafts (their count and newest id), read from the index on
        (state, id): an approval on any replica changes it, and a draft never leaves APPROVED."""
        return approved_generation(self._session.connection())

    def approved_ids(self) -> set[str]:
        """Guide ids already approved (so a new export never takes one)."""
        rows = self._session.execute(
            select(GuideDraftRow.guide_id).where(GuideDraftRow.state == DraftState.APPROVED.value)
        ).all()
        return {str(g) for (g,) in rows}
