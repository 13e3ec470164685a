"""Which SLA clocks of a case run, and on what budget: one rule for the timers, the digest and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
