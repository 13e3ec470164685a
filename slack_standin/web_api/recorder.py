"""A thread-safe log of every call the stand-in answered, with waits that poll a condition."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_standin.web_api.faults import Fault


@dataclass(slots=True)
class RecordedCall:
    """One Web API (or response_url) call in full: what came in and what went out."""

    seq: int
    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    content_type: str
    at: datetime
    monotonic: float
    status: int = 0
    response: dict[str, Any] | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    fault: Fault | None = None
    body: bytes = field(default=b"", repr=False)

    @property
    def ok(self) -> bool:
        """True when Slack answered 200 with `ok: true`."""
        return self.status == 200 and bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The `error` code of an `ok: false` answer."""
        return None if self.response is None else self.response.get("error")


Where = Callable[[RecordedCall], bool]


class Recorder:
    """Keeps calls in arrival order; `wait_for` blocks on a condition variable, never a fixed sleep."""

    def __init__(self) -> None:
        self._calls: list[RecordedCall] = []
        self._changed = threading.Condition()
        self._seq = 0

    def next_seq(self) -> int:
        """A sequence number for a call being built."""
        with self._changed:
            self._seq += 1
            return self._seq

    def add(self, call: RecordedCall) -> None:
        """Record a finished call and wake waiters."""
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Recorded calls, optionally only one method's."""
        with self._changed:
            return [c for c in self._calls if method is None or c.method == method]

    def reset(self) -> None:
        """Forget every recorded call."""
        with self._changed:
            self._calls.clear()

    def wait_for(self, method: str, where: Where | None = None, timeout: float = 5.0) -> RecordedCall:
        """The first recorded call of `method` matching `where`, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                match = next((c for c in self._calls if c.method == method and (where is None or where(c))), None)
                if match is not None:
                    return match
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self._calls]
                    raise TimeoutError(f"no {method} call matched within {timeout} s; calls so far: {seen}")
                self._changed.wait(remaining)
