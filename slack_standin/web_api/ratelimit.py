"""Slack's rate tiers as token buckets on real monotonic time (the shared clock may be frozen)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    """A sustained rate per minute and the burst allowed on top of it."""

    per_minute: float
    burst: int


TIERS: dict[int, Limit] = {
    1: Limit(1, 2),
    2: Limit(20, 5),
    3: Limit(50, 10),
    4: Limit(100, 20),
}
SPECIAL: dict[str, Limit] = {
    "auth.test": Limit(600, 50),
    "chat.getPermalink": Limit(600, 50),
}
# chat.postMessage: about one message a second per channel with a short burst, and a workspace cap.
POST_PER_CHANNEL = Limit(60, 5)
POST_PER_WORKSPACE = Limit(400, 50)


class _Bucket:
    def __init__(self, limit: Limit, scale: float, now: float) -> None:
        self.rate = limit.per_minute * scale / 60.0
        self.capacity = max(1.0, limit.burst * scale)
        self.tokens = self.capacity
        self.updated = now

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class RateLimiter:
    """Per-method buckets by tier, plus per-channel and workspace buckets for chat.postMessage."""

    def __init__(self, *, scale: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = scale > 0
        self._scale = scale
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, method: str, tier: int | None, channel: str | None = None) -> int | None:
        """Take a token for this call; if none is left, the `Retry-After` seconds to answer with."""
        if not self.enabled:
            return None
        keys: list[tuple[tuple[str, str], Limit]] = []
        if method == "chat.postMessage":
            keys.append(((method, "workspace"), POST_PER_WORKSPACE))
            keys.append(((method, channel or ""), POST_PER_CHANNEL))
        elif method in SPECIAL:
            keys.append(((method, ""), SPECIAL[method]))
        elif tier is not None:
            keys.append(((method, ""), TIERS[tier]))
        with self._lock:
            now = self._clock()
            buckets = [self._bucket(key, limit, now) for key, limit in keys]
            wait = max((b.wait(now) for b in buckets), default=0.0)
            if wait > 0:
                return max(1, math.ceil(wait))
            for bucket in buckets:
                bucket.tokens -= 1
            return None

    def _bucket(self, key: tuple[str, str], limit: Limit, now: float) -> _Bucket:
        if key not in self._buckets:
            self._buckets[key] = _Bucket(limit, self._scale, now)
        return self._buckets[key]
