"""The auditor's own thread: it must keep running when the scheduler it watches is stuck."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Protocol

from bot.jobs.progress import Progress

log = logging.getLogger(__name__)


class _Limits(Protocol):
    @property
    def every(self) -> timedelta: ...

    @property
    def stalled_after(self) -> timedelta: ...


class Auditor(Protocol):
    """What the watchdog runs (bot.services.auditor.Auditor, given by the wiring)."""

    @property
    def limits(self) -> _Limits: ...

    def check(self) -> object: ...


class Watchdog:
    """Runs `auditor.check()` every `auditor.limits.every` on a daemon thread until stopped."""

    def __init__(self, auditor: Auditor) -> None:
        self.auditor = auditor
        self._stop = threading.Event()
        self._wake = threading.Event()  # stop() or new limits: end the wait between rounds now
        self._thread: threading.Thread | None = None
        self.progress = Progress()  # finished audit rounds

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="auditor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.auditor.check()
            except Exception:  # the auditor must outlive whatever it finds
                log.exception("audit round failed")
            self.progress.done()
            # One wait per round (an idle replica's auditor wakes every `every`, not more often); new
            # limits (set_limits) end it early, so they apply from the next round on.
            while not self._stop.is_set():
                left = self.auditor.limits.every.total_seconds() - (time.monotonic() - started)
                if left <= 0:
                    break
                self._wake.wait(left)
                self._wake.clear()

    def set_limits(self, limits: _Limits) -> None:
        """Give the auditor new limits (tests, a reload); a round waiting for the old `every` is cut short."""
        self.auditor.limits = limits  # type: ignore[misc]
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
