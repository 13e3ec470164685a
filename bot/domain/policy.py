"""Escalation policies: who is paged, in which order, and how long to wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class TargetKind(StrEnum):
    """What a policy level pages."""

    SCHEDULE = "schedule"
    USER = "user"
    USERGROUP = "usergroup"


@dataclass(frozen=True, slots=True)
class Target:
    """One target of a level: a schedule layer's on-call, a named user, or a user group."""

    kind: TargetKind
    ref: str
    layer: str | None = None


@dataclass(frozen=True, slots=True)
class PolicyLevel:
    """One step of a policy: page these targets, wait, then go to the next level."""

    targets: tuple[Target, ...]
    wait: timedelta
    repage_after: timedelta | None = None  # page the same people again after this, within `wait`


class PageTiming(StrEnum):
    """When a new case of a severity pages: at once, or at the next business-hours shift."""

    IMMEDIATELY = "immediately"
    BUSINESS_HOURS = "business_hours"


@dataclass(frozen=True, slots=True)
class Policy:
    """An escalation policy named by flows."""

    id: str
    description: str
    levels: tuple[PolicyLevel, ...]
    repeat: int
    timing: tuple[tuple[str, PageTiming], ...] = ()
    # A page held for business hours still goes out this long before the acknowledge SLA would run
    # past the campaign deadline.
    deadline_margin: timedelta = timedelta(hours=1)

    def timing_for(self, severity_id: str) -> PageTiming:
        return dict(self.timing).get(severity_id, PageTiming.IMMEDIATELY)
