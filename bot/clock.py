"""The one clock: everything that depends on time asks it for `now`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Source of the current instant (always aware, UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time; freezegun moves it in tests."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock tests and the demo move by hand (GoAlert-style fast-forward).

    A ticking clock also moves with real time from where it was set, so retries and backoffs come
    due by themselves in end-to-end tests, while jumps still skip hours in a line.
    """

    def __init__(self, start: datetime, *, ticking: bool = False) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._ticking = ticking
        self._since = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            if self._ticking:
                return self._now + timedelta(seconds=time.monotonic() - self._since)
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
        return self.now()

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        with self._lock:
            self._now = instant.astimezone(UTC)
            self._since = time.monotonic()


def monotonic() -> float:
    """The kernel's monotonic clock, which freezegun (frozen or moved test clocks) does not touch: for
    waits and deadlines measured in real seconds (client-side deadlines, lock waits, a webhook's wait)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def machine_now() -> datetime:
    """This machine's real clock, read past freezegun (which freezes `datetime.now` in tests): the
    offset to the database's clock is measured against it, never against an injected clock."""
    return datetime.fromtimestamp(time.clock_gettime(time.CLOCK_REALTIME), UTC)


class DatabaseClock:
    """The bot's clock, put onto the database's clock.

    `now()` is the injected clock (the system clock in production; a FakeClock or freezegun in tests)
    plus the offset last measured between the database's clock and this machine's real clock. So a
    replica whose clock is 90 s fast files, schedules and claims on the database's time, while tests
    that freeze or move the injected clock keep working: on one machine the offset is ~0. Offsets
    under `tolerance` (round-trip noise, NTP-synced hosts) are taken as zero.
    """

    def __init__(self, inner: Clock, *, tolerance: timedelta = timedelta(milliseconds=250)) -> None:
        self.inner = inner
        self.machine: Clock = SystemClock()  # what leases and ticks are measured on, before correction
        self.tolerance = tolerance
        self.offset = timedelta(0)  # database minus machine, as applied
        self.measured: timedelta | None = None  # as last measured (None: no database clock, e.g. SQLite)

    def now(self) -> datetime:
        return self.inner.now() + self.offset

    def wall_now(self) -> datetime:
        """The database's clock as read through this machine's (leases, heartbeats, tick ages)."""
        return self.machine.now() + self.offset

    @property
    def wall(self) -> Clock:
        """`wall_now` as a Clock."""
        return _Wall(self)

    def measure(self, read_database: Callable[[], datetime | None]) -> timedelta | None:
        """Read the database's clock once and keep the offset; None if it has no clock of its own or
        the round trip took too long to trust (the previous offset stays)."""
        before = machine_now()
        at_database = read_database()
        after = machine_now()
        if at_database is None or after - before > timedelta(seconds=1):
            return None
        measured = at_database - (before + (after - before) / 2)
        self.measured = measured
        self.offset = measured if abs(measured) >= self.tolerance else timedelta(0)
        return measured


class _Wall:
    def __init__(self, clock: DatabaseClock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        return self._clock.wall_now()
