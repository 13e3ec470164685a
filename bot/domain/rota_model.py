"""The rota's frozen values: Schedule, Layer, Rotation, Restriction, Override, Shift (rules in `rota.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})


class HolidayRule(StrEnum):
    """How a restriction treats the schedule's public holidays (each a whole local day)."""

    INCLUDE = "include"  # holidays make no difference
    EXCLUDE = "exclude"  # not active on a holiday
    ONLY = "only"  # active on holidays only


@dataclass(frozen=True, slots=True)
class Restriction:
    """One window in which a rotation is active, in the schedule's local time.

    Each day in `days` (0 = Monday) opens a span from `start` to `end`; an `end` at or before
    `start` runs past midnight (so 00:00-00:00 is the whole day and 18:00-09:00 is the night),
    and the span belongs to the day it starts on. Within the span, the local date of the moment
    must also pass the `holidays` rule and, when `dates` is given, fall in one of its inclusive
    ranges.
    """

    days: frozenset[int] = EVERY_DAY
    start: time = time(0)
    end: time = time(0)
    holidays: HolidayRule = HolidayRule.INCLUDE
    dates: tuple[tuple[date, date], ...] = ()

    def passes(self, day: date, holidays: frozenset[date]) -> bool:
        """Whether a moment on local date `day` passes the holiday and date filters."""
        if self.holidays is HolidayRule.EXCLUDE and day in holidays:
            return False
        if self.holidays is HolidayRule.ONLY and day not in holidays:
            return False
        return not self.dates or any(first <= day <= last for first, last in self.dates)


@dataclass(frozen=True, slots=True)
class Rotation:
    """Members take turns of `length`, handing off at local `handoff`, the first turn at `start`.

    With `handoff_weekday` (0 = Monday) the first turn begins on the first such day on or after
    `start`. Nobody from this rotation is on call before its first turn. An empty member list is
    allowed and means nobody (a gap) while the rotation is active.
    """

    name: str
    members: tuple[str, ...]
    length: timedelta
    handoff: time
    start: date
    handoff_weekday: int | None = None
    restrictions: tuple[Restriction, ...] = ()

    def __post_init__(self) -> None:
        if self.length <= timedelta():
            raise ValueError(f"rotation {self.name!r}: a turn must be longer than zero")
        if self.handoff_weekday is not None and self.handoff_weekday not in EVERY_DAY:
            raise ValueError(f"rotation {self.name!r}: handoff_weekday is 0 (Monday) to 6 (Sunday)")

    @property
    def first_day(self) -> date:
        """The local date of the first handoff."""
        if self.handoff_weekday is None:
            return self.start
        return self.start + timedelta(days=(self.handoff_weekday - self.start.weekday()) % 7)


@dataclass(frozen=True, slots=True)
class Layer:
    """A role that policies page (`primary`, `secondary`, `lead`); later rotations win."""

    name: str
    rotations: tuple[Rotation, ...]


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """The days and local hours of a working day; public holidays are never business hours."""

    days: frozenset[int] = WEEKDAYS
    start: time = time(9)
    end: time = time(18)

    def as_restriction(self) -> Restriction:
        """The same hours as a restriction window that skips holidays."""
        return Restriction(days=self.days, start=self.start, end=self.end, holidays=HolidayRule.EXCLUDE)


@dataclass(frozen=True, slots=True)
class CoverageRule:
    """A layer that must have someone on call whenever one of `windows` is active (none = always)."""

    layer: str
    windows: tuple[Restriction, ...] = ()


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which layers must never be empty, and when."""

    rules: tuple[CoverageRule, ...] = ()


@dataclass(frozen=True, slots=True)
class Schedule:
    """One rota: its zone, layers of rotations, public holidays and business hours."""

    id: str
    title: str
    timezone: ZoneInfo
    layers: tuple[Layer, ...]
    holidays: frozenset[date] = frozenset()
    business_hours: BusinessHours = field(default_factory=BusinessHours)
    channel_id: str | None = None
    coverage: Coverage = field(default_factory=Coverage)

    def layer(self, name: str) -> Layer:
        """The layer called `name`; KeyError if there is none."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class Override:
    """`user_id` covers a layer (None = every layer) from `start_at` to `end_at`.

    With `replaces`, only while that person would be on call; without, whoever would be.
    """

    id: int | None
    schedule_id: str
    layer: str | None
    user_id: str
    replaces: str | None
    start_at: datetime
    end_at: datetime

    def __post_init__(self) -> None:
        if self.start_at.tzinfo is None or self.end_at.tzinfo is None:
            raise ValueError("override times must be timezone-aware")
        if self.end_at <= self.start_at:
            raise ValueError("an override must end after it starts")


@dataclass(frozen=True, slots=True)
class Shift:
    """One person on call for one layer, from a rotation or from an override."""

    schedule_id: str
    layer: str
    user_id: str
    start_at: datetime
    end_at: datetime
    rotation: str | None = None
    override_id: int | None = None


def is_email(member: str) -> bool:
    """Whether a member is an e-mail address (resolved to a Slack user later) rather than a user id."""
    return "@" in member
