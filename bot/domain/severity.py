"""Severities, their SLAs, and the rules that pick a case's default severity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Severity:
    """One severity level of a flow; rank 0 is the most severe."""

    id: str
    label: str
    emoji: str
    rank: int
    acknowledge_within: timedelta
    resolve_within: timedelta

    def is_more_severe_than(self, other: Severity) -> bool:
        return self.rank < other.rank


@dataclass(frozen=True, slots=True)
class SeverityRule:
    """Raise the severity to `raise_to` when the condition holds.

    A rule with `deadline_within` holds when the campaign deadline is that close (or passed);
    a rule with `field_id` holds when that intake field has one of `values`.
    """

    raise_to: str
    deadline_within: timedelta | None = None
    field_id: str | None = None
    values: frozenset[str] = frozenset()
    reason: str = ""

    def holds(self, *, deadline_at: datetime | None, values: dict[str, object], now: datetime) -> bool:
        if self.deadline_within is not None and (deadline_at is None or deadline_at - now > self.deadline_within):
            return False
        if self.field_id is not None:
            given = values.get(self.field_id)
            chosen = set(given) if isinstance(given, list | tuple | set | frozenset) else {given}
            if not chosen & self.values:
                return False
        return True


@dataclass(frozen=True, slots=True)
class SeverityDecision:
    """The severity a new case gets and why."""

    severity: Severity
    reasons: tuple[str, ...]


def decide_severity(
    *,
    severities: tuple[Severity, ...],
    default_id: str,
    chosen_id: str | None,
    rules: tuple[SeverityRule, ...],
    deadline_at: datetime | None,
    values: dict[str, object],
    now: datetime,
) -> SeverityDecision:
    """The reporter's choice (or the flow default), raised by every rule that holds; never lowered."""
    by_id = {s.id: s for s in severities}
    current = by_id[chosen_id] if chosen_id in by_id else by_id[default_id]
    reasons = ["chosen by the reporter" if chosen_id in by_id else "flow default"]
    for rule in rules:
        target = by_id[rule.raise_to]
        if target.is_more_severe_than(current) and rule.holds(deadline_at=deadline_at, values=values, now=now):
            current = target
            reasons.append(rule.reason or f"raised to {target.label}")
    return SeverityDecision(severity=current, reasons=tuple(reasons))


@dataclass(frozen=True, slots=True)
class DeadlineRaise:
    """A deadline rule that will come to hold later: at `at` the case is raised to `raise_to`."""

    at: datetime
    raise_to: str
    reason: str


def deadline_raises(
    *,
    severities: tuple[Severity, ...],
    current_id: str,
    rules: tuple[SeverityRule, ...],
    deadline_at: datetime | None,
    now: datetime,
) -> tuple[DeadlineRaise, ...]:
    """The deadline rules (without a field condition) that do not hold yet but will before the deadline,
    each raising the case above what it will be by then; soonest first."""
    if deadline_at is None:
        return ()
    by_id = {s.id: s for s in severities}
    timed = sorted(
        (
            (deadline_at - rule.deadline_within, rule)
            for rule in rules
            if rule.deadline_within is not None and rule.field_id is None and rule.raise_to in by_id
        ),
        key=lambda item: item[0],
    )
    current = by_id[current_id]
    found = []
    for at, rule in timed:
        target = by_id[rule.raise_to]
        if at > now and target.is_more_severe_than(current):
            found.append(DeadlineRaise(at=at, raise_to=target.id, reason=rule.reason or f"raised to {target.label}"))
            current = target
    return tuple(found)
