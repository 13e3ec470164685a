"""Open a case from a valid intake: commit it, then let durable jobs talk to Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.case import Case
from bot.domain.duplicates import first_same_names, lock_names, name_words
from bot.domain.events import EventKind
from bot.domain.flow import FieldKind, Flow
from bot.domain.intake import Intake
from bot.observability import metrics
from bot.observability.logs import log_context
from bot.services.paging import note_in_thread
from bot.services.ports import ThreadNote
from bot.store.store import Conflict, Store, Tx

log = logging.getLogger(__name__)

# Called inside the transaction that creates the case (e.g. start paging), so both commit together.
OnOpened = Callable[[Tx, Case, datetime], object]

CASE_OPENED = "case.opened"
POST_ROOT = "case.post_root"
POST_DETAILS = "case.post_details"
CONFIRM_REPORTER = "case.confirm_reporter"
NOTIFY_FOLLOWER = "case.notify_follower"
REPLY_TO_SOURCE = "case.reply_to_source"
NOTE_FOLLOWER = "case.note_follower"


class DuplicateCaseOpen(Exception):
    """An open case for the same advertiser and campaign exists; the reporter chooses."""

    def __init__(self, existing: Case) -> None:
        super().__init__(f"{existing.human_id} is open for the same advertiser and campaign")
        self.existing = existing


@dataclass(frozen=True, slots=True)
class Opened:
    """The case, and whether this submission created it (False for a re-sent submission)."""

    case: Case
    created: bool


def file_case(
    intake: Intake,
    *,
    store: Store,
    now: datetime,
    intake_key: str,
    allow_duplicate: bool = False,
    reveal_sensitive: bool = False,
    max_attempts: int = 8,
    family: frozenset[str] | None = None,
    follow_up: dict[str, object] | None = None,
) -> Opened:
    """The ack's part (DESIGN: the ack does the least that keeps the promise): commit the case and ONE
    `case.opened` job in one short transaction; that job (run at once by the runner, or after a restart,
    as it is a durable row) posts the case, starts paging and sets its timers (OpenedFollowUp).

    `follow_up` is extra payload for the job (e.g. what the intake form showed). Duplicates are refused
    as in `open_case`."""
    return _open(
        intake,
        store=store,
        now=now,
        intake_key=intake_key,
        allow_duplicate=allow_duplicate,
        reveal_sensitive=reveal_sensitive,
        max_attempts=max_attempts,
        family=family,
        inline=None,
        follow_up=follow_up or {},
    )


def open_case(
    intake: Intake,
    *,
    store: Store,
    now: datetime,
    intake_key: str,
    allow_duplicate: bool = False,
    reveal_sensitive: bool = False,
    max_attempts: int = 8,
    on_opened: OnOpened | None = None,
    family: frozenset[str] | None = None,
) -> Opened:
    """Commit the case and everything that follows its opening (its first Slack job, and `on_opened`,
    e.g. start paging) in one transaction, before anything is sent: for callers with no person waiting.
    The Slack intake uses `file_case`, whose `case.opened` job does the same work right after the ack.

    Unless `allow_duplicate`, an open case of the flow's family (`family`, default the flow alone) for
    the same advertiser and campaign is offered to the reporter (DuplicateCaseOpen), unless it is
    sensitive and they are not on the team (`reveal_sensitive`): then the new case is filed and the two
    are linked for the team only. The check and the insert hold a lock per flow of the family and word
    of the advertiser's name (`lock_names`), so two replicas filing the same case at once make one case,
    while intakes for other advertisers do not wait on each other."""
    return _open(
        intake,
        store=store,
        now=now,
        intake_key=intake_key,
        allow_duplicate=allow_duplicate,
        reveal_sensitive=reveal_sensitive,
        max_attempts=max_attempts,
        family=family,
        inline=on_opened or _nothing,
        follow_up={},
    )


def _nothing(tx: Tx, case: Case, now: datetime) -> None:
    return None


def _open(
    intake: Intake,
    *,
    store: Store,
    now: datetime,
    intake_key: str,
    allow_duplicate: bool,
    reveal_sensitive: bool,
    max_attempts: int,
    family: frozenset[str] | None,
    inline: OnOpened | None,
    follow_up: dict[str, object],
) -> Opened:
    try:
        with store.transaction() as tx:
            existing_id = tx.cases.id_by_intake_key(intake_key)
            if existing_id is not None:
                return Opened(tx.cases.get(existing_id), created=False)
            hidden: int | None = None
            if not allow_duplicate:
                flows = family or frozenset({intake.flow_id})
                # Only intakes that may duplicate this one wait (those sharing a word of its advertiser).
                tx.lock(*lock_names(flows, intake.advertiser))
                candidates = tx.cases.open_names_in_flows(flows, sharing=name_words(intake.advertiser))
                found = first_same_names(intake.advertiser, intake.campaign, candidates)
                duplicate = tx.cases.get(found) if found is not None else None
                if duplicate is not None and duplicate.sensitive and not reveal_sensitive:
                    hidden = duplicate.id
                elif duplicate is not None:
                    raise DuplicateCaseOpen(duplicate)
            case = tx.cases.add(intake, now=now, intake_key=intake_key)
            with log_context(case_id=case.id, flow=case.flow_id):
                if inline is None:
                    payload = dict(follow_up)
                    if hidden is not None:
                        payload["linked_to"] = hidden
                    if intake.reply_ts and intake.source_channel_id:
                        payload["reply_ts"] = intake.reply_ts
                    tx.jobs.add_new(
                        kind=CASE_OPENED,
                        key=f"{CASE_OPENED}:{case.id}",
                        due_at=now,
                        now=now,
                        case_id=case.id,
                        payload=payload,
                        max_attempts=max_attempts,
                    )
                else:
                    case = follow_up_opened(
                        tx,
                        case,
                        now=now,
                        linked_to=hidden,
                        reply_ts=intake.reply_ts,
                        max_attempts=max_attempts,
                        on_opened=inline,
                    )
    except Conflict:
        # The same submission reached another replica (or thread) at once and its insert won: this one
        # is the re-sent copy, answered from the store like any other.
        with store.read() as tx:
            existing = tx.cases.by_intake_key(intake_key)
        if existing is None:
            raise
        log.info("concurrent submission for %s answered from the store", existing.human_id)
        return Opened(existing, created=False)
    metrics.case_opened(flow=case.flow_id, severity=case.severity_id)
    log.info(
        "case_opened %s severity=%s", case.human_id, case.severity_id, extra={"case_id": case.id, "flow": case.flow_id}
    )
    return Opened(case, created=True)


def follow_up_opened(
    tx: Tx,
    case: Case,
    *,
    now: datetime,
    linked_to: int | None,
    reply_ts: str | None,
    max_attempts: int,
    on_opened: OnOpened | None,
) -> Case:
    """What follows a case's opening, in one transaction: the link to a hidden sensitive duplicate, its
    first Slack jobs (root post, the reply under the escalated message), then `on_opened` (paging and
    timers). `now` is when the case was opened, so the plan is the same whenever this runs."""
    if linked_to is not None:
        _link(tx, case, tx.cases.get(linked_to), now=now)
    tx.jobs.enqueue(
        kind=POST_ROOT, key=f"{POST_ROOT}:{case.id}", due_at=now, now=now, case_id=case.id, max_attempts=max_attempts
    )
    if reply_ts and case.source_channel_id:
        # "escalated as ADS-1042" under the message the case was escalated from.
        tx.jobs.enqueue(
            kind=REPLY_TO_SOURCE,
            key=f"{REPLY_TO_SOURCE}:{case.id}",
            due_at=now,
            now=now,
            case_id=case.id,
            payload={"channel": case.source_channel_id, "ts": reply_ts},
            max_attempts=max_attempts,
        )
    if on_opened is None:
        return case
    on_opened(tx, case, now)
    return tx.cases.get(case.id)


@dataclass(frozen=True, slots=True)
class FollowNote:
    """What the second rep typed: kept, recorded and posted to the case thread, not thrown away."""

    question: str = ""
    market: str = ""
    links: tuple[str, ...] = ()

    @classmethod
    def of(cls, intake: Intake, flow: Flow) -> FollowNote:
        links = tuple(
            str(intake.values[f.id]) for f in flow.fields if f.kind is FieldKind.URL and intake.values.get(f.id)
        )
        return cls(question=intake.summary, market=intake.market, links=links)

    def payload(self) -> dict[str, object]:
        return {"question": self.question, "market": self.market, "links": list(self.links)}


def follow_case(
    case_id: int,
    *,
    user_id: str,
    store: Store,
    now: datetime,
    max_attempts: int = 8,
    note: FollowNote | None = None,
) -> Case:
    """Add a rep as a follower of an open case instead of filing a duplicate; what they typed goes to
    the case's history and thread. The reporter adding to their own case is not made a follower."""
    note = note or FollowNote()
    with store.transaction() as tx:
        case = tx.cases.get(case_id)
        own = case.reporter_id == user_id
        if own or tx.cases.add_follower(case_id, user_id, now=now):
            tx.cases.add_event(
                case_id,
                kind=EventKind.ADDED_TO if own else EventKind.FOLLOWED,
                actor_id=user_id,
                now=now,
                data=note.payload(),
            )
            # The thread hears who joined and what they asked; a new follower also gets the link in a DM.
            tx.jobs.enqueue(
                kind=NOTE_FOLLOWER if own else NOTIFY_FOLLOWER,
                key=f"{NOTE_FOLLOWER if own else NOTIFY_FOLLOWER}:{case_id}:{user_id}:{now.timestamp()}",
                due_at=now,
                now=now,
                case_id=case_id,
                payload={"user_id": user_id, **note.payload()},
                max_attempts=max_attempts,
            )
        return tx.cases.get(case_id)


def _link(tx: Tx, case: Case, sensitive: Case, *, now: datetime) -> None:
    """Record that `case` may be about the same thing as the sensitive `sensitive`, for the team: an
    event on each and a line in the sensitive case's (restricted) thread; the reporter is told nothing."""
    tx.cases.add_event(case.id, kind=EventKind.LINKED, now=now, data={"case": sensitive.human_id})
    tx.cases.add_event(sensitive.id, kind=EventKind.LINKED, now=now, data={"case": case.human_id})
    note = ThreadNote(kind="linked", detail=case.human_id, at=now)
    note_in_thread(tx, sensitive, note, key=f"linked:{case.id}", now=now)
