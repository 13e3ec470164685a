"""The one clock: everything that depends on time asks it for `now`."""

from __future__ import annotations

import threading
import time
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
