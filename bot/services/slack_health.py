"""This replica's view of Slack: is the token refused, is Slack slow — shown, counted, never a 503."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from bot.observability import metrics

log = logging.getLogger(__name__)

PROBE_BASE = timedelta(seconds=2)
PROBE_CAP = timedelta(seconds=30)


class SlackHealth:
    """Thread-safe. Auth failures hold every send until a probe (the next job) gets through, with
    backoff; slow periods are noted, and `on_recovered` hears how long Slack was slow or refused us."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self.refused_with: str | None = None
        self._auth_since: float | None = None
        self._failures = 0
        self._probe_at = 0.0
        self._slow_since: float | None = None
        self._slow_method: str | None = None
        self.on_recovered: list[Callable[[str, timedelta], None]] = []

    def token_refused(self, error: str) -> None:
        """Slack refused the token: hold sends, probe again after a growing pause."""
        with self._lock:
            first = self.refused_with is None
            self.refused_with = error
            now = self._monotonic()
            if self._auth_since is None:
                self._auth_since = now
            pause = min(PROBE_CAP, PROBE_BASE * (1 << min(10, self._failures)))
            self._failures += 1
            self._probe_at = now + pause.total_seconds()
        metrics.slack_auth_failed(error)
        if first:
            log.error("slack_auth_failed error=%s: every send is held until the token works again", error)

    def may_send(self) -> bool:
        """False while the token is refused and the next probe is not yet due."""
        with self._lock:
            return self.refused_with is None or self._monotonic() >= self._probe_at

    @property
    def probing(self) -> bool:
        with self._lock:
            return self.refused_with is not None

    def slow(self, method: str) -> None:
        """A call ran past its deadline (Slack slow or unreachable)."""
        metrics.slack_slow(method)
        with self._lock:
            first = self._slow_since is None
            if first:
                self._slow_since = self._monotonic()
                self._slow_method = method
        if first:
            log.warning("slack_slow method=%s: a call ran past its deadline; sends retry", method)

    def answered(self) -> None:
        """A call got Slack's answer: the token works and Slack responds."""
        recovered: list[tuple[str, timedelta]] = []
        with self._lock:
            now = self._monotonic()
            if self.refused_with is not None and self._auth_since is not None:
                recovered.append((f"token refused ({self.refused_with})", timedelta(seconds=now - self._auth_since)))
            if self._slow_since is not None:
                recovered.append(
                    (f"slow or unreachable ({self._slow_method})", timedelta(seconds=now - self._slow_since))
                )
            self.refused_with, self._auth_since, self._failures, self._probe_at = None, None, 0, 0.0
            self._slow_since = self._slow_method = None
        for what, lasted in recovered:
            log.warning("slack_recovered after=%ss: %s", round(lasted.total_seconds()), what)
            for listener in list(self.on_recovered):
                listener(what, lasted)

    def describe(self) -> str:
        """`ok`, `auth_failed: <error>` or `slow: <method> for N s` — shown on /readyz."""
        with self._lock:
            if self.refused_with is not None:
                return f"auth_failed: {self.refused_with}"
            if self._slow_since is not None:
                return f"slow: {self._slow_method} for {self._monotonic() - self._slow_since:.0f} s"
            return "ok"
