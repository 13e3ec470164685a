"""The leads' daily digest as composed at `now`: the case lines, tallies and folded lists leads read.

`bot.domain.digest_compose` builds it from what the store reads (`bot.domain.digest_input`);
`bot.slack.blocks.digest` renders it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from bot.domain.case import CaseStatus
from bot.domain.digest_input import BreachCounts, Measure, ResponseTime

T = TypeVar("T")


# --- what the digest shows ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseDetails:
    """What a case is about; absent for sensitive cases."""

    advertiser: str
    campaign: str
    owner_id: str | None


@dataclass(frozen=True, slots=True)
class CaseLine:
    """A case as listed: id, severity, status, thread link, and its details unless sensitive."""

    human_id: str
    severity_id: str
    status: CaseStatus
    permalink: str | None
    details: CaseDetails | None

    @property
    def sensitive(self) -> bool:
        return self.details is None


@dataclass(frozen=True, slots=True)
class UrgentCase:
    case: CaseLine
    age: timedelta


@dataclass(frozen=True, slots=True)
class SlaLine:
    case: CaseLine
    measure: Measure
    due_at: datetime


@dataclass(frozen=True, slots=True)
class DeadlineLine:
    case: CaseLine
    deadline_at: datetime


@dataclass(frozen=True, slots=True)
class ResolvedLine:
    case: CaseLine
    resolved_at: datetime
    outcome: str | None  # the label; None when there is none or the case is sensitive


@dataclass(frozen=True, slots=True)
class SeverityTally:
    """One row of "open cases by severity"."""

    severity_id: str
    label: str
    emoji: str
    open: int
    unowned: int


@dataclass(frozen=True, slots=True)
class OnCallLayer:
    """Who is on call for one layer of one schedule now, until when, and who comes next."""

    schedule_title: str
    layer: str
    users: tuple[str, ...]
    until: datetime | None
    next_users: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Folded(Generic[T]):
    """The first items of a list, and how many more there are."""

    items: tuple[T, ...] = ()
    more: int = 0

    @property
    def total(self) -> int:
        return len(self.items) + self.more


def fold(items: Iterable[T], limit: int) -> Folded[T]:
    """Keep the first `limit` items and count the rest."""
    kept = tuple(items)
    return Folded(kept[: max(limit, 0)], max(len(kept) - max(limit, 0), 0))


@dataclass(frozen=True, slots=True)
class Limits:
    """How long each list may get, and the windows of "about to breach" and "deadline soon"."""

    urgent: int = 10
    sla: int = 15
    deadlines: int = 15
    resolved: int = 15
    due_soon: timedelta = timedelta(hours=4)
    deadline_window: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Digest:
    """The leads' summary for one channel at `now`, covering since the last one."""

    now: datetime
    since: datetime
    late: bool
    scheduled_at: datetime | None
    open_by_severity: tuple[SeverityTally, ...]
    urgent: Folded[UrgentCase]
    breached: Folded[SlaLine]
    due_soon: Folded[SlaLine]
    breach_events: BreachCounts
    deadlines: Folded[DeadlineLine]
    resolved: Folded[ResolvedLine]
    resolved_by_outcome: tuple[tuple[str, int], ...]
    opened_since: int
    response_times: tuple[ResponseTime, ...]
    response_days: int
    on_call: tuple[OnCallLayer, ...]
    severity_labels: Mapping[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)

    @property
    def open_total(self) -> int:
        return sum(t.open for t in self.open_by_severity)

    @property
    def unowned_total(self) -> int:
        return sum(t.unowned for t in self.open_by_severity)

    @property
    def quiet(self) -> bool:
        """Nothing open and nothing resolved since the last digest."""
        return self.open_total == 0 and self.resolved.total == 0

    def severity_label(self, severity_id: str) -> str:
        return self.severity_labels.get(severity_id, severity_id)
