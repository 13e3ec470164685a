"""SLA and campaign-deadline timers as durable jobs, recomputed whenever the case changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.config.model import Config
from bot.domain import sla
from bot.domain.business import flow_schedule, sla_calendar
from bot.domain.case import Case, CaseStatus
from bot.domain.events import EventKind
from bot.domain.job import Job, NewJob
from bot.domain.rota_model import Schedule
from bot.domain.severity import deadline_raises
from bot.domain.sla_clocks import case_clocks
from bot.domain.sla_terms import SlaTerms, describe
from bot.services.oncall import OnCall
from bot.services.paging import TELL_OWNER, UPDATE_PAGES, UPDATE_ROOT, note_in_thread, restart_paging
from bot.services.ports import LeadsAlert, PageSender, ThreadNote
from bot.store.effects import Effect
from bot.store.store import Store, Tx

SLA = "case.sla"
DEADLINE = "case.deadline"
SLA_ALERT = "ops.sla_alert"
TIMER_KINDS = (SLA, DEADLINE)
WARN_AT = 0.8


def schedule_for_flow(config: Config, flow_id: str) -> Schedule | None:
    """The schedule whose calendar (business hours, holidays with extra/exclude) a flow's clock uses."""
    return flow_schedule(config.flow(flow_id), config.policies, config.schedules)


def calendar_for(config: Config, case: Case) -> sla.SlaCalendar:
    """The flow's SLA clock over the business hours and holidays of its schedule."""
    return flow_calendar(config, case.flow_id, case.severity_id)


def flow_calendar(config: Config, flow_id: str, severity_id: str) -> sla.SlaCalendar:
    """The SLA clock of a flow's cases at a severity (bot/domain/business.py)."""
    flow = config.flow(flow_id)
    schedule = flow_schedule(flow, config.policies, config.schedules)
    return sla_calendar(flow, severity_id, schedule, default_zone=config.app.timezone)


def sla_terms(config: Config, case: Case) -> SlaTerms:
    """The case's SLAs in words that name their clock (for the root message and the page)."""
    severity = config.flow(case.flow_id).severity(case.severity_id)
    calendar = calendar_for(config, case)
    return SlaTerms(
        acknowledge=describe(calendar, severity.acknowledge_within, at=case.created_at),
        resolve=describe(calendar, severity.resolve_within, at=case.created_at),
    )


def planned(
    config: Config,
    case: Case,
    now: datetime,
    *,
    overdue_now: bool = False,
    breached: frozenset[str] = frozenset(),
) -> list[tuple[str, str, datetime, dict[str, str]]]:
    """(kind, name, due, payload) of every timer the case should have from `now` on; with
    `overdue_now` (a reopen or a severity change re-plans the case) a breach already past is due now."""
    if not case.status.is_open:
        return []
    flow = config.flow(case.flow_id)
    severity = flow.severity(case.severity_id)
    calendar = calendar_for(config, case)
    found: list[tuple[str, str, datetime, dict[str, str]]] = []
    clocks = case_clocks(calendar, severity, case)
    for which, timer in ((clock.measure.value, clock.timer) for clock in clocks):
        for stage, at in (
            ("warning", sla.warning_at(calendar, timer, WARN_AT)),
            ("breach", sla.timer_due_at(calendar, timer)),
        ):
            payload = {"which": which, "stage": stage, "due_at": at.isoformat() if at else ""}
            if at is not None and at >= now:
                found.append((SLA, f"{which}:{stage}", at, payload))
            elif at is not None and overdue_now and stage == "breach" and which not in breached:
                found.append((SLA, f"{which}:{stage}", now, payload))
    if case.deadline_at is not None:
        for name, at in sla.deadline_reminders(case.deadline_at, now):
            found.append((DEADLINE, name, at, {"name": name}))
        for rise in deadline_raises(
            severities=flow.severities,
            current_id=case.severity_id,
            rules=flow.severity_rules,
            deadline_at=case.deadline_at,
            now=now,
        ):
            payload = {"name": "raise", "raise_to": rise.raise_to, "reason": rise.reason}
            found.append((DEADLINE, f"raise:{rise.raise_to}", rise.at, payload))
    return found


def schedule_timers(
    tx: Tx,
    case: Case,
    now: datetime,
    *,
    config: Config,
    overdue_now: bool = False,
    kinds: tuple[str, ...] = TIMER_KINDS,
) -> None:
    """Replace the case's pending timers (of `kinds`) with those its current state calls for (same
    transaction)."""
    tx.jobs.cancel_for_case(case.id, kinds=kinds, now=now)
    breached = _breached_since_reopen(tx, case) if overdue_now else frozenset()
    tx.jobs.enqueue_many(
        [
            NewJob(
                kind=kind,
                key=f"{kind}:{case.id}:{name}:v{case.version}",
                due_at=due_at,
                case_id=case.id,
                payload={**payload, "version": str(case.version)},
            )
            for kind, name, due_at, payload in planned(config, case, now, overdue_now=overdue_now, breached=breached)
            if kind in kinds
        ],
        now=now,
    )


def _breached_since_reopen(tx: Tx, case: Case) -> frozenset[str]:
    """The SLA clocks (acknowledge, resolve) whose breach people were already told of since the case was
    last (re)opened: a second severity change does not announce the same breach again."""
    found: set[str] = set()
    for event in tx.cases.events(case.id):
        if event.kind == EventKind.REOPEN:
            found.clear()
        elif event.kind == EventKind.SLA_BREACH:
            found.add(str(event.data.get("which")))
    return frozenset(found)


@dataclass
class Timers:
    """Job handlers: an SLA warning or breach, a deadline reminder or a deadline passed unresolved."""

    config: Config
    store: Store
    sender: PageSender
    oncall: OnCall | None = None  # deadline reminders mention the on-call; raises re-page
    clock: Clock | None = None  # who is on call is read at this clock's now (else at the job's due time)

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {SLA: self.fire_sla, DEADLINE: self.fire_deadline, SLA_ALERT: self.alert}

    def _who(self, case: Case, now: datetime) -> tuple[str, ...]:
        """The owner, or whoever is on call now for the case's policy when nobody owns it."""
        owner = case.owner_id or case.acknowledged_by
        if owner is not None:
            return (owner,)
        if self.oncall is None:
            return ()
        policy = self.config.policy_for(case.flow_id)
        for level in policy.levels:
            users = self.oncall.resolve(level.targets, at=now)
            if users:
                return tuple(users)
        return ()

    def fire_sla(self, job: Job) -> Effect | None:
        case = self.store.job_case(job)
        which, stage = str(job.payload["which"]), str(job.payload["stage"])
        still = case.status.is_open and (
            case.acknowledged_by is None if which == "acknowledge" else case.status is not CaseStatus.WAITING_ON_REP
        )
        if not still:
            return None
        text = f"{which} SLA {'breached' if stage == 'breach' else 'at 80 %'}"

        def effect(tx: Tx, now: datetime) -> None:
            tx.cases.add_event(
                case.id,
                kind=EventKind.SLA_BREACH if stage == "breach" else EventKind.SLA_WARNING,
                now=now,
                data={"which": which},
            )
            note_in_thread(
                tx,
                case,
                ThreadNote(kind="sla", text=text, at=datetime.fromisoformat(str(job.payload["due_at"]))),
                key=f"sla:{which}:{stage}:{job.id}",
                now=now,
            )
            if stage == "breach":
                tx.jobs.enqueue(
                    kind=SLA_ALERT,
                    key=f"{SLA_ALERT}:{case.id}:{which}:{job.id}",
                    due_at=now,
                    now=now,
                    case_id=case.id,
                    payload={"which": which},
                )

        return effect

    def fire_deadline(self, job: Job) -> Effect | None:
        case = self.store.job_case(job)
        if not case.status.is_open:
            return None
        name = str(job.payload["name"])
        if name == "raise":
            return self._raise(case, job)
        users = self._who(case, self.clock.now() if self.clock else job.due_at)

        def effect(tx: Tx, now: datetime) -> None:
            kind = EventKind.DEADLINE_PASSED if name == "passed" else EventKind.DEADLINE_REMINDER
            tx.cases.add_event(case.id, kind=kind, now=now, data={"name": name})
            text = "campaign deadline passed unresolved" if name == "passed" else f"campaign deadline in {name}"
            note_in_thread(
                tx,
                case,
                ThreadNote(kind="deadline", text=text, at=case.deadline_at, users=users),
                key=f"deadline:{name}:{job.id}",
                now=now,
            )
            if name == "passed":
                tx.jobs.enqueue(
                    kind=SLA_ALERT,
                    key=f"{SLA_ALERT}:{case.id}:deadline:{job.id}",
                    due_at=now,
                    now=now,
                    case_id=case.id,
                    payload={"which": "deadline"},
                )

        return effect

    def _raise(self, case: Case, job: Job) -> Effect | None:
        """A deadline rule holds now: the case is raised, re-paged like an upgrade, and re-planned."""
        flow = self.config.flow(case.flow_id)
        target = flow.severity(str(job.payload["raise_to"]))
        reason = str(job.payload.get("reason") or "")
        if not target.is_more_severe_than(flow.severity(case.severity_id)):
            return None

        def effect(tx: Tx, now: datetime) -> None:
            current = tx.cases.get(case.id)
            if not current.status.is_open or not target.is_more_severe_than(flow.severity(current.severity_id)):
                return
            tx.cases.change(case.id, now=now, severity_id=target.id)
            tx.cases.add_event(
                case.id,
                kind=EventKind.SEVERITY_RAISED,
                now=now,
                data={
                    "before": {"severity_id": current.severity_id},
                    "after": {"severity_id": target.id},
                    "reason": reason,
                },
            )
            raised = tx.cases.get(case.id)
            for kind in (UPDATE_ROOT, UPDATE_PAGES):
                tx.jobs.enqueue(
                    kind=kind, key=f"{kind}:{case.id}:v{raised.version}", due_at=now, now=now, case_id=case.id
                )
            note_in_thread(
                tx,
                raised,
                ThreadNote(kind="deadline_raise", text=reason, detail=target.label, at=now),
                key=f"deadline_raise:{target.id}",
                now=now,
            )
            if raised.needs_paging and raised.owner_id is None and self.oncall is not None:
                restart_paging(tx, raised, config=self.config, oncall=self.oncall, reason="deadline raise", now=now)
            elif not raised.needs_paging:
                tx.jobs.enqueue(
                    kind=TELL_OWNER,
                    key=f"{TELL_OWNER}:{case.id}:v{raised.version}",
                    due_at=now,
                    now=now,
                    case_id=case.id,
                    payload={"what": "change_severity", "by": "", "text": reason},
                )
            # Only the SLA clocks change: the deadline's own reminders (and later raises) stand, and
            # one of them may be running beside this job in the same batch.
            schedule_timers(tx, tx.cases.get(case.id), now, config=self.config, overdue_now=True, kinds=(SLA,))

        return effect

    def alert(self, job: Job) -> Effect | None:
        case = self.store.job_case(job)
        which = str(job.payload["which"])
        self.sender.alert_leads(
            LeadsAlert(kind=f"{which}_breach", case=case, round=0, level=0),
            self.config.flow(case.flow_id),
            leads_channel=self.config.app.leads_channel,
        )
        return None
