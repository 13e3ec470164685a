"""A counter of finished rounds that can be waited on (ticks, audit rounds)."""

from __future__ import annotations

import threading


class Progress:
    """Counts finished rounds, so a caller can wait for "a whole round ran after X" instead of sleeping."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def done(self) -> None:
        """Record one finished round."""
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    @property
    def count(self) -> int:
        """Rounds finished so far."""
        with self._changed:
            return self._count

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until at least `count` rounds have finished; False if `timeout` seconds pass first."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count >= count, timeout)
