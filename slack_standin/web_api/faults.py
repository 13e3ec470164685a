"""Injected failures for the next N matching Web API calls: 429, 5xx, `ok: false`, hangs, resets."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ArgsPredicate = Callable[[dict[str, Any]], bool]
_STATUS_ERRORS = {429: "ratelimited", 500: "internal_error", 502: "bad_gateway", 503: "service_unavailable"}


@dataclass(slots=True)
class Fault:
    """One planned failure. `takes_effect` lets the call do its work before the fault hits."""

    method: str
    status: int | None = None
    error: str | None = None
    retry_after: int = 1
    hang: float = 0.0
    reset: bool = False
    takes_effect: bool = False
    times: int | None = 1
    where: ArgsPredicate | None = None
    fired: int = 0

    def matches(self, method: str, args: dict[str, Any]) -> bool:
        """True if this fault applies to a call of `method` with `args` and has uses left."""
        if self.times is not None and self.fired >= self.times:
            return False
        if self.method not in ("*", method):
            return False
        return self.where is None or bool(self.where(args))

    def answer(self) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """The HTTP status, body and headers to send instead of the real answer (None: real answer)."""
        if self.status is None and self.error is None:
            return None
        status = self.status or 200
        error = self.error or _STATUS_ERRORS.get(status, f"http_{status}")
        headers = {"Retry-After": str(self.retry_after)} if status == 429 else {}
        return status, {"ok": False, "error": error}, headers


class Faults:
    """The stand-in's fault plan; `fired` keeps (method, fault) for every fault that hit a call."""

    def __init__(self) -> None:
        self._planned: list[Fault] = []
        self.fired: list[tuple[str, Fault]] = []
        self._lock = threading.Lock()

    def add(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 1,
        hang: float = 0.0,
        reset: bool = False,
        takes_effect: bool = False,
        times: int | None = 1,
        where: ArgsPredicate | None = None,
    ) -> Fault:
        """Plan a fault for the next `times` calls of `method` ("*" for any); None means forever."""
        if status is None and error is None and not hang and not reset:
            raise ValueError("a fault needs status=, error=, hang= or reset=")
        fault = Fault(method, status, error, retry_after, hang, reset, takes_effect, times, where)
        with self._lock:
            self._planned.append(fault)
        return fault

    def take(self, method: str, args: dict[str, Any]) -> Fault | None:
        """Consume one use of the first planned fault matching this call."""
        with self._lock:
            for fault in self._planned:
                if fault.matches(method, args):
                    fault.fired += 1
                    self.fired.append((method, fault))
                    return fault
            return None

    def clear(self) -> None:
        """Drop every planned fault."""
        with self._lock:
            self._planned.clear()

    @property
    def pending(self) -> list[Fault]:
        """Faults with uses left."""
        with self._lock:
            return [f for f in self._planned if f.times is None or f.fired < f.times]
