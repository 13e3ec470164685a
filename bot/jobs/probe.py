"""A readiness answer within a fixed time, whatever the database does."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor


class BoundedProbe:
    """Runs `probe` on its own thread and waits at most `budget` seconds for its answer; a probe still
    running answers `slow(budget)` meanwhile, and no second one is started behind it (a hung database
    cannot pile up threads)."""

    def __init__(self, probe: Callable[[], str], *, budget: float = 0.8) -> None:
        self.probe = probe
        self.budget = budget
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readiness")
        self._lock = threading.Lock()
        self._running: Future[str] | None = None

    def __call__(self) -> str:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._pool.submit(self.probe)
            running = self._running
        try:
            return running.result(timeout=self.budget)
        except TimeoutError:
            return f"slow: no answer within {self.budget:g} s"
        except Exception as exc:  # the probe's own failure is the answer
            return f"unreachable: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
