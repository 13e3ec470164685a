"""One rate gate per Web API method (per channel for chat.postMessage), shared by every job and
listener of a replica: after a 429 with Retry-After, nothing calls that method (to that channel)
before it expires."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# chat.postMessage is limited per channel (≈1 a second, SLACK-FACTS B): its 429 closes that channel,
# and the pages to other people's DMs go on. Every other method is closed as a whole.
PER_CHANNEL = frozenset({"chat.postMessage"})


class GateClosed(Exception):
    """The method is rate limited for `seconds` more, longer than the caller will wait."""

    def __init__(self, method: str, seconds: float) -> None:
        super().__init__(f"{method}: rate limited here for {seconds:.1f} s more (Retry-After)")
        self.method = method
        self.seconds = seconds


class RateGate:
    """Thread-safe; real (monotonic) time, because Retry-After is Slack's real time."""

    def __init__(
        self, *, monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._until: dict[tuple[str, str | None], float] = {}

    @staticmethod
    def _key(method: str, channel: str | None) -> tuple[str, str | None]:
        return (method, channel if method in PER_CHANNEL and channel else None)

    def close(self, method: str, seconds: float, *, channel: str | None = None) -> None:
        """Slack answered 429 with Retry-After `seconds`: the method (for chat.postMessage, that
        channel) stays closed that long. A later, shorter Retry-After never reopens it early."""
        until = self._monotonic() + max(0.0, seconds)
        key = self._key(method, channel)
        with self._lock:
            self._until[key] = max(self._until.get(key, 0.0), until)

    def closed_for(self, method: str, *, channel: str | None = None) -> float:
        """Seconds until `method` (to `channel`) may be called; 0 when open."""
        now = self._monotonic()
        with self._lock:
            return max(0.0, self._until.get(self._key(method, channel), 0.0) - now)

    def wait(self, method: str, *, channel: str | None = None, patience: float) -> None:
        """Block until the gate opens, or raise GateClosed if that is more than `patience` seconds."""
        while (left := self.closed_for(method, channel=channel)) > 0:
            if left > patience:
                raise GateClosed(method, left)
            self._sleep(left)
