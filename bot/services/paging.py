"""Paging: start a policy for a case, walk its levels as durable jobs, acknowledge, pass on."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial

from bot.clock import Clock
from bot.config.model import Config
from bot.domain.case import AlreadyAcknowledged, Case, CaseNotOpen, MessageRef
from bot.domain.escalation import Step, first_step, is_last_level, next_step, superseded
from bot.domain.events import EventKind
from bot.domain.job import Job, JobState
from bot.domain.paging_plan import AlertKind, PlannedAlert, plan
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
    send_key,
    send_prefix,
    update_key,
)
from bot.services.ports import DeliveryError, LeadsAlert, PageSender, ThreadNote
from bot.store.effects import Effect
from bot.store.store import Store, Tx

log = logging.getLogger(__name__)

__all__ = [
    "ESCALATE",
    "LEADS_ALERT",
    "PAGING_KINDS",
    "SEND",
    "TELL_OWNER",
    "THREAD_NOTE",
    "UPDATE_PAGES",
    "UPDATE_ROOT",
    "Paging",
    "PassedOn",
    "acknowledge",
    "first_page_due",
    "note_in_thread",
    "page_new_owner",
    "paged_so_far",
    "pass_on",
    "restart_paging",
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
    step = first_step(due_at)
    tx.jobs.enqueue(
        kind=ESCALATE,
        key=escalate_key(case.id, generation, step),
        due_at=due_at,
        now=now,
        case_id=case.id,
        payload=EscalatePayload(generation, step.round, step.level).dump(),
        max_attempts=config.app.max_attempts,
    )
    tx.cases.add_event(
        case.id,
        kind=EventKind.PAGING_STARTED,
        now=now,
        data={
            "generation": generation,
            "policy": policy.id,
            "first_page_at": due_at.isoformat(),
            "held_for_deadline": capped,
        },
    )
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
    policy = config.policies[config.flow(case.flow_id).policy]
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
    tx.jobs.enqueue(
        kind=ESCALATE,
        key=escalate_key(case.id, generation, first_step(returns_at)),
        due_at=returns_at,
        now=now,
        case_id=case.id,
        payload=EscalatePayload(generation, 1, 1, returns_from=user_id).dump(),
        max_attempts=config.app.max_attempts,
    )
    tx.cases.add_event(
        case.id,
        kind=EventKind.PAGING_STARTED,
        now=now,
        data={
            "generation": generation,
            "policy": policy.id,
            "first_page_at": now.isoformat(),
            "owner": user_id,
            "returns_at": returns_at.isoformat(),
        },
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


def _alert(tx: Tx, case: Case, alert: PlannedAlert, *, now: datetime, generation: int) -> None:
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


@dataclass
class Paging:
    """Job handlers of the paging engine."""

    config: Config
    store: Store
    sender: PageSender
    oncall: OnCall
    clock: Clock
    on_paged: PagedHook | None = None

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {
            ESCALATE: self.escalate,
            SEND: self.send,
            THREAD_NOTE: self.thread_note,
            LEADS_ALERT: self.leads_alert,
            UPDATE_ROOT: self.update_root,
            UPDATE_PAGES: self.update_pages,
            TELL_OWNER: self.tell_owner,
        }

    def _case(self, job: Job) -> Case:
        assert job.case_id is not None
        with self.store.read() as tx:
            return tx.cases.get(job.case_id)

    def _policy(self, case: Case) -> Policy:
        return self.config.policies[self.config.flow(case.flow_id).policy]

    @staticmethod
    def _current(case: Case, job: Job) -> bool:
        return case.needs_paging and case.paging_generation == int(job.payload.get("generation", -1))

    def escalate(self, job: Job) -> Effect | None:
        case = self._case(job)
        if not self._current(case, job):
            return None
        policy = self._policy(case)
        payload = EscalatePayload.load(job.payload)
        generation = payload.generation
        started = self.clock.now()
        step_plan = plan(
            policy,
            Step(round=payload.round, level=payload.level, due_at=job.due_at),
            lambda level: self.oncall.resolve(policy.levels[level - 1].targets, at=started),
            started,
        )
        step, users = step_plan.step, step_plan.users
        if step_plan.skipped:
            log.warning(
                "case %s: %d missed escalation step(s) passed over after a backlog; paging round %d level %d",
                case.human_id,
                len(step_plan.skipped),
                step.round,
                step.level,
            )
        returns_from = payload.returns_from

        def effect(tx: Tx, now: datetime) -> None:
            current = tx.cases.get(case.id)
            if not current.needs_paging or current.paging_generation != generation:
                return  # acknowledged while we looked people up
            if returns_from and current.owner_id == returns_from:
                # The new owner never acknowledged: the case is nobody's again, and the policy pages.
                tx.cases.change(case.id, now=now, owner_id=None)
                tx.cases.add_event(
                    case.id, kind=EventKind.REASSIGN_UNACKNOWLEDGED, now=now, data={"user": returns_from}
                )
                version = tx.cases.get(case.id).version
                for kind in (UPDATE_ROOT, UPDATE_PAGES):
                    tx.jobs.enqueue(
                        kind=kind, key=update_key(kind, case.id, version), due_at=now, now=now, case_id=case.id
                    )
                note_in_thread(
                    tx,
                    case,
                    ThreadNote(kind="owner_unacknowledged", users=(returns_from,), at=now),
                    key=f"owner_unacknowledged:g{generation}",
                    now=now,
                )
            if step_plan.skipped:
                tx.cases.add_event(
                    case.id,
                    kind=EventKind.ESCALATION_COALESCED,
                    now=now,
                    data={
                        "skipped": [[s.round, s.level] for s in step_plan.skipped],
                        "paging": [step.round, step.level],
                        "late_seconds": int((now - job.due_at).total_seconds()),
                    },
                )
            for page in step_plan.pages:
                tx.jobs.enqueue(
                    kind=SEND,
                    key=send_key(case.id, generation, step.round, step.level, page.user_id, nth=page.nth),
                    due_at=page.due_at,
                    now=now,
                    case_id=case.id,
                    payload=SendPayload(
                        generation, step.round, step.level, page.user_id, step_due_at=step.due_at, nth=page.nth
                    ).dump(),
                    max_attempts=self.config.app.max_attempts,
                )
                if page.nth == 0 and self.on_paged is not None:
                    # The person's other contact methods (SMS, call…) are planned with the page.
                    self.on_paged(
                        tx, current, page.user_id, generation, step.round, step.level, min(page.due_at, now), now
                    )
            tx.cases.add_event(
                case.id,
                kind=EventKind.ESCALATED,
                now=now,
                data={"round": step.round, "level": step.level, "users": list(users)},
            )
            kind = "paging" if users else "nobody_on_call"
            note_in_thread(
                tx,
                case,
                ThreadNote(kind=kind, users=tuple(users), round=step.round, level=step.level),
                key=f"{kind}:g{generation}:r{step.round}:l{step.level}",
                now=now,
            )
            for alert in step_plan.alerts:
                if (
                    alert.kind is AlertKind.UNANSWERED
                    and alert.step in step_plan.skipped
                    and not tx.cases.pages(case.id)
                ):
                    # Filed while pages could not go out: nobody was paged, so nobody "did not answer".
                    alert = dataclasses.replace(alert, kind=AlertKind.BACKLOG)
                _alert(tx, case, alert, now=now, generation=generation)
            following = step_plan.next
            if following is not None:
                tx.jobs.enqueue(
                    kind=ESCALATE,
                    key=escalate_key(case.id, generation, following),
                    due_at=following.due_at,
                    now=now,
                    case_id=case.id,
                    max_attempts=self.config.app.max_attempts,
                    payload=EscalatePayload(generation, following.round, following.level).dump(),
                )

        return effect

    def send(self, job: Job) -> Effect | None:
        case = self._case(job)
        if not self._current(case, job):
            return None
        payload = SendPayload.load(job.payload)
        user_id, round_, level, nth = payload.user_id, payload.round, payload.level, payload.nth
        policy = self._policy(case)
        step = Step(round=round_, level=level, due_at=self._step_due_at(job, policy))
        if job.attempt == 1 and level > 0 and superseded(policy, step, self.clock.now()):
            # A backlog: the next level is due already, and its escalation pages whoever is current.
            # (A page already tried, refused by Slack or taken over from a dead replica, is still owed.)
            log.warning("case %s: stale page to %s (round %d level %d) not sent", case.human_id, user_id, round_, level)

            def skip(tx: Tx, now: datetime) -> None:
                tx.cases.add_event(
                    case.id,
                    kind=EventKind.PAGE_SKIPPED,
                    now=now,
                    data={"user": user_id, "round": round_, "level": level, "reason": "a later level is due"},
                )

            return skip
        try:
            ref = self.sender.send_page(
                case, self.config.flow(case.flow_id), user_id=user_id, round=round_, level=level, again=nth > 0
            )
        except DeliveryError as exc:
            if not exc.dead_address:
                raise
            return self._dead_address(case, policy, step, user_id=user_id, reason=exc.reason)

        def effect(tx: Tx, now: datetime) -> None:
            tx.cases.record_page(
                case.id,
                generation=case.paging_generation,
                round=round_,
                level=level,
                user_id=user_id,
                ref=ref,
                now=now,
                nth=nth,
            )
            tx.cases.add_event(
                case.id,
                kind=EventKind.REPAGED if nth else EventKind.PAGED,
                now=now,
                data={"user": user_id, "round": round_, "level": level},
            )

        return effect

    def _dead_address(self, case: Case, policy: Policy, step: Step, *, user_id: str, reason: str) -> Effect:
        """A page that can never arrive (deactivated account, unknown user): nobody waits out the level's
        wait for it. Unless someone else at this step did get the page, the next level is paged now
        (and at the last level the leads hear now that the round went unanswered); the thread says so."""
        generation = case.paging_generation

        def effect(tx: Tx, now: datetime) -> None:
            current = tx.cases.get(case.id)
            if not current.needs_paging or current.paging_generation != generation:
                return
            step_keys = send_prefix(case.id, generation, step.round, step.level)
            tx.jobs.cancel_keys([send_key(case.id, generation, step.round, step.level, user_id, nth=1)], now=now)
            others_paged = [
                u
                for u in tx.cases.paged_at(case.id, generation=generation, round=step.round, level=step.level)
                if u != user_id
            ]
            others_pending = [
                k
                for k in tx.jobs.pending_keys(case.id, kind=SEND)
                if k.startswith(step_keys) and not k.endswith(":again") and k != f"{step_keys}{user_id}"
            ]
            moved = False
            following = next_step(policy, step) if step.level > 0 else first_step(now)  # level 0: a new owner
            if not others_paged and not others_pending:
                keys = [escalate_key(case.id, generation, following)] if following is not None else []
                moved = tx.jobs.bring_forward_keys(keys, now=now) > 0
                if step.level > 0 and is_last_level(policy, step):
                    alert = alert_key(case.id, generation, step.round, step.level, AlertKind.UNANSWERED.value)
                    tx.jobs.bring_forward_keys([alert], now=now)
            tx.cases.add_event(
                case.id,
                kind=EventKind.PAGE_FAILED,
                now=now,
                data={"user": user_id, "round": step.round, "level": step.level, "reason": reason, "moved_on": moved},
            )
            note_in_thread(
                tx,
                case,
                ThreadNote(
                    kind="page_failed",
                    users=(user_id,),
                    round=step.round,
                    level=step.level,
                    detail=reason.rpartition(": ")[2],
                    text="others"
                    if others_paged or others_pending
                    else (
                        "policy"
                        if moved and step.level == 0
                        else "next_level"
                        if moved
                        else "last"
                        if following is None
                        else ""
                    ),
                ),
                key=f"page_failed:g{generation}:r{step.round}:l{step.level}:{user_id}",
                now=now,
            )

        return effect

    @staticmethod
    def _step_due_at(job: Job, policy: Policy) -> datetime:
        """When the page's level was due (jobs from before `step_due_at` was recorded: from the job)."""
        payload = SendPayload.load(job.payload)
        if payload.step_due_at is not None:
            return payload.step_due_at
        repage_after = policy.levels[payload.level - 1].repage_after
        if payload.nth and repage_after is not None:
            return job.due_at - repage_after
        return job.due_at

    def thread_note(self, job: Job) -> Effect | None:
        case = self._case(job)
        with self.store.read() as tx:
            posted = [e.data for e in tx.cases.events(case.id) if e.kind == EventKind.DETAILS_POSTED]
        if case.root is None or not posted:
            # Notes follow the details in the thread, so the thread reads top to bottom.
            raise DeliveryError("the case details are not in its thread yet", retryable=True)
        restricted = restricted_thread(posted[-1]) if job.payload.get("restricted") else None
        if job.payload.get("restricted") and restricted is None:
            return None  # no restricted channel (configuration): the case thread got the line already
        at = job.payload.get("at")
        self.sender.post_thread_note(
            case,
            ThreadNote(
                kind=str(job.payload["kind"]),
                users=tuple(job.payload.get("users") or ()),
                round=int(job.payload.get("round") or 0),
                level=int(job.payload.get("level") or 0),
                at=datetime.fromisoformat(at) if at else None,
                text=str(job.payload.get("text") or ""),
                detail=str(job.payload.get("detail") or ""),
            ),
            restricted=restricted,
        )
        return None

    def leads_alert(self, job: Job) -> Effect | None:
        case = self._case(job)
        if not self._current(case, job):
            return None
        payload = AlertPayload.load(job.payload)
        alert = LeadsAlert(
            kind=payload.kind, case=case, round=payload.round, level=payload.level, repeats=payload.repeats
        )
        self.sender.alert_leads(alert, self.config.flow(case.flow_id), leads_channel=self.config.app.leads_channel)
        return None

    def update_root(self, job: Job) -> Effect | None:
        case = self._case(job)
        if case.root is None:
            raise DeliveryError("the case is not in its channel yet", retryable=True)
        self.sender.update_root(case, self.config.flow(case.flow_id))
        return None

    def update_pages(self, job: Job) -> Effect | None:
        case = self._case(job)
        with self.store.read() as tx:
            pages = tx.cases.pages(case.id)
            newer = [k for k in tx.jobs.pending_keys(case.id, kind=UPDATE_PAGES) if k != job.key]
        if newer:
            # A later change queued its own update, which renders the case as it is then: one round
            # of chat.update per burst of changes, not one per change (Slack rate-limits updates).
            return None
        flow = self.config.flow(case.flow_id)
        for page in pages:
            # Idempotent: a retry repeats harmlessly. Each DM shows the case as it is now.
            self.sender.update_page(case, flow, page.ref, user_id=page.user_id, round=page.round, level=page.level)
        return None

    def tell_owner(self, job: Job) -> Effect | None:
        """A reopen or a severity change: the owner hears it if on shift, else whoever is on call now."""
        case = self._case(job)
        if not case.status.is_open:
            return None
        by = str(job.payload.get("by") or "")
        users, instead_of = self._who_works(case, self.clock.now())
        users = [u for u in users if u != by]  # the person who did it knows
        flow = self.config.flow(case.flow_id)
        for user_id in users:
            self.sender.tell_change(
                case,
                flow,
                user_id=user_id,
                what=str(job.payload.get("what") or ""),
                by=by,
                text=str(job.payload.get("text") or ""),
                instead_of=instead_of,
            )

        def effect(tx: Tx, now: datetime) -> None:
            tx.cases.add_event(
                case.id, kind=EventKind.OWNER_TOLD, now=now, data={"users": users, "instead_of": instead_of}
            )

        return effect

    def _who_works(self, case: Case, now: datetime) -> tuple[list[str], str | None]:
        """The owner, if on shift (on call now, or business hours); else the first level of the policy
        with someone on call now, and the owner they stand in for."""
        policy = self._policy(case)
        owner = case.owner_id or case.acknowledged_by
        if owner is not None:
            targets = [t for level in policy.levels for t in level.targets]
            working_hours = self.oncall.next_business_start(policy, now) == now
            if working_hours or owner in self.oncall.resolve(targets, at=now):
                return [owner], None
        for level in policy.levels:
            users = self.oncall.resolve(level.targets, at=now)
            if users:
                return users, owner
        return [], owner
