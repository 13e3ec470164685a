"""The paging engine's job handlers: each escalation step pages whoever is on call at its level, each page
is one Slack DM sent once, and a page that can never arrive moves paging on at once.

`handlers()` also holds the handlers of the case's messages (`case_messages.CaseMessages`), which share
the job kinds of paging (`paging_jobs`)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock
from bot.config.model import Config
from bot.domain.case import Case
from bot.domain.escalation import Step, first_step, is_last_level, next_step, superseded
from bot.domain.events import EventKind
from bot.domain.job import Job
from bot.domain.paging_plan import AlertKind, PlannedPage, plan
from bot.domain.policy import Policy
from bot.services.case_messages import CaseMessages
from bot.services.oncall import OnCall
from bot.services.paging import PagedHook, note_in_thread, queue_alert, queue_escalation
from bot.services.paging_jobs import (
    ESCALATE,
    SEND,
    UPDATE_PAGES,
    UPDATE_ROOT,
    EscalatePayload,
    SendPayload,
    alert_key,
    escalate_key,
    is_current,
    send_key,
    send_prefix,
    update_key,
)
from bot.services.ports import DeliveryError, PageSender, ThreadNote
from bot.store.effects import Effect, Handler
from bot.store.store import Store, Tx

log = logging.getLogger(__name__)


@dataclass
class Paging:
    """Job handlers of the paging engine (and, through `messages`, of the case's messages)."""

    config: Config
    store: Store
    sender: PageSender
    oncall: OnCall
    clock: Clock
    on_paged: PagedHook | None = None
    messages: CaseMessages = field(init=False)

    def __post_init__(self) -> None:
        self.messages = CaseMessages(
            config=self.config, store=self.store, sender=self.sender, oncall=self.oncall, clock=self.clock
        )

    def handlers(self) -> dict[str, Handler]:
        return {ESCALATE: self.escalate, SEND: self.send} | self.messages.handlers()

    def ahead(self) -> dict[str, Handler]:
        """What the runner plans before it is due: an escalation step's page DMs."""
        return {ESCALATE: self.escalate_ahead}

    def escalate_ahead(self, job: Job) -> Effect | None:
        """Before a step is due: queue its page DMs, due at the step's time, to whoever the rota names
        for that time, so that when a burst of steps falls due together the pages go out first and
        the steps' bookkeeping (events, thread notes, the next step, contact methods) follows at the
        step. The step itself runs at its time as ever: its sends' keys are taken already (no second
        page), it cancels a planned page whose person is no longer on call, and brings the planned
        pages forward if the step was (someone passed the page on). An acknowledgement meanwhile
        cancels the planned pages with the step; a page sent checks the case again before it goes."""
        case = self.store.job_case(job)
        payload = EscalatePayload.load(job.payload)
        if not is_current(case, job) or payload.returns_from:
            return None  # a reassigned case returning to its policy changes its owner first: at the step
        policy = self.config.policy_for(case.flow_id)
        at = job.due_at
        step_plan = plan(
            policy,
            Step(round=payload.round, level=payload.level, due_at=at),
            lambda level: self.oncall.resolve(policy.levels[level - 1].targets, at=at),
            at,
        )
        if step_plan.skipped or not step_plan.pages:
            return None
        generation = payload.generation

        def effect(tx: Tx, now: datetime) -> None:
            current = tx.cases.get(case.id)
            if not current.needs_paging or current.paging_generation != generation:
                return  # acknowledged (or restarted) while we looked people up
            self._queue_pages(tx, case.id, generation, step_plan.step, step_plan.pages, now=now)

        return effect

    def _queue_pages(
        self, tx: Tx, case_id: int, generation: int, step: Step, pages: Sequence[PlannedPage], *, now: datetime
    ) -> list[str]:
        """Queue a step's page DMs (a key taken already is left as it is); returns the keys queued now."""
        added = []
        for page in pages:
            key = send_key(case_id, generation, step.round, step.level, page.user_id, nth=page.nth)
            if tx.jobs.enqueue(
                kind=SEND,
                key=key,
                due_at=page.due_at,
                now=now,
                case_id=case_id,
                payload=SendPayload(
                    generation, step.round, step.level, page.user_id, step_due_at=step.due_at, nth=page.nth
                ).dump(),
                max_attempts=self.config.app.max_attempts,
            ):
                added.append(key)
        return added

    def _settle_planned(
        self,
        tx: Tx,
        case_id: int,
        generation: int,
        step: Step,
        pages: Sequence[PlannedPage],
        added: list[str],
        now: datetime,
    ) -> None:
        """At the step: the pages planned ahead that are still pending follow what the step found now —
        a person no longer on call is not paged, and a step brought forward brings its pages along."""
        prefix = send_prefix(case_id, generation, step.round, step.level)
        pending = [key for key in tx.jobs.pending_keys(case_id, kind=SEND) if key.startswith(prefix)]
        if not pending:
            return
        wanted = {send_key(case_id, generation, step.round, step.level, p.user_id, nth=p.nth): p for p in pages}
        stale = [key for key in pending if key not in wanted]
        if stale:
            tx.jobs.cancel_keys(stale, now=now)
        for key in pending:
            page = wanted.get(key)
            if page is not None and key not in added:
                tx.jobs.bring_forward_keys([key], now=page.due_at)

    def escalate(self, job: Job) -> Effect | None:
        case = self.store.job_case(job)
        if not is_current(case, job):
            return None
        policy = self.config.policy_for(case.flow_id)
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
            added = self._queue_pages(tx, case.id, generation, step, step_plan.pages, now=now)
            self._settle_planned(tx, case.id, generation, step, step_plan.pages, added, now)
            for page in step_plan.pages:
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
                queue_alert(tx, case, alert, now=now, generation=generation)
            if step_plan.next is not None:
                queue_escalation(tx, case, generation, step_plan.next, config=self.config, now=now)

        return effect

    def send(self, job: Job) -> Effect | None:
        case = self.store.job_case(job)
        if not is_current(case, job):
            return None
        payload = SendPayload.load(job.payload)
        user_id, round_, level, nth = payload.user_id, payload.round, payload.level, payload.nth
        policy = self.config.policy_for(case.flow_id)
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
