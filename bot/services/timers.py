"""SLA and campaign-deadline timers as durable jobs, recomputed whenever the case changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config.loader import Config
from bot.domain import sla
from bot.domain.case import Case, CaseStatus
from bot.domain.job import Job
from bot.domain.lifecycle import resolve_clock_runs
from bot.domain.policy import TargetKind
from bot.domain.rota_model import BusinessHours, Schedule
from bot.services.paging import note_in_thread
from bot.services.ports import LeadsAlert, PageSender, ThreadNote
from bot.store.store import Store, Tx

SLA = "case.sla"
DEADLINE = "case.deadline"
SLA_ALERT = "ops.sla_alert"
TIMER_KINDS = (SLA, DEADLINE)
WARN_AT = 0.8

Effect = Callable[[Tx, datetime], None]


def schedule_for_flow(config: Config, flow_id: str) -> Schedule | None:
    """The schedule whose calendar (business hours, holidays with extra/exclude) a flow's clock uses."""
    flow = config.flow(flow_id)
    schedule_id = flow.sla_schedule
    if schedule_id is None:
        policy = config.policies.get(flow.policy)
        levels = policy.levels if policy else ()
        schedule_id = next((t.ref for lv in levels for t in lv.targets if t.kind is TargetKind.SCHEDULE), None)
    return config.schedules.get(schedule_id) if schedule_id else None


def calendar_for(config: Config, case: Case) -> sla.SlaCalendar:
    """The flow's SLA clock over the business hours and holidays of its schedule."""
    flow = config.flow(case.flow_id)
    schedule = schedule_for_flow(config, flow.id)
    timezone: ZoneInfo = schedule.timezone if schedule else config.app.timezone
    hours: BusinessHours | None = schedule.business_hours if schedule else None
    mode = sla.SlaClock(flow.sla_clock) if hours is not None else sla.SlaClock.WALL
    return sla.SlaCalendar(
        mode=mode,
        timezone=timezone,
        business_hours=hours,
        holidays=schedule.holidays if schedule else frozenset(),
        skip_holidays=flow.sla_skip_holidays,
    )


def planned(config: Config, case: Case, now: datetime) -> list[tuple[str, str, datetime, dict[str, str]]]:
    """(kind, name, due, payload) of every timer the case should have from `now` on."""
    if not case.status.is_open:
        return []
    flow = config.flow(case.flow_id)
    severity = flow.severity(case.severity_id)
    calendar = calendar_for(config, case)
    found: list[tuple[str, str, datetime, dict[str, str]]] = []
    clocks = []
    if case.acknowledged_by is None:
        clocks.append(("acknowledge", sla.SlaTimer(case.created_at, severity.acknowledge_within)))
    if resolve_clock_runs(case.status):
        clocks.append(("resolve", sla.SlaTimer(case.created_at, severity.resolve_within, case.pauses)))
    for which, timer in clocks:
        for stage, at in (
            ("warning", sla.warning_at(calendar, timer, WARN_AT)),
            ("breach", sla.timer_due_at(calendar, timer)),
        ):
            if at is not None and at >= now:
                found.append((SLA, f"{which}:{stage}", at, {"which": which, "stage": stage, "due_at": at.isoformat()}))
    if case.deadline_at is not None:
        for name, at in sla.deadline_reminders(case.deadline_at, now):
            found.append((DEADLINE, name, at, {"name": name}))
    return found


def schedule_timers(tx: Tx, case: Case, now: datetime, *, config: Config) -> None:
    """Replace the case's pending timers with those its current state calls for (same transaction)."""
    tx.jobs.cancel_for_case(case.id, kinds=TIMER_KINDS, now=now)
    for kind, name, due_at, payload in planned(config, case, now):
        tx.jobs.enqueue(
            kind=kind,
            key=f"{kind}:{case.id}:{name}:v{case.version}",
            due_at=due_at,
            now=now,
            case_id=case.id,
            payload={**payload, "version": str(case.version)},
        )


@dataclass
class Timers:
    """Job handlers: an SLA warning or breach, a deadline reminder or a deadline passed unresolved."""

    config: Config
    store: Store
    sender: PageSender

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {SLA: self.fire_sla, DEADLINE: self.fire_deadline, SLA_ALERT: self.alert}

    def _case(self, job: Job) -> Case:
        assert job.case_id is not None
        with self.store.read() as tx:
            return tx.cases.get(job.case_id)

    def fire_sla(self, job: Job) -> Effect | None:
        case = self._case(job)
        which, stage = str(job.payload["which"]), str(job.payload["stage"])
        still = case.status.is_open and (
            case.acknowledged_by is None if which == "acknowledge" else case.status is not CaseStatus.WAITING_ON_REP
        )
        if not still:
            return None
        text = f"{which} SLA {'breached' if stage == 'breach' else 'at 80 %'}"

        def effect(tx: Tx, now: datetime) -> None:
            tx.cases.add_event(case.id, kind=f"sla_{stage}", now=now, data={"which": which})
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
        case = self._case(job)
        if not case.status.is_open:
            return None
        name = str(job.payload["name"])

        def effect(tx: Tx, now: datetime) -> None:
            kind = "deadline_passed" if name == "passed" else "deadline_reminder"
            tx.cases.add_event(case.id, kind=kind, now=now, data={"name": name})
            text = "campaign deadline passed unresolved" if name == "passed" else f"campaign deadline in {name}"
            note_in_thread(
                tx,
                case,
                ThreadNote(kind="deadline", text=text, at=case.deadline_at),
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

    def alert(self, job: Job) -> Effect | None:
        case = self._case(job)
        which = str(job.payload["which"])
        self.sender.alert_leads(
            LeadsAlert(kind=f"{which}_breach", case=case, round=0, level=0),
            self.config.flow(case.flow_id),
            leads_channel=self.config.app.leads_channel,
        )
        return None
