"""Handoff notices: planned from the rota as durable jobs with one key per shift, so exactly once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config.model import Config
from bot.domain import rota
from bot.domain.case import Case
from bot.domain.job import Job
from bot.domain.policy import TargetKind
from bot.services.ports import DueItem, HandoffNotice, HandoffSender
from bot.services.timers import SLA, planned
from bot.store.effects import Effect
from bot.store.store import Store

HANDOFF_DM = "oncall.handoff_dm"
HANDOFF_NOTE = "oncall.handoff_note"
PLAN_AHEAD = timedelta(hours=24)
# A handoff missed while every replica was down is still announced if it is this recent.
GRACE = timedelta(minutes=30)


def plan_handoffs(*, config: Config, store: Store, now: datetime) -> int:
    """Enqueue a notice for every shift that starts from `now - GRACE` to `now + PLAN_AHEAD`.

    Runs on every replica every minute; the unique key per (schedule, layer, start, person) makes
    a second run, a restart or a second replica add nothing.
    """
    window_start = now - GRACE
    added = 0
    with store.transaction() as tx:
        for schedule in config.schedules.values():
            overrides = tx.overrides.active(schedule.id, ending_after=window_start)
            for shift in rota.shifts(schedule, window_start, now + PLAN_AHEAD, overrides=overrides):
                if shift.start_at <= window_start:
                    continue  # already running when the window opens: not a handoff we announce
                payload = {
                    "schedule": schedule.id,
                    "layer": shift.layer,
                    "user_id": shift.user_id,
                    "start_at": shift.start_at.isoformat(),
                }
                key = f"{schedule.id}:{shift.layer}:{shift.start_at.isoformat()}:{shift.user_id}"
                added += tx.jobs.enqueue(
                    kind=HANDOFF_DM, key=f"{HANDOFF_DM}:{key}", due_at=shift.start_at, now=now, payload=payload
                )
                if schedule.channel_id:
                    tx.jobs.enqueue(
                        kind=HANDOFF_NOTE, key=f"{HANDOFF_NOTE}:{key}", due_at=shift.start_at, now=now, payload=payload
                    )
    return added


def _policy_schedules(config: Config, case: Case) -> set[str]:
    policy = config.policies[config.flow(case.flow_id).policy]
    return {t.ref for level in policy.levels for t in level.targets if t.kind is TargetKind.SCHEDULE}


def due_during(config: Config, cases: list[Case], start_at: datetime, end_at: datetime | None) -> tuple[DueItem, ...]:
    """Deadlines and SLA due times of open cases that fall inside the shift.

    SLA due times come from `timers.planned`, the function that schedules the SLA jobs themselves, so
    the DM shows what the bot will act on: business-hours clocks, holidays, pauses while waiting on
    the rep, and no acknowledge SLA once someone acknowledged."""
    items = []
    for case in cases:
        candidates: list[tuple[str, datetime | None]] = [("campaign deadline", case.deadline_at)]
        try:
            plan = planned(config, case, start_at)
        except KeyError:
            plan = []  # a flow or severity no longer configured: no SLA to show
        for kind, _name, at, payload in plan:
            if kind == SLA and payload.get("stage") == "breach":
                candidates.append((f"{payload['which']} SLA", at))
        for what, due_at in candidates:
            if due_at is not None and due_at >= start_at and (end_at is None or due_at < end_at):
                items.append(DueItem(case=case, what=what, at=due_at))
    return tuple(sorted(items, key=lambda item: item.at))


@dataclass
class Handoffs:
    """Job handlers for handoff notices."""

    config: Config
    store: Store
    sender: HandoffSender

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {HANDOFF_DM: self.notify, HANDOFF_NOTE: self.note}

    def _notice(self, job: Job) -> HandoffNotice | None:
        schedule = self.config.schedules.get(str(job.payload["schedule"]))
        if schedule is None:
            return None
        layer, user_id = str(job.payload["layer"]), str(job.payload["user_id"])
        start_at = datetime.fromisoformat(str(job.payload["start_at"]))
        with self.store.read() as tx:
            overrides = tx.overrides.active(schedule.id)
            cases = [c for c in tx.cases.open_cases() if schedule.id in _policy_schedules(self.config, c)]
        if user_id not in rota.on_call(schedule, start_at, overrides=overrides).get(layer, ()):
            return None  # an override changed the rota since this notice was planned
        end_at = rota.next_handoff(schedule, start_at, overrides=overrides, layer=layer)
        return HandoffNotice(
            schedule_title=schedule.title,
            layer=layer,
            user_id=user_id,
            start_at=start_at,
            end_at=end_at,
            open_cases=tuple(cases),
            due=due_during(self.config, cases, start_at, end_at),
        )

    def notify(self, job: Job) -> Effect | None:
        notice = self._notice(job)
        if notice is not None:
            self.sender.send_handoff(notice)
        return None

    def note(self, job: Job) -> Effect | None:
        notice = self._notice(job)
        schedule = self.config.schedules.get(str(job.payload["schedule"]))
        if notice is not None and schedule is not None and schedule.channel_id:
            self.sender.post_handoff_note(notice, channel_id=schedule.channel_id)
        return None
