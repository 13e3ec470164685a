"""Job handlers that keep a case's messages in step: a line in its thread, a leads' alert, the root
message and the page DMs updated to the case as it is, and the owner told of a reopen or a severity change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.config.model import Config
from bot.domain.case import Case
from bot.domain.events import EventKind
from bot.domain.job import Job
from bot.services.oncall import OnCall
from bot.services.paging import restricted_thread
from bot.services.paging_jobs import (
    LEADS_ALERT,
    TELL_OWNER,
    THREAD_NOTE,
    UPDATE_PAGES,
    UPDATE_ROOT,
    AlertPayload,
    is_current,
)
from bot.services.ports import DeliveryError, LeadsAlert, PageSender, ThreadNote
from bot.store.effects import Effect, Handler
from bot.store.store import Store, Tx


@dataclass
class CaseMessages:
    """Job handlers for a case's thread notes, leads' alerts, message updates and owner notices."""

    config: Config
    store: Store
    sender: PageSender
    oncall: OnCall
    clock: Clock

    def handlers(self) -> dict[str, Handler]:
        return {
            THREAD_NOTE: self.thread_note,
            LEADS_ALERT: self.leads_alert,
            UPDATE_ROOT: self.update_root,
            UPDATE_PAGES: self.update_pages,
            TELL_OWNER: self.tell_owner,
        }

    def thread_note(self, job: Job) -> Effect | None:
        case = self.store.job_case(job)
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
        case = self.store.job_case(job)
        if not is_current(case, job):
            return None
        payload = AlertPayload.load(job.payload)
        alert = LeadsAlert(
            kind=payload.kind, case=case, round=payload.round, level=payload.level, repeats=payload.repeats
        )
        self.sender.alert_leads(alert, self.config.flow(case.flow_id), leads_channel=self.config.app.leads_channel)
        return None

    def update_root(self, job: Job) -> Effect | None:
        case = self.store.job_case(job)
        if case.root is None:
            raise DeliveryError("the case is not in its channel yet", retryable=True)
        self.sender.update_root(case, self.config.flow(case.flow_id))
        return None

    def update_pages(self, job: Job) -> Effect | None:
        case = self.store.job_case(job)
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
        case = self.store.job_case(job)
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
        policy = self.config.policy_for(case.flow_id)
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
