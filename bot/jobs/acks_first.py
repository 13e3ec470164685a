"""Acks first: a listener's kick of the job runner waits until the listener's own answer to Slack has been
written.

Web and runner share one interpreter (`serve --role all`, the default). A listener commits (a case and its
`case.opened` job), calls `ack()`, and kicks the runner so the follow-up starts at once; but the answer
is written a little later, by the thread Bolt's ack poll wakes (every 10 ms). A runner kicked at `ack()`
was busy posting the case exactly then, holding the interpreter lock the answer needed (open loop at
10/s: submission p99 1.3-1.5x the bare-Bolt floor, against 1.0x at p50). Held until the answer is out,
the kick costs the follow-up a few milliseconds; with no Slack request in flight (a timer, a NOTIFY, a
Socket Mode event, or a `--role worker` process) a kick is immediate.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# The number of the Slack request the current thread works for; listener threads inherit it (Bolt's
# listener pools run with the request's context: bot.slack.app.ContextExecutor).
_ANSWERING: contextvars.ContextVar[int | None] = contextvars.ContextVar("answering", default=None)


class AcksFirst:
    """The Slack requests this process is answering, and the kicks held until their answers are out."""

    def __init__(self, kick: Callable[[], None]) -> None:
        self._kick = kick
        self._lock = threading.Lock()
        self._arrived = 0
        self._in_flight: set[int] = set()
        self._held: set[int] = set()  # requests whose listener kicked before the answer was written
        self.held = 0  # kicks held until an answer went out (tests and the benchmark read this)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @contextmanager
    def answering(self) -> Iterator[int]:
        """While a Slack request is being handled: its number, inherited by the listeners it runs. The
        caller calls `answered(number)` once the answer has been written."""
        with self._lock:
            self._arrived += 1
            number = self._arrived
            self._in_flight.add(number)
        token = _ANSWERING.set(number)
        try:
            yield number
        finally:
            _ANSWERING.reset(token)

    def answered(self, number: int) -> None:
        """Request `number`'s answer has been written (or it failed): a kick it held goes now."""
        with self._lock:
            self._in_flight.discard(number)
            held = number in self._held
            self._held.discard(number)
        if held:
            self._fire()

    def kick(self) -> None:
        """Kick the runner: now, or, from a listener whose answer is still to be written, once it is."""
        number = _ANSWERING.get()
        if number is not None:
            with self._lock:
                if number in self._in_flight:
                    self._held.add(number)
                    self.held += 1
                    return
        self._fire()

    def _fire(self) -> None:
        self._kick()
