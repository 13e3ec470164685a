"""The weekly rota check as a durable job: gaps and placeholder ids in the next N weeks, told to the
leads once per occurrence (its key), whichever replica runs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.config.model import Config
from bot.domain import rota
from bot.domain.digest_schedule import scheduled
from bot.domain.job import Job
from bot.services.digests import plan_occurrences
from bot.store.effects import Effect
from bot.store.store import Store

ROTA_CHECK = "rota.check"
PLAN_AHEAD = timedelta(days=8)


@dataclass(frozen=True, slots=True)
class RotaFindings:
    """What one schedule lacks in the window: gaps in covered layers, and placeholder ids on call."""

    schedule_id: str
    title: str
    gaps: tuple[rota.Gap, ...]
    placeholders: tuple[tuple[str, datetime], ...]  # (placeholder id, its first shift in the window)

    @property
    def empty(self) -> bool:
        return not self.gaps and not self.placeholders


@dataclass(frozen=True, slots=True)
class RotaCheck:
    """The findings of every schedule over [start_at, end_at)."""

    start_at: datetime
    end_at: datetime
    weeks: int
    findings: tuple[RotaFindings, ...]


class RotaCheckSender(Protocol):
    """Posts the rota check to a channel."""

    def post_rota_check(self, check: RotaCheck, *, channel_id: str) -> None: ...


def check_rota(config: Config, store: Store, *, start_at: datetime, weeks: int) -> RotaCheck:
    """Gaps (with the overrides in force) and placeholder ids on call, per schedule, in the next `weeks`."""
    end_at = start_at + timedelta(weeks=weeks)
    findings = []
    with store.read() as tx:
        overrides = {s: tuple(tx.overrides.active(s, ending_after=start_at)) for s in config.schedules}
    for schedule in config.schedules.values():
        given = overrides.get(schedule.id, ())
        gaps = tuple(rota.coverage_gaps(schedule, start_at, end_at, overrides=given))
        waiting = set(config.placeholders.get(schedule.id, ()))
        first: dict[str, datetime] = {}
        for shift in rota.shifts(schedule, start_at, end_at, overrides=given):
            if shift.user_id in waiting and shift.user_id not in first:
                first[shift.user_id] = max(shift.start_at, start_at)
        placeholders = tuple(sorted(first.items(), key=lambda item: (item[1], item[0])))
        findings.append(RotaFindings(schedule.id, schedule.title, gaps, placeholders))
    return RotaCheck(start_at=start_at, end_at=end_at, weeks=weeks, findings=tuple(findings))


def plan_rota_checks(*, config: Config, store: Store, now: datetime) -> int:
    """Enqueue each rota check occurrence near `now` (idempotent: one key per channel and occurrence)."""
    return plan_occurrences(config.app.rota_checks, kind=ROTA_CHECK, store=store, now=now, ahead=PLAN_AHEAD)


@dataclass
class RotaChecks:
    """The rota check job handler: posts only when there is something to fix."""

    config: Config
    store: Store
    sender: RotaCheckSender

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {ROTA_CHECK: self.send}

    def send(self, job: Job) -> Effect | None:
        channel = str(job.payload["channel"])
        start_at = datetime.fromisoformat(str(job.payload["scheduled_at"]))
        if scheduled(self.config.app.rota_checks, channel, start_at) is None:
            return None  # the configuration changed since it was planned
        check = check_rota(self.config, self.store, start_at=start_at, weeks=self.config.app.rota_check_weeks)
        if any(not f.empty for f in check.findings):
            self.sender.post_rota_check(check, channel_id=channel)
        return None
