"""The stand-in's notion of time: any object with `now()` (the test's or the demo's clock, shared with the bot)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Source of the current instant (aware, UTC); the bot's clocks fit it as they are."""

    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time, for a stand-in started without a shared clock (freezegun moves it in tests)."""

    def now(self) -> datetime:
        return datetime.now(UTC)
