"""The auditor: notices what would otherwise fail silently — timers running late, this replica's
tick loop stalled, the database unreachable — and tells the leads' channel within a minute.

It runs on its own thread (bot/jobs/watchdog.py), not on the scheduler it watches. A finding is
reported once: per oldest late job across replicas (a key in the store), per stall of this replica,
and per database outage of this replica (the store cannot deduplicate what it cannot reach).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.case import human_id
from bot.domain.job import Backlog
from bot.services.ports import DeliveryError, OpsAlerts
from bot.store.store import Store, StoreUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AuditLimits:
    """When the auditor speaks up. With the defaults a stall is reported within 30 s + one round."""

    every: timedelta = timedelta(seconds=10)
    late_after: timedelta = timedelta(seconds=30)  # a pending job this late means nobody is running jobs
    stalled_after: timedelta = timedelta(seconds=30)  # no finished tick for this long on this replica
    store_down_after: timedelta = timedelta(seconds=20)


@dataclass
class Health:
    """What the last audit saw; /readyz and /metrics read it."""

    checked_at: datetime | None = None
    backlog: Backlog | None = None
    store_error: str | None = None
    store_down_since: datetime | None = None
    tick_age: timedelta | None = None
    findings: list[str] = field(default_factory=list)


@dataclass
class Auditor:
    store: Store
    alerts: OpsAlerts
    channel_id: str
    now: Callable[[], datetime]  # the bot's clock: due times are on it
    wall_now: Callable[[], datetime]  # the machine's clock: ticks and leases are on it
    last_tick_at: Callable[[], datetime | None]
    worker: str
    limits: AuditLimits = field(default_factory=AuditLimits)
    on_backlog: Callable[[Backlog, datetime], None] | None = None
    health: Health = field(default_factory=Health)
    started_at: datetime | None = None
    _reported_stall: datetime | None = None
    _reported_outage: datetime | None = None

    def check(self) -> list[str]:
        """One audit round; returns what it reported (also kept in `health.findings`)."""
        now, wall = self.now(), self.wall_now()
        if self.started_at is None:
            self.started_at = wall
        findings: list[str] = []
        findings += self._check_store(now, wall)
        findings += self._check_tick(wall)
        self.health.checked_at = wall
        self.health.findings = findings
        return findings

    def _check_store(self, now: datetime, wall: datetime) -> list[str]:
        try:
            with self.store.read() as tx:
                backlog = tx.jobs.backlog(now=now, wall_now=wall, late_after=self.limits.late_after)
        except StoreUnavailable as exc:
            return self._store_down(str(exc), wall)
        findings = self._store_back(wall)
        self.health.backlog = backlog
        if self.on_backlog is not None:
            self.on_backlog(backlog, now)
        late = backlog.lateness(now)
        if backlog.oldest_id is None or late <= self.limits.late_after:
            return findings
        text = (
            f":rotating_light: *Escalation timers are running late.* {backlog.overdue} job(s) are overdue; the oldest "
            f"({backlog.oldest_kind}{self._case_hint(backlog)}) was due {_span(late)} ago. Pages may not be going out: "
            "check that a replica is running and ready (`/readyz`), and its logs."
        )
        if self._first_time(f"audit:late:{backlog.oldest_id}", now):
            findings.append(text)
            self._tell(text)
        return findings

    def _case_hint(self, backlog: Backlog) -> str:
        return f", case {human_id(self.store.prefix, backlog.oldest_case_id)}" if backlog.oldest_case_id else ""

    def _check_tick(self, wall: datetime) -> list[str]:
        last = self.last_tick_at() or self.started_at
        assert last is not None
        age = wall - last
        self.health.tick_age = age
        if age <= self.limits.stalled_after:
            self._reported_stall = None
            return []
        if self._reported_stall == last:
            return []
        self._reported_stall = last
        text = (
            f":rotating_light: *The job loop of replica `{self.worker}` has stalled:* no tick has finished for "
            f"{_span(age)}. Other replicas keep running jobs; if this is the only one, pages are not going out. "
            "Restart it (it is not ready on `/readyz`)."
        )
        log.error("tick stalled for %s on %s", _span(age), self.worker)
        self._tell(text)
        return [text]

    def _store_down(self, error: str, wall: datetime) -> list[str]:
        self.health.store_error = error
        since = self.health.store_down_since or wall
        self.health.store_down_since = since
        log.error("database unreachable for %s: %s", _span(wall - since), error)
        if wall - since < self.limits.store_down_after or self._reported_outage == since:
            return []
        self._reported_outage = since
        text = (
            f":rotating_light: *The database has been unreachable for {_span(wall - since)}* from replica "
            f"`{self.worker}`. New escalations are refused with a request to try again, and timers wait: nothing "
            "accepted is lost, and pages go out when it is back."
        )
        self._tell(text)
        return [text]

    def _store_back(self, wall: datetime) -> list[str]:
        since, reported = self.health.store_down_since, self._reported_outage
        self.health.store_error = None
        self.health.store_down_since = None
        if since is None or reported != since:
            return []
        text = (
            f":white_check_mark: The database is reachable again after {_span(wall - since)}; timers are catching up."
        )
        self._tell(text)
        return [text]

    def _first_time(self, key: str, now: datetime) -> bool:
        try:
            with self.store.transaction() as tx:
                return tx.first_time(key, now=now)
        except StoreUnavailable:
            return True

    def _tell(self, text: str) -> None:
        log.warning("auditor: %s", text)
        try:
            self.alerts.alert_ops(text, channel_id=self.channel_id)
        except DeliveryError as exc:  # logged above; the next round tries a new finding again
            log.error("auditor could not post to %s: %s", self.channel_id, exc.reason)


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
