"""Paging: start a policy for a case, walk its levels as durable jobs, acknowledge, pass on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.config.loader import Config
from bot.domain.case import AlreadyAcknowledged, Case, CaseNotOpen, MessageRef
from bot.domain.escalation import Step, catch_up, first_step, is_last_level, next_step, superseded
from bot.domain.job import Job, JobState
from bot.domain.policy import PageTiming, Policy
from bot.observability import metrics
from bot.services.oncall import OnCall
from bot.services.ports import DeliveryError, LeadsAlert, PageSender, ThreadNote
from bot.store.store import Store, Tx

log = logging.getLogger(__name__)

ESCALATE = "page.escalate"
SEND = "page.send"
THREAD_NOTE = "case.thread_note"
LEADS_ALERT = "ops.leads_alert"
UPDATE_ROOT = "case.update_root"
UPDATE_PAGES = "page.update_dms"
# What an acknowledgement (or resolution) cancels, in the same transaction.
PAGING_KINDS = (ESCALATE, SEND, LEADS_ALERT)

Effect = Callable[[Tx, datetime], None]


def start_paging(tx: Tx, case: Case, *, config: Config, oncall: OnCall, now: datetime) -> datetime:
    """Begin (or restart) the flow's policy for `case`; return when the first level is paged.

    Runs in the caller's transaction, so a case is never committed without its first step.
    """
    flow = config.flow(case.flow_id)
    policy = config.policies[flow.policy]
    generation = tx.cases.next_paging_generation(case.id, now=now)
    due_at = now
    if policy.timing_for(case.severity_id) is PageTiming.BUSINESS_HOURS:
        due_at = oncall.next_business_start(policy, now)
    step = first_step(due_at)
    tx.jobs.enqueue(
        kind=ESCALATE,
        key=step.key(case.id, generation),
        due_at=due_at,
        now=now,
        case_id=case.id,
        payload={"generation": generation, "round": 1, "level": 1},
        max_attempts=config.app.max_attempts,
    )
    tx.cases.add_event(
        case.id,
        kind="paging_started",
        now=now,
        data={"generation": generation, "policy": policy.id, "first_page_at": due_at.isoformat()},
    )
    if due_at > now:
        note_in_thread(tx, case, ThreadNote(kind="held", at=due_at), key=f"held:{generation}", now=now)
    return due_at


def stop_paging(tx: Tx, case: Case, *, reason: str, now: datetime) -> int:
    """Cancel every pending paging step of a case in the caller's transaction (resolve, downgrade)."""
    cancelled = tx.jobs.cancel_for_case(case.id, kinds=PAGING_KINDS, now=now)
    tx.cases.add_event(case.id, kind="paging_stopped", now=now, data={"reason": reason, "cancelled_jobs": cancelled})
    return cancelled


def paged_so_far(tx: Tx, case: Case) -> tuple[tuple[str, ...], bool]:
    """Who was paged for `case` so far, and whether a page is being sent right now (a claimed page job,
    which may reach Slack whatever happens to the case from here on)."""
    users = tuple(dict.fromkeys(user for user, _ref, _round, _level in tx.cases.pages(case.id)))
    sending = any(state == JobState.RUNNING.value for state in tx.jobs.states(case_id=case.id, kind=SEND).values())
    return users, sending


def restart_paging(tx: Tx, case: Case, *, config: Config, oncall: OnCall, reason: str, now: datetime) -> datetime:
    """A severity upgrade: stop what is pending and start the policy again under the new severity.

    The new generation makes any step already claimed by another replica a no-op.
    """
    stop_paging(tx, case, reason=reason, now=now)
    return start_paging(tx, tx.cases.get(case.id), config=config, oncall=oncall, now=now)


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


def _alert(
    tx: Tx, case: Case, *, kind: str, step: Step, due_at: datetime, repeats: bool, now: datetime, generation: int
) -> None:
    tx.jobs.enqueue(
        kind=LEADS_ALERT,
        key=f"{LEADS_ALERT}:{case.id}:g{generation}:r{step.round}:l{step.level}:{kind}",
        due_at=due_at,
        now=now,
        case_id=case.id,
        payload={"kind": kind, "round": step.round, "level": step.level, "repeats": repeats, "generation": generation},
        max_attempts=20,
    )


def restricted_thread(details_posted: dict[str, object]) -> MessageRef | None:
    """The restricted-channel message a sensitive case's texts are threaded under (None: not sensitive,
    or no restricted channel configured, when the details went to the case thread)."""
    if not details_posted.get("restricted") or not details_posted.get("ts"):
        return None
    return MessageRef(str(details_posted["channel"]), str(details_posted["ts"]))


def acknowledge(case_id: int, *, user_id: str, store: Store, now: datetime) -> Case:
    """First click wins; pending paging is cancelled in the same transaction."""
    with store.transaction() as tx:
        case = tx.cases.get(case_id)
        if not case.status.is_open:
            raise CaseNotOpen(case)
        if not tx.cases.acknowledge(case_id, user_id, now=now):
            raise AlreadyAcknowledged(tx.cases.get(case_id))
        cancelled = tx.jobs.cancel_for_case(case_id, kinds=PAGING_KINDS, now=now)
        tx.cases.add_event(
            case_id,
            kind="acknowledged",
            actor_id=user_id,
            now=now,
            data={"cancelled_jobs": cancelled, "after_seconds": int((now - case.created_at).total_seconds())},
        )
        case = tx.cases.get(case_id)
        for kind in (UPDATE_ROOT, UPDATE_PAGES):
            tx.jobs.enqueue(kind=kind, key=f"{kind}:{case_id}:v{case.version}", due_at=now, now=now, case_id=case_id)
        note_in_thread(tx, case, ThreadNote(kind="acknowledged", users=(user_id,), at=now), key="acknowledged", now=now)
    metrics.observe_ack_latency((now - case.created_at).total_seconds())
    return case


def pass_on(case_id: int, *, user_id: str, store: Store, now: datetime) -> bool:
    """ "Can't take it": page the next level now instead of after the wait. False if nothing is pending."""
    with store.transaction() as tx:
        case = tx.cases.get(case_id)
        if not case.needs_paging:
            raise AlreadyAcknowledged(case) if case.acknowledged_by else CaseNotOpen(case)
        moved = tx.jobs.bring_forward(case_id, kind=ESCALATE, now=now)
        tx.cases.add_event(case_id, kind="passed_on", actor_id=user_id, now=now, data={"next_level_now": moved})
        note_in_thread(
            tx,
            case,
            ThreadNote(kind="declined", users=(user_id,), at=now),
            key=f"declined:{user_id}:{now.timestamp()}",
            now=now,
        )
        return moved


@dataclass
class Paging:
    """Job handlers of the paging engine."""

    config: Config
    store: Store
    sender: PageSender
    oncall: OnCall

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {
            ESCALATE: self.escalate,
            SEND: self.send,
            THREAD_NOTE: self.thread_note,
            LEADS_ALERT: self.leads_alert,
            UPDATE_ROOT: self.update_root,
            UPDATE_PAGES: self.update_pages,
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
        generation = int(job.payload["generation"])
        step = Step(round=int(job.payload["round"]), level=int(job.payload["level"]), due_at=job.due_at)
        started = self.oncall.clock.now()
        step, skipped = catch_up(policy, step, started)
        if skipped:
            log.warning(
                "case %s: %d missed escalation step(s) passed over after a backlog; paging round %d level %d",
                case.human_id,
                len(skipped),
                step.round,
                step.level,
            )
        users = self.oncall.resolve(policy.levels[step.level - 1].targets, at=started)
        following = next_step(policy, step)

        def effect(tx: Tx, now: datetime) -> None:
            current = tx.cases.get(case.id)
            if not current.needs_paging or current.paging_generation != generation:
                return  # acknowledged while we looked people up
            if skipped:
                tx.cases.add_event(
                    case.id,
                    kind="escalation_coalesced",
                    now=now,
                    data={
                        "skipped": [[s.round, s.level] for s in skipped],
                        "paging": [step.round, step.level],
                        "late_seconds": int((now - job.due_at).total_seconds()),
                    },
                )
                missed_rounds = [s for s in skipped if is_last_level(policy, s)]
                if missed_rounds:
                    # A whole round went by unanswered during the backlog: the leads hear it once, now.
                    _alert(
                        tx,
                        case,
                        kind="unanswered",
                        step=missed_rounds[-1],
                        due_at=now,
                        repeats=True,
                        now=now,
                        generation=generation,
                    )
            for user in users:
                tx.jobs.enqueue(
                    kind=SEND,
                    key=f"{SEND}:{case.id}:g{generation}:r{step.round}:l{step.level}:{user}",
                    # Due when its step was due: after a backlog the page sorts before later steps.
                    due_at=min(step.due_at, now),
                    now=now,
                    case_id=case.id,
                    payload={
                        "generation": generation,
                        "round": step.round,
                        "level": step.level,
                        "user_id": user,
                        "step_due_at": step.due_at.isoformat(),
                    },
                    max_attempts=self.config.app.max_attempts,
                )
                repage_after = policy.levels[step.level - 1].repage_after
                if repage_after is not None:
                    # Not acknowledged after `repage_after`: the same person is paged again (the
                    # acknowledgement cancels this like any pending step).
                    tx.jobs.enqueue(
                        kind=SEND,
                        key=f"{SEND}:{case.id}:g{generation}:r{step.round}:l{step.level}:{user}:again",
                        due_at=step.due_at + repage_after,
                        now=now,
                        case_id=case.id,
                        payload={
                            "generation": generation,
                            "round": step.round,
                            "level": step.level,
                            "user_id": user,
                            "nth": 1,
                            "step_due_at": step.due_at.isoformat(),
                        },
                        max_attempts=self.config.app.max_attempts,
                    )
            tx.cases.add_event(
                case.id,
                kind="escalated",
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
            if not users:
                _alert(
                    tx,
                    case,
                    kind="nobody_on_call",
                    step=step,
                    due_at=now,
                    repeats=following is not None,
                    now=now,
                    generation=generation,
                )
            elif is_last_level(policy, step):
                wait = policy.levels[step.level - 1].wait
                _alert(
                    tx,
                    case,
                    kind="unanswered",
                    step=step,
                    due_at=step.due_at + wait,
                    repeats=following is not None,
                    now=now,
                    generation=generation,
                )
            if following is not None:
                # Nobody to page at this level: go on at once rather than wait for no one.
                due_at = following.due_at if users else min(following.due_at, now)
                tx.jobs.enqueue(
                    kind=ESCALATE,
                    key=following.key(case.id, generation),
                    due_at=due_at,
                    now=now,
                    case_id=case.id,
                    max_attempts=self.config.app.max_attempts,
                    payload={"generation": generation, "round": following.round, "level": following.level},
                )

        return effect

    def send(self, job: Job) -> Effect | None:
        case = self._case(job)
        if not self._current(case, job):
            return None
        user_id = str(job.payload["user_id"])
        round_, level = int(job.payload["round"]), int(job.payload["level"])
        nth = int(job.payload.get("nth", 0))
        policy = self._policy(case)
        step = Step(round=round_, level=level, due_at=self._step_due_at(job, policy))
        if job.attempt == 1 and superseded(policy, step, self.oncall.clock.now()):
            # A backlog: the next level is due already, and its escalation pages whoever is current.
            # (A page already tried, refused by Slack or taken over from a dead replica, is still owed.)
            log.warning("case %s: stale page to %s (round %d level %d) not sent", case.human_id, user_id, round_, level)

            def skip(tx: Tx, now: datetime) -> None:
                tx.cases.add_event(
                    case.id,
                    kind="page_skipped",
                    now=now,
                    data={"user": user_id, "round": round_, "level": level, "reason": "a later level is due"},
                )

            return skip
        ref = self.sender.send_page(
            case, self.config.flow(case.flow_id), user_id=user_id, round=round_, level=level, again=nth > 0
        )

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
                kind="repaged" if nth else "paged",
                now=now,
                data={"user": user_id, "round": round_, "level": level},
            )

        return effect

    @staticmethod
    def _step_due_at(job: Job, policy: Policy) -> datetime:
        """When the page's level was due (jobs from before `step_due_at` was recorded: from the job)."""
        recorded = job.payload.get("step_due_at")
        if recorded:
            return datetime.fromisoformat(str(recorded))
        repage_after = policy.levels[int(job.payload["level"]) - 1].repage_after
        if int(job.payload.get("nth", 0)) and repage_after is not None:
            return job.due_at - repage_after
        return job.due_at

    def thread_note(self, job: Job) -> Effect | None:
        case = self._case(job)
        with self.store.read() as tx:
            posted = [data for kind, _, data in tx.cases.events(case.id) if kind == "details_posted"]
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
        alert = LeadsAlert(
            kind=str(job.payload["kind"]),
            case=case,
            round=int(job.payload["round"]),
            level=int(job.payload["level"]),
            repeats=bool(job.payload.get("repeats")),
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
        flow = self.config.flow(case.flow_id)
        for user_id, ref, _round, _level in pages:
            self.sender.update_page(case, flow, ref, user_id=user_id)  # idempotent: a retry repeats harmlessly
        return None
