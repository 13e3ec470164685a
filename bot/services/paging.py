"""Paging in the caller's transaction: start, stop or restart a case's policy, page a new owner, queue a
thread note or a leads' alert; and the people's answers to a page: acknowledge, pass it on.

The job handlers that walk the policy are `paging_engine.Paging`; those that keep the case's messages in
step are `case_messages.CaseMessages`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from functools import partial

from bot.config.model import Config
from bot.domain.case import AlreadyAcknowledged, Case, CaseNotOpen, MessageRef
from bot.domain.escalation import Step, first_step
from bot.domain.events import EventKind
from bot.domain.job import JobState
from bot.domain.paging_plan import PlannedAlert
from bot.domain.policy import PageTiming, Policy
from bot.observability import metrics
from bot.services.handover import relay_state
from bot.services.oncall import OnCall, next_business_start
from bot.services.paging_jobs import (
    ESCALATE,
    LEADS_ALERT,
    PAGING_KINDS,
    SEND,
    TELL_OWNER,
    THREAD_NOTE,
    UPDATE_PAGES,
    UPDATE_ROOT,
    AlertPayload,
    EscalatePayload,
    SendPayload,
    alert_key,
    escalate_key,
    owner_send_key,
)
from bot.services.ports import ThreadNote
from bot.store.store import Store, Tx

__all__ = [
    "ESCALATE",
    "LEADS_ALERT",
    "PAGING_KINDS",
    "SEND",
    "TELL_OWNER",
    "THREAD_NOTE",
    "UPDATE_PAGES",
    "UPDATE_ROOT",
    "PagedHook",
    "PassedOn",
    "acknowledge",
    "first_page_due",
    "note_in_thread",
    "page_new_owner",
    "paged_so_far",
    "pass_on",
    "queue_alert",
    "queue_escalation",
    "restart_paging",
    "restricted_thread",
    "start_paging",
    "stop_paging",
]

# Called where a page is queued, in its transaction: (tx, case, user, generation, round, level, paged_at, now).
PagedHook = Callable[[Tx, Case, str, int, int, int, datetime, datetime], None]


def start_paging(tx: Tx, case: Case, *, config: Config, oncall: OnCall, now: datetime) -> datetime:
    """Begin (or restart) the flow's policy for `case`; return when the first level is paged.

    Runs in the caller's transaction, so a case is never committed without its first step.
    """
    policy = config.policies[config.flow(case.flow_id).policy]
    generation = tx.cases.next_paging_generation(case.id, now=now)
    due_at, capped = first_page_due(case, config=config, now=now, business_start=oncall.next_business_start)
    queue_escalation(tx, case, generation, first_step(due_at), config=config, now=now)
    _paging_started(tx, case, generation, policy, first_page_at=due_at, now=now, held_for_deadline=capped)
    tx.cases.set_first_page_at(case.id, due_at)
    if due_at > now:
        note = ThreadNote(kind="held", at=due_at, detail="deadline" if capped else "")
        note_in_thread(tx, case, note, key=f"held:{generation}", now=now)
    return due_at


def first_page_due(
    case: Case,
    *,
    config: Config,
    now: datetime,
    business_start: Callable[[Policy, datetime], datetime] | None = None,
) -> tuple[datetime, bool]:
    """When the flow's policy pages its first level if started at `now`, and whether the deadline
    brought it forward. Configuration only (no I/O): the intake's ack says it before paging starts."""
    flow = config.flow(case.flow_id)
    policy = config.policies[flow.policy]
    due_at, capped = now, False
    if policy.timing_for(case.severity_id) is PageTiming.BUSINESS_HOURS:
        due_at = (business_start or partial(next_business_start, config))(policy, now)
        if case.deadline_at is not None:
            # Held no later than the deadline minus the acknowledge SLA and the policy's margin.
            latest = case.deadline_at - flow.severity(case.severity_id).acknowledge_within - policy.deadline_margin
            if latest < due_at:
                due_at, capped = max(now, latest), True
    return due_at, capped


def queue_escalation(
    tx: Tx, case: Case, generation: int, step: Step, *, config: Config, now: datetime, returns_from: str | None = None
) -> None:
    """Queue the escalation job that pages `step` of the case's policy when it is due."""
    tx.jobs.enqueue(
        kind=ESCALATE,
        key=escalate_key(case.id, generation, step),
        due_at=step.due_at,
        now=now,
        case_id=case.id,
        payload=EscalatePayload(generation, step.round, step.level, returns_from=returns_from).dump(),
        max_attempts=config.app.max_attempts,
    )


def _paging_started(
    tx: Tx, case: Case, generation: int, policy: Policy, *, first_page_at: datetime, now: datetime, **more: object
) -> None:
    tx.cases.add_event(
        case.id,
        kind=EventKind.PAGING_STARTED,
        now=now,
        data={"generation": generation, "policy": policy.id, "first_page_at": first_page_at.isoformat(), **more},
    )


def stop_paging(tx: Tx, case: Case, *, reason: str, now: datetime) -> int:
    """Cancel every pending paging step of a case in the caller's transaction (resolve, downgrade)."""
    cancelled = tx.jobs.cancel_for_case(case.id, kinds=PAGING_KINDS, now=now)
    tx.cases.add_event(
        case.id, kind=EventKind.PAGING_STOPPED, now=now, data={"reason": reason, "cancelled_jobs": cancelled}
    )
    return cancelled


def paged_so_far(tx: Tx, case: Case) -> tuple[tuple[str, ...], bool]:
    """Who was paged for `case` so far, and whether a page is being sent right now (a claimed page job,
    which may reach Slack whatever happens to the case from here on)."""
    users = tuple(dict.fromkeys(page.user_id for page in tx.cases.pages(case.id)))
    sending = any(state == JobState.RUNNING.value for state in tx.jobs.states(case_id=case.id, kind=SEND).values())
    return users, sending


def restart_paging(tx: Tx, case: Case, *, config: Config, oncall: OnCall, reason: str, now: datetime) -> datetime:
    """A severity upgrade: stop what is pending and start the policy again under the new severity.

    The new generation makes any step already claimed by another replica a no-op.
    """
    stop_paging(tx, case, reason=reason, now=now)
    return start_paging(tx, tx.cases.get(case.id), config=config, oncall=oncall, now=now)


def page_new_owner(tx: Tx, case: Case, *, user_id: str, config: Config, oncall: OnCall, now: datetime) -> datetime:
    """Reassign is a page: the new owner is paged now, with Acknowledge; unacknowledged after the first
    level's wait, paging returns to the policy (from level 1, under its timing). Returns when it does."""
    tx.jobs.cancel_for_case(case.id, kinds=PAGING_KINDS, now=now)
    policy = config.policy_for(case.flow_id)
    generation = tx.cases.next_paging_generation(case.id, now=now)
    returns_at = now + policy.levels[0].wait
    if policy.timing_for(case.severity_id) is PageTiming.BUSINESS_HOURS:
        returns_at = oncall.next_business_start(policy, returns_at)
    tx.jobs.enqueue(
        kind=SEND,
        key=owner_send_key(case.id, generation, user_id),
        due_at=now,
        now=now,
        case_id=case.id,
        payload=SendPayload(generation, 0, 0, user_id, step_due_at=now).dump(),
        max_attempts=config.app.max_attempts,
    )
    queue_escalation(tx, case, generation, first_step(returns_at), config=config, now=now, returns_from=user_id)
    _paging_started(
        tx, case, generation, policy, first_page_at=now, now=now, owner=user_id, returns_at=returns_at.isoformat()
    )
    tx.cases.set_first_page_at(case.id, now)
    return returns_at


def note_in_thread(tx: Tx, case: Case, note: ThreadNote, *, key: str, now: datetime) -> None:
    """Queue a line for the case thread (paging and lifecycle actions share this job kind). A sensitive
    case's note is two jobs: the whole note in its restricted thread, a line without its text in the
    case thread; each is retried alone, so neither is posted twice when the other meets a rate limit."""
    payload = {
        "kind": note.kind,
        "users": list(note.users),
        "round": note.round,
        "level": note.level,
        "at": note.at.isoformat() if note.at else None,
        "text": note.text,
        "detail": note.detail,
    }
    tx.jobs.enqueue(
        kind=THREAD_NOTE, key=f"{THREAD_NOTE}:{case.id}:{key}", due_at=now, now=now, case_id=case.id, payload=payload
    )
    if case.sensitive:
        tx.jobs.enqueue(
            kind=THREAD_NOTE,
            key=f"{THREAD_NOTE}:{case.id}:{key}:restricted",
            due_at=now,
            now=now,
            case_id=case.id,
            payload=payload | {"restricted": True},
        )


def queue_alert(tx: Tx, case: Case, alert: PlannedAlert, *, now: datetime, generation: int) -> None:
    """Queue a leads' alert the paging plan calls for (unanswered, nobody on call…), due when it says."""
    step = alert.step
    tx.jobs.enqueue(
        kind=LEADS_ALERT,
        key=alert_key(case.id, generation, step.round, step.level, alert.kind.value),
        due_at=alert.due_at,
        now=now,
        case_id=case.id,
        payload=AlertPayload(alert.kind.value, step.round, step.level, alert.repeats, generation).dump(),
        max_attempts=20,
    )


def restricted_thread(details_posted: dict[str, object]) -> MessageRef | None:
    """The restricted-channel message a sensitive case's texts are threaded under (None: not sensitive,
    or no restricted channel configured, when the details went to the case thread)."""
    if not details_posted.get("restricted") or not details_posted.get("ts"):
        return None
    return MessageRef(str(details_posted["channel"]), str(details_posted["ts"]))


def acknowledge(case_id: int, *, user_id: str, store: Store, now: datetime, via: str = "") -> Case:
    """First click (or SMS reply, key press, pager webhook: `via`) wins; pending paging is cancelled in
    the same transaction."""
    with store.transaction() as tx:
        case = tx.cases.get(case_id)
        if not case.status.is_open:
            raise CaseNotOpen(case)
        if not tx.cases.acknowledge(case_id, user_id, now=now):
            raise AlreadyAcknowledged(tx.cases.get(case_id))
        cancelled = tx.jobs.cancel_for_case(case_id, kinds=PAGING_KINDS, now=now)
        tx.cases.add_event(
            case_id,
            kind=EventKind.ACKNOWLEDGED,
            actor_id=user_id,
            now=now,
            data={
                "cancelled_jobs": cancelled,
                "after_seconds": int((now - case.created_at).total_seconds()),
                "via": via or "Slack",
            },
        )
        case = tx.cases.get(case_id)
        relay_state(tx, case, now)
        for kind in (UPDATE_ROOT, UPDATE_PAGES):
            tx.jobs.enqueue(kind=kind, key=f"{kind}:{case_id}:v{case.version}", due_at=now, now=now, case_id=case_id)
        note_in_thread(
            tx, case, ThreadNote(kind="acknowledged", users=(user_id,), at=now, detail=via), key="acknowledged", now=now
        )
    metrics.observe_ack_latency((now - case.created_at).total_seconds())
    return case


class PassedOn(StrEnum):
    """What "Can't take it" set in motion (the person is told exactly this, nothing more)."""

    NEXT_LEVEL = "next_level"  # the next level is paged now
    LEADS_AND_NEXT_ROUND = "leads_and_next_round"  # the last level: leads alerted now, round 2 starts now
    LEADS = "leads"  # the last level of the last round: leads alerted now
    NOTHING = "nothing"  # every level was paged and the leads alerted already


def pass_on(case_id: int, *, user_id: str, store: Store, now: datetime) -> PassedOn:
    """ "Can't take it": page the next level now instead of after the wait; at the last level, the
    leads' alert that would come at the end of the wait is due now too."""
    with store.transaction() as tx:
        case = tx.cases.get(case_id)
        if not case.needs_paging:
            raise AlreadyAcknowledged(case) if case.acknowledged_by else CaseNotOpen(case)
        # A pending "unanswered" alert exists only while the last level of a round waits.
        unanswered = [k for k in tx.jobs.pending_keys(case_id, kind=LEADS_ALERT) if k.endswith(":unanswered")]
        told = tx.jobs.bring_forward_keys(unanswered[:1], now=now) > 0
        moved = tx.jobs.bring_forward(case_id, kind=ESCALATE, now=now)
        result = (
            (PassedOn.LEADS_AND_NEXT_ROUND if moved else PassedOn.LEADS)
            if told
            else (PassedOn.NEXT_LEVEL if moved else PassedOn.NOTHING)
        )
        tx.cases.add_event(
            case_id,
            kind=EventKind.PASSED_ON,
            actor_id=user_id,
            now=now,
            data={"next_level_now": moved, "leads_alerted_now": told},
        )
        note_in_thread(
            tx,
            case,
            ThreadNote(kind="declined", users=(user_id,), at=now, detail=result.value),
            key=f"declined:{user_id}:{now.timestamp()}",
            now=now,
        )
        return result
