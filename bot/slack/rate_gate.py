"""One rate gate per Web API method (and per channel for chat.postMessage), shared by every job and
listener of a replica: after a 429 with Retry-After, nothing calls that method before it expires."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# chat.postMessage is limited per channel (≈1 a second) as well as per method (SLACK-FACTS B).
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
    def _keys(method: str, channel: str | None) -> list[tuple[str, str | None]]:
        keys: list[tuple[str, str | None]] = [(method, None)]
        if method in PER_CHANNEL and channel:
            keys.append((method, channel))
        return keys

    def close(self, method: str, seconds: float, *, channel: str | None = None) -> None:
        """Slack answered 429 with Retry-After `seconds`: the method (every channel) and this channel
        stay closed that long. A later, shorter Retry-After never reopens it early."""
        until = self._monotonic() + max(0.0, seconds)
        with self._lock:
            for key in self._keys(method, channel):
                self._until[key] = max(self._until.get(key, 0.0), until)

    def closed_for(self, method: str, *, channel: str | None = None) -> float:
        """Seconds until `method` (to `channel`) may be called; 0 when open."""
        now = self._monotonic()
        with self._lock:
            return max([0.0] + [self._until.get(key, 0.0) - now for key in self._keys(method, channel)])

    def wait(self, method: str, *, channel: str | None = None, patience: float) -> None:
        """Block until the gate opens, or raise GateClosed if that is more than `patience` seconds."""
        while (left := self.closed_for(method, channel=channel)) > 0:
            if left > patience:
                raise GateClosed(method, left)
            self._sleep(left)
