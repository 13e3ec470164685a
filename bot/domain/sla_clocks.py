"""Which SLA clocks of a case run, and on what budget: one rule for the timers, the digest and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain import sla
from bot.domain.case import CaseStatus
from bot.domain.digest_input import Measure
from bot.domain.lifecycle import resolve_clock_runs
from bot.domain.severity import Severity


@dataclass(frozen=True, slots=True)
class RunningClock:
    """One SLA clock still running: what it measures and its timer (start, budget, pauses)."""

    measure: Measure
    timer: sla.SlaTimer


def running_clocks(
    calendar: sla.SlaCalendar,
    severity: Severity,
    *,
    created_at: datetime,
    status: CaseStatus,
    acknowledged: bool,
    pauses: tuple[tuple[datetime, datetime | None], ...],
) -> list[RunningClock]:
    """Acknowledge runs until someone acknowledges; resolve runs while the case is open and not waiting
    on the rep (its pauses are taken out). Budgets are in the calendar's units (business days…)."""
    clocks = []
    if not acknowledged:
        budget = sla.budget(calendar, severity.acknowledge_within)
        clocks.append(RunningClock(Measure.ACKNOWLEDGE, sla.SlaTimer(created_at, budget)))
    if resolve_clock_runs(status):
        budget = sla.budget(calendar, severity.resolve_within)
        clocks.append(RunningClock(Measure.RESOLVE, sla.SlaTimer(created_at, budget, pauses)))
    return clocks


class ClockedCase(Protocol):
    """What the clocks read of a case: a stored `Case`, or a digest's `OpenCase`."""

    @property
    def created_at(self) -> datetime: ...
    @property
    def status(self) -> CaseStatus: ...
    @property
    def acknowledged_by(self) -> str | None: ...
    @property
    def pauses(self) -> tuple[tuple[datetime, datetime | None], ...]: ...


def case_clocks(calendar: sla.SlaCalendar, severity: Severity, case: ClockedCase) -> list[RunningClock]:
    """The SLA clocks still running for a case (`running_clocks` over its fields)."""
    return running_clocks(
        calendar,
        severity,
        created_at=case.created_at,
        status=case.status,
        acknowledged=case.acknowledged_by is not None,
        pauses=case.pauses,
    )
