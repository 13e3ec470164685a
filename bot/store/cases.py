"""Cases, their followers and their audit trail, mapped to domain objects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.domain.case import Case, CaseStatus, MessageRef, Page, human_id
from bot.domain.events import CaseEvent, EventKind
from bot.domain.intake import Intake, match_key
from bot.domain.salesforce import salesforce_id_in
from bot.store.tables import CaseEventRow, CaseFollowerRow, CaseRow, PageRow


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}


# The tables themselves: Core INSERTs skip the ORM's bulk-insert machinery on the ack path.
_CASES: Table = CaseRow.__table__
_FOLLOWERS: Table = CaseFollowerRow.__table__
_EVENTS: Table = CaseEventRow.__table__


_INSERT_CASE = insert(_CASES).returning(_CASES.c.id)
_INSERT_FOLLOWER = insert(_FOLLOWERS)
_INSERT_EVENT = insert(_EVENTS)
_ID_BY_INTAKE_KEY = select(_CASES.c.id).where(_CASES.c.intake_key == bindparam("key"))
_BY_ID = select(_CASES).where(_CASES.c.id == bindparam("id"))
_FOLLOWERS_OF = (
    select(_FOLLOWERS.c.user_id).where(_FOLLOWERS.c.case_id == bindparam("case_id")).order_by(_FOLLOWERS.c.added_at)
)


@lru_cache(maxsize=4)
def _insert_opened_case(names: tuple[str, ...]) -> Any:
    """Postgres: the case, its reporter as follower and its `opened` event in one statement (data-modifying
    CTEs), bound by the case's column `names` plus follower_id, event_kind and event_data."""
    columns = [_CASES.c[name] for name in names]
    case = (
        insert(_CASES)
        .values({c.name: bindparam(c.name, type_=c.type) for c in columns})
        .returning(_CASES.c.id)
        .cte("new_case")
    )
    follower = insert(_FOLLOWERS).from_select(
        ["case_id", "user_id", "added_at"],
        select(
            case.c.id,
            bindparam("follower_id", type_=_FOLLOWERS.c.user_id.type),
            bindparam("created_at", type_=_FOLLOWERS.c.added_at.type),
        ),
    )
    event = insert(_EVENTS).from_select(
        ["case_id", "at", "kind", "actor_id", "data"],
        select(
            case.c.id,
            bindparam("created_at", type_=_EVENTS.c.at.type),
            bindparam("event_kind", type_=_EVENTS.c.kind.type),
            bindparam("follower_id", type_=_EVENTS.c.actor_id.type),
            bindparam("event_data", type_=_EVENTS.c.data.type),
        ),
    )
    return select(case.c.id).add_cte(follower.cte("new_follower"), event.cte("new_event"))


@lru_cache(maxsize=16)
def _open_names(words: int) -> Any:
    """Open cases of some flows whose advertiser's name has one of `words` words (bound as w0, w1, …),
    oldest first. The words are matched in the database (` key ` LIKE `% word %`), so the ack reads the
    few cases a new one may duplicate, not every open case."""
    spaced = literal(" ") + _CASES.c.advertiser_key + literal(" ")
    query = select(_CASES.c.id, _CASES.c.advertiser_key, _CASES.c.campaign_key).where(
        _CASES.c.is_open.is_(True), _CASES.c.flow_id.in_(bindparam("flows", expanding=True))
    )
    if words:
        query = query.where(or_(*(spaced.like(bindparam(f"w{n}"), escape="\\") for n in range(words))))
    return query.order_by(_CASES.c.id).limit(500)


class CaseRepo:
    """Case rows inside one transaction."""

    def __init__(self, session: Session, *, prefix: str) -> None:
        self._session = session
        self._prefix = prefix

    def _core(self) -> Connection:
        """The transaction's connection, for Core statements: case rows are read and written without the
        ORM (no CaseRow is ever in the session's identity map, so a Core UPDATE cannot leave a stale one
        behind), which costs a fraction of the ORM's CPU per statement on the paths that run per case."""
        return self._session.connection()

    def _rows(self, statement: Any) -> list[Case]:
        return [self._to_case(r) for r in self._core().execute(statement).all()]

    def _to_case(self, row: Any, followers: Sequence[str] | None = None) -> Case:
        assert row.id is not None
        if followers is None:
            followers = self._core().execute(_FOLLOWERS_OF, {"case_id": row.id}).scalars().all()
        return Case(
            id=row.id,
            human_id=human_id(self._prefix, row.id),
            flow_id=row.flow_id,
            status=CaseStatus(row.status),
            severity_id=row.severity_id,
            reporter_id=row.reporter_id,
            advertiser=row.advertiser,
            campaign=row.campaign,
            market=row.market,
            summary=row.summary,
            deadline_at=row.deadline_at,
            sensitive=row.sensitive,
            created_at=row.created_at,
            values=dict(row.values or {}),
            root=MessageRef(row.channel_id, row.root_ts) if row.channel_id and row.root_ts else None,
            permalink=row.permalink,
            source_channel_id=row.source_channel_id,
            followers=tuple(followers),
            acknowledged_by=row.acknowledged_by,
            acknowledged_at=row.acknowledged_at,
            paging_generation=row.paging_generation,
            version=row.version,
            owner_id=row.owner_id,
            outcome=row.outcome,
            guidance=row.guidance,
            policy_ref=row.policy_ref,
            resolved_by=row.resolved_by,
            resolved_at=row.resolved_at,
            pauses=tuple(
                (datetime.fromisoformat(str(start)), datetime.fromisoformat(end) if end else None)
                for start, end in (row.pauses or [])
            ),
            answered_by_guide=row.answered_by_guide,
            salesforce_object=row.salesforce_object,
            salesforce_id=row.salesforce_id,
            source_message=row.source_message,
            first_page_at=row.first_page_at,
        )

    def add(self, intake: Intake, *, now: datetime, intake_key: str | None = None) -> Case:
        """Insert a new case with its reporter as first follower and an `opened` event.

        Core INSERTs built once (bound values only) and no read back: the transaction a Slack ack waits
        for. On Postgres the three are one statement (data-modifying CTEs): one round trip, not three."""
        values = _json_safe(intake.values)
        salesforce = intake.salesforce
        connection = self._session.connection()
        row = {
            "flow_id": intake.flow_id,
            "status": CaseStatus.NEW.value,
            "is_open": True,
            "severity_id": intake.severity.id,
            "reporter_id": intake.reporter_id,
            "advertiser": intake.advertiser,
            "advertiser_key": match_key(intake.advertiser),
            "campaign": intake.campaign,
            "campaign_key": match_key(intake.campaign),
            "market": intake.market,
            "summary": intake.summary,
            "deadline_at": intake.deadline_at,
            "sensitive": intake.sensitive,
            "values": values,
            "pauses": [],
            "intake_key": intake_key,
            "source_channel_id": intake.source_channel_id,
            "salesforce_object": salesforce.object_type if salesforce else None,
            "salesforce_id": salesforce.record_id if salesforce else None,
            "source_message": intake.source_message,
            "paging_generation": 0,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        opened = {"severity": intake.severity.id, "severity_reasons": list(intake.severity_reasons)}
        if connection.dialect.name == "postgresql":
            case_id = connection.execute(
                _insert_opened_case(tuple(row)),
                row | {"follower_id": intake.reporter_id, "event_kind": EventKind.OPENED.value, "event_data": opened},
            ).scalar_one()
        else:
            case_id = connection.execute(_INSERT_CASE, row).scalar_one()
            connection.execute(_INSERT_FOLLOWER, {"case_id": case_id, "user_id": intake.reporter_id, "added_at": now})
            connection.execute(
                _INSERT_EVENT,
                {
                    "case_id": case_id,
                    "at": now,
                    "kind": EventKind.OPENED.value,
                    "actor_id": intake.reporter_id,
                    "data": opened,
                },
            )
        return Case(
            id=case_id,
            human_id=human_id(self._prefix, case_id),
            flow_id=intake.flow_id,
            status=CaseStatus.NEW,
            severity_id=intake.severity.id,
            reporter_id=intake.reporter_id,
            advertiser=intake.advertiser,
            campaign=intake.campaign,
            market=intake.market,
            summary=intake.summary,
            deadline_at=intake.deadline_at,
            sensitive=intake.sensitive,
            created_at=now,
            values=values,
            source_channel_id=intake.source_channel_id,
            followers=(intake.reporter_id,),
            salesforce_object=salesforce.object_type if salesforce else None,
            salesforce_id=salesforce.record_id if salesforce else None,
            source_message=intake.source_message,
        )

    def id_by_intake_key(self, key: str) -> int | None:
        """The id of the case a submission made, if it made one (a re-sent submission's question)."""
        found = self._session.connection().execute(_ID_BY_INTAKE_KEY, {"key": key}).scalar_one_or_none()
        return int(found) if found is not None else None

    def open_names_in_flows(
        self, flow_ids: Iterable[str], *, sharing: Iterable[str] = ()
    ) -> Sequence[tuple[int, str, str]]:
        """(id, advertiser, campaign) of the open cases of these flows, oldest first (at most 500): the
        candidates a new case may duplicate, as plain rows (their match keys stand for the typed names).
        With `sharing` (words of a name, as `name_words` gives them), only cases whose advertiser's name
        has one of those words: a name that shares none cannot mean the same (`first_same_names`)."""
        words = sorted(set(sharing))
        params: dict[str, Any] = {"flows": list(flow_ids)}
        params.update({f"w{n}": f"% {escape_like(word)} %" for n, word in enumerate(words)})
        rows = self._core().execute(_open_names(len(words)), params)
        return cast("Sequence[tuple[int, str, str]]", rows.all())  # fetched at once: one call, no per-row step

    def get(self, case_id: int) -> Case:
        row = self._core().execute(_BY_ID, {"id": case_id}).first()
        if row is None:
            raise LookupError(f"no case {case_id}")
        return self._to_case(row)

    def get_many(self, case_ids: Iterable[int]) -> dict[int, Case]:
        """The cases with these ids, in one query (a batch of jobs reads its cases at once)."""
        ids = sorted(set(case_ids))
        if not ids:
            return {}
        table = _CASES
        rows = self._core().execute(select(table).where(table.c.id.in_(ids))).all()
        followers: dict[int, list[str]] = {}
        for case_id, user_id in self._core().execute(
            select(_FOLLOWERS.c.case_id, _FOLLOWERS.c.user_id)
            .where(_FOLLOWERS.c.case_id.in_(ids))
            .order_by(_FOLLOWERS.c.added_at)
        ):
            followers.setdefault(case_id, []).append(user_id)
        return {row.id: self._to_case(row, followers.get(row.id, [])) for row in rows if row.id is not None}

    def find(self, case_id: int) -> Case | None:
        row = self._core().execute(_BY_ID, {"id": case_id}).first()
        return self._to_case(row) if row else None

    def by_intake_key(self, key: str) -> Case | None:
        row = self._core().execute(select(_CASES).where(_CASES.c.intake_key == key)).first()
        return self._to_case(row) if row else None

    def open_in_flows(self, flow_ids: Iterable[str], *, limit: int = 500) -> list[Case]:
        """Open cases of these flows, oldest first (the candidates a new case may duplicate)."""
        return self._rows(
            select(_CASES)
            .where(_CASES.c.is_open.is_(True), _CASES.c.flow_id.in_(list(flow_ids)))
            .order_by(_CASES.c.id)
            .limit(limit)
        )

    def set_root(self, case_id: int, ref: MessageRef, *, now: datetime) -> None:
        self._core().execute(
            update(_CASES)
            .where(_CASES.c.id == case_id)
            .values(channel_id=ref.channel_id, root_ts=ref.ts, updated_at=now)
        )

    def set_permalink(self, case_id: int, permalink: str, *, now: datetime) -> None:
        self._core().execute(update(_CASES).where(_CASES.c.id == case_id).values(permalink=permalink, updated_at=now))

    def add_follower(self, case_id: int, user_id: str, *, now: datetime) -> bool:
        """Add a follower; False if they already follow (idempotent)."""
        exists = self._session.get(CaseFollowerRow, (case_id, user_id))
        if exists is not None:
            return False
        try:
            with self._session.begin_nested():
                self._session.add(CaseFollowerRow(case_id=case_id, user_id=user_id, added_at=now))
        except IntegrityError:
            return False
        return True

    def add_event(
        self,
        case_id: int,
        *,
        kind: EventKind,
        now: datetime,
        actor_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Record an event; its kind must be one of EventKind (ValueError otherwise: one vocabulary)."""
        self._session.add(
            CaseEventRow(case_id=case_id, at=now, kind=EventKind(kind).value, actor_id=actor_id, data=data or {})
        )

    def events(self, case_id: int) -> list[CaseEvent]:
        """The case's history, oldest first (the audit view, the rules that read what happened, tests)."""
        rows = self._session.execute(
            select(CaseEventRow.at, CaseEventRow.kind, CaseEventRow.actor_id, CaseEventRow.data)
            .where(CaseEventRow.case_id == case_id)
            .order_by(CaseEventRow.id)
        ).all()
        return [CaseEvent(at=at, kind=k, actor_id=a, data=dict(d)) for at, k, a, d in rows]

    def acknowledge(self, case_id: int, user_id: str, *, now: datetime) -> bool:
        """Mark acknowledged if nobody did yet; True for the one caller that wins."""
        result = self._core().execute(
            update(_CASES)
            .where(
                _CASES.c.id == case_id,
                _CASES.c.acknowledged_by.is_(None),
                _CASES.c.status == CaseStatus.NEW.value,
            )
            .values(
                status=CaseStatus.ACKNOWLEDGED.value,
                acknowledged_by=user_id,
                acknowledged_at=now,
                updated_at=now,
                version=_CASES.c.version + 1,
            )
        )
        return bool(result.rowcount)

    def change(self, case_id: int, *, now: datetime, **values: Any) -> None:
        """Update a case's columns (status keeps `is_open` in step) and bump its version."""
        if "status" in values:
            status = CaseStatus(values["status"])
            values["status"] = status.value
            values["is_open"] = status.is_open
        if "pauses" in values:
            values["pauses"] = [[s.isoformat(), e.isoformat() if e else None] for s, e in values["pauses"]]
        self._core().execute(
            update(_CASES).where(_CASES.c.id == case_id).values(**values, updated_at=now, version=_CASES.c.version + 1)
        )

    def set_severity(self, case_id: int, severity_id: str, *, now: datetime) -> None:
        self._core().execute(
            update(_CASES)
            .where(_CASES.c.id == case_id)
            .values(severity_id=severity_id, updated_at=now, version=_CASES.c.version + 1)
        )

    def set_first_page_at(self, case_id: int, at: datetime) -> None:
        """Record when the paging plan just started pages its first level (not a change of the case:
        the version stays, as it does for a new paging generation)."""
        self._core().execute(update(_CASES).where(_CASES.c.id == case_id).values(first_page_at=at))

    def next_paging_generation(self, case_id: int, *, now: datetime) -> int:
        """Start a new paging generation (older steps become stale) and return its number."""
        generation = (
            self._core()
            .execute(
                update(_CASES)
                .where(_CASES.c.id == case_id)
                .values(paging_generation=_CASES.c.paging_generation + 1, updated_at=now)
                .returning(_CASES.c.paging_generation)
            )
            .scalar_one()
        )
        return int(generation)

    def record_page(
        self,
        case_id: int,
        *,
        generation: int,
        round: int,
        level: int,
        user_id: str,
        ref: MessageRef,
        now: datetime,
        nth: int = 0,
    ) -> None:
        self._session.add(
            PageRow(
                case_id=case_id,
                generation=generation,
                round=round,
                level=level,
                nth=nth,
                user_id=user_id,
                channel_id=ref.channel_id,
                ts=ref.ts,
                sent_at=now,
            )
        )

    def pages(self, case_id: int) -> list[Page]:
        """Every page sent for a case, oldest first."""
        rows = self._session.execute(
            select(PageRow.user_id, PageRow.channel_id, PageRow.ts, PageRow.round, PageRow.level)
            .where(PageRow.case_id == case_id)
            .order_by(PageRow.id)
        ).all()
        return [Page(user_id=u, ref=MessageRef(c, t), round=r, level=lv) for u, c, t, r, lv in rows]

    def paged_at(self, case_id: int, *, generation: int, round: int, level: int) -> tuple[str, ...]:
        """Who got a page (delivered) at one step of one paging generation."""
        rows = self._session.execute(
            select(PageRow.user_id).where(
                PageRow.case_id == case_id,
                PageRow.generation == generation,
                PageRow.round == round,
                PageRow.level == level,
            )
        ).all()
        return tuple(dict.fromkeys(str(u) for (u,) in rows))

    def open_cases(self, *, limit: int = 200) -> list[Case]:
        """Open cases, oldest first."""
        return self._rows(select(_CASES).where(_CASES.c.is_open.is_(True)).order_by(_CASES.c.id).limit(limit))

    def involving(self, user_id: str, *, limit: int = 20) -> list[Case]:
        """Open cases the person filed, follows or owns, newest first."""
        followed = select(_FOLLOWERS.c.case_id).where(_FOLLOWERS.c.user_id == user_id)
        return self._rows(
            select(_CASES)
            .where(_CASES.c.is_open.is_(True), (_CASES.c.owner_id == user_id) | _CASES.c.id.in_(followed))
            .order_by(_CASES.c.id.desc())
            .limit(limit)
        )

    def search(self, text: str, *, since: datetime, limit: int = 10, sensitive: bool = False) -> list[Case]:
        """Recent cases whose advertiser or campaign contains `text` literally (case-insensitive; `%`, `_`
        and `\\` match themselves), or whose Salesforce record is the id or link `text` names, newest first;
        sensitive cases only with `sensitive`."""
        key = f"%{escape_like(match_key(text))}%"
        c = _CASES.c
        matches = c.advertiser_key.like(key, escape="\\") | c.campaign_key.like(key, escape="\\")
        record = salesforce_id_in(text)
        if record is not None:
            matches = matches | (c.salesforce_id == record)
        where = [c.created_at >= since, matches]
        if not sensitive:
            where.append(c.sensitive.is_(False))
        return self._rows(select(_CASES).where(*where).order_by(c.id.desc()).limit(limit))

    def count(self) -> int:
        return len(self._core().execute(select(_CASES.c.id)).all())


def escape_like(text: str) -> str:
    """`text` for a LIKE pattern in which `%`, `_` and the escape character itself match literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
