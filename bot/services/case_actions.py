"""Lifecycle use cases: take, reassign, change severity, note, request info, resolve, reopen.

Each one loads the case, asks the domain whether the action is allowed (permission, then state),
saves the change with a before/after event, and queues the Slack work as durable jobs — all in one
transaction, so a refusal changes nothing and an accepted change is never half-applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.config.model import Config
from bot.domain.access import Right
from bot.domain.case import AlreadyPaged, Case, CaseStatus
from bot.domain.case_change import ActionRequest as ActionRequest
from bot.domain.case_change import CaseChange, change_for
from bot.domain.events import EventKind
from bot.domain.guidance import GuideEvent, GuideEventKind, GuideSource
from bot.domain.job import Job
from bot.domain.lifecycle import Action, next_status
from bot.domain.permissions import Actor, NotAllowed, check, may, may_right
from bot.observability import metrics
from bot.observability.logs import log_context
from bot.services.access import Access
from bot.services.guide_drafts import draft_from_case
from bot.services.oncall import OnCall
from bot.services.paging import (
    PAGING_KINDS,
    TELL_OWNER,
    UPDATE_PAGES,
    UPDATE_ROOT,
    note_in_thread,
    page_new_owner,
    paged_so_far,
    restart_paging,
    stop_paging,
)
from bot.services.ports import RepSender, ThreadNote
from bot.store.effects import Effect
from bot.store.store import Store, Tx

ASK_REP = "case.ask_rep"
TELL_OUTCOME = "case.tell_outcome"

# Hooks that keep the SLA and deadline timers in step with the case (set by the wiring); called with
# overdue_now=True after a reopen or a severity change.
TimerHook = Callable[..., None]
# Whether a person may act on (own) a case at `now`: the reassign target's check (set by the wiring).
MayAct = Callable[[str, Case, datetime], bool]


class CannotOwn(NotAllowed):
    """A case was to be reassigned to someone who may not act on it; nothing changed."""

    def __init__(self, case: Case, user_id: str) -> None:
        super().__init__(
            "<@{user}> cannot act on {case}: only the ads policy specialists, the leads and whoever is on call "
            "can own a case. Pick one of them.",
            {"user": user_id, "case": case.human_id},
            field="user",
        )
        self.user_id = user_id


@dataclass
class CaseActions:
    """Runs lifecycle actions; everything is passed in at construction."""

    config: Config
    store: Store
    oncall: OnCall
    on_timers: TimerHook | None = None
    may_act: MayAct | None = None

    def perform(self, case_id: int, request: ActionRequest, *, actor: Actor, now: datetime) -> Case:
        """Apply one action; raise NotAllowed or InvalidTransition (nothing changes) or return the case."""
        with log_context(case_id=case_id), self.store.transaction() as tx:
            case = tx.cases.get(case_id)
            check(actor, request.action, case)
            status = next_status(case.status, request.action)
            if request.action is Action.REASSIGN:
                if not request.user_id:
                    raise ValueError("a reassignment names the new owner")
                if self.may_act is not None and not self.may_act(request.user_id, case, now):
                    raise CannotOwn(case, request.user_id)
                if request.user_id != actor.user_id:
                    # Until the new owner acknowledges, the case is theirs to accept: a page, not a fact.
                    status = CaseStatus.NEW
            if request.action is Action.WITHDRAW:
                if not request.guide_id:
                    raise ValueError("a withdrawal names the guide article that answered the question")
                _refuse_if_paged(tx, case)
            change = self._change(case, request, status, actor=actor, now=now)
            columns = change.columns()
            if columns:
                tx.cases.change(case.id, now=now, **columns)
            data: dict[str, object] = dict(change.history(case))
            if request.text:
                data["text"] = request.text
            tx.cases.add_event(
                case.id, kind=EventKind(request.action.value), actor_id=actor.user_id, now=now, data=data
            )
            updated = tx.cases.get(case.id)
            self._follow_up(tx, case, updated, request, actor=actor, now=now)
            if request.action is Action.WITHDRAW:
                # On Postgres another replica may have queued or claimed a page since we first looked:
                # cancel what it queued, and if a page is now being sent, roll the whole withdrawal back.
                # (A page job is claimed only while pending, and its sender re-reads the case first.)
                tx.jobs.cancel_for_case(case.id, kinds=PAGING_KINDS, now=now)
                _refuse_if_paged(tx, case)
        if case.acknowledged_at is None and updated.acknowledged_at is not None:  # taken: acknowledged, committed
            metrics.observe_ack_latency((updated.acknowledged_at - updated.created_at).total_seconds())
        return updated

    def _change(
        self, case: Case, request: ActionRequest, status: CaseStatus, *, actor: Actor, now: datetime
    ) -> CaseChange:
        if request.action is Action.CHANGE_SEVERITY:
            flow = self.config.flow(case.flow_id)
            if request.severity_id not in {s.id for s in flow.severities}:
                raise ValueError(f"unknown severity {request.severity_id!r}")
        return change_for(case, request, status, actor_id=actor.user_id, now=now)

    def _follow_up(
        self, tx: Tx, before: Case, case: Case, request: ActionRequest, *, actor: Actor, now: datetime
    ) -> None:
        action = request.action
        key = f"v{case.version}"
        # Every page DM follows what people can still do about the case (issue 14: no stale buttons).
        seen = ("status", "severity_id", "owner_id", "acknowledged_by")
        changed = any(getattr(before, name) != getattr(case, name) for name in seen)
        for kind in (UPDATE_ROOT,) + ((UPDATE_PAGES,) if changed else ()):
            tx.jobs.enqueue(kind=kind, key=f"{kind}:{case.id}:{key}", due_at=now, now=now, case_id=case.id)
        users = (actor.user_id,) + ((request.user_id,) if request.user_id else ())
        extra = (
            self.config.flow(case.flow_id).severity(case.severity_id).label if action is Action.CHANGE_SEVERITY else ""
        )
        if action is Action.WITHDRAW:
            guide = next((g for g in self.config.guides if g.id == request.guide_id), None)
            extra = guide.title if guide else request.guide_id
            tx.guides.record(
                GuideEvent(
                    kind=GuideEventKind.WITHDRAWN,
                    user_id=actor.user_id,
                    source=GuideSource.INTAKE,
                    query="" if case.sensitive else case.summary,
                    market=case.market or None,
                    flow_id=case.flow_id,
                    guide_ids=(request.guide_id,),
                    top_guide_id=request.guide_id,
                    good_match=True,
                    case_id=case.id,
                ),
                now=now,
            )
        note_in_thread(
            tx,
            case,
            ThreadNote(kind=action.value, users=users, at=now, text=request.text, detail=extra),
            key=f"{action.value}:{key}",
            now=now,
        )
        if before.needs_paging and not case.needs_paging:
            stop_paging(tx, case, reason=action.value, now=now)
        if action is Action.REASSIGN and request.user_id and case.needs_paging:
            page_new_owner(tx, case, user_id=request.user_id, config=self.config, oncall=self.oncall, now=now)
        elif action is Action.CHANGE_SEVERITY and case.needs_paging and case.owner_id is None:
            restart_paging(tx, case, config=self.config, oncall=self.oncall, reason="severity changed", now=now)
        if action is Action.REQUEST_INFO:
            tx.jobs.enqueue(
                kind=ASK_REP,
                key=f"{ASK_REP}:{case.id}:{key}",
                due_at=now,
                now=now,
                case_id=case.id,
                payload={"question": request.text, "asked_by": actor.user_id},
            )
        # A guide article is published text: a sensitive case is never drafted into one.
        if action is Action.RESOLVE and request.worth_a_guide and not case.sensitive:
            draft = tx.guides.add_draft(
                case.id,
                draft_from_case(case, self.config.flow(case.flow_id), guides=self.config.guides),
                created_by=actor.user_id,
                now=now,
            )
            tx.cases.add_event(
                case.id, kind=EventKind.GUIDE_DRAFTED, actor_id=actor.user_id, now=now, data={"draft": draft.id}
            )
        if action is Action.RESOLVE:
            tx.jobs.cancel_for_case(case.id, kinds=PAGING_KINDS, now=now)
            for follower in case.followers:
                tx.jobs.enqueue(
                    kind=TELL_OUTCOME,
                    key=f"{TELL_OUTCOME}:{case.id}:{key}:{follower}",
                    due_at=now,
                    now=now,
                    case_id=case.id,
                    payload={"user_id": follower},
                )
        if action in (Action.REOPEN, Action.CHANGE_SEVERITY):
            # Whoever works the case hears of it: the owner if on shift, else whoever is on call.
            tx.jobs.enqueue(
                kind=TELL_OWNER,
                key=f"{TELL_OWNER}:{case.id}:{key}",
                due_at=now,
                now=now,
                case_id=case.id,
                payload={"what": action.value, "by": actor.user_id, "text": request.text},
            )
        if self.on_timers is not None:
            if action in (Action.REOPEN, Action.CHANGE_SEVERITY):
                # Re-planned from the new state; an SLA already past its new due time alerts at once.
                self.on_timers(tx, case, now, overdue_now=True)
            else:
                self.on_timers(tx, case, now)


def _refuse_if_paged(tx: Tx, case: Case) -> None:
    """A withdrawal must page nobody: refused once a page went out or is being sent."""
    users, sending = paged_so_far(tx, case)
    if users or sending:
        raise AlreadyPaged(case, users)


@dataclass
class RepMessages:
    """Job handlers for the rep's DMs: the specialist's question and the outcome."""

    config: Config
    store: Store
    sender: RepSender
    access: Access | None = None

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {ASK_REP: self.ask, TELL_OUTCOME: self.tell}

    def _case(self, job: Job) -> Case:
        assert job.case_id is not None
        with self.store.read() as tx:
            return tx.cases.get(job.case_id)

    def ask(self, job: Job) -> Effect | None:
        case = self._case(job)
        self.sender.ask_rep(
            case,
            self.config.flow(case.flow_id),
            question=str(job.payload["question"]),
            asked_by=str(job.payload["asked_by"]),
        )
        return None

    def tell(self, job: Job) -> Effect | None:
        case = self._case(job)
        if case.outcome is None:
            return None  # reopened before the DM went out: the outcome no longer stands
        user_id = str(job.payload["user_id"])
        full, may_reopen = True, True
        if self.access is not None:
            # A follower hears the outcome; its text only if they may read the case, the follow-up
            # (reopen) button only if they may reopen it.
            now = case.resolved_at or case.created_at
            actor = self.access.actor(user_id, case, now=now)
            full = may_right(actor, Right.SEE, case)
            may_reopen = may(actor, Action.REOPEN, case)
        self.sender.tell_outcome(
            case, self.config.flow(case.flow_id), user_id=user_id, full=full, may_reopen=may_reopen
        )
        return None
