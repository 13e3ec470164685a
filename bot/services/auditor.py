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
from bot.services.ports import DeliveryError, OpsAlerts, OpsKind, OpsNotice
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
    # From this replica's heartbeat: seconds its writes have been refused, and its clock's offset.
    writes_failing_for: Callable[[], float | None] | None = None
    clock_skew: Callable[[], timedelta | None] | None = None
    started_at: datetime | None = None
    _started_now: datetime | None = None  # the bot's clock at the first round: catch-up starts here
    _reported_locked: bool = False
    _reported_skew: bool = False
    _reported_stall: datetime | None = None
    _reported_outage: datetime | None = None
    _store_down_since: datetime | None = None

    def check(self) -> list[OpsNotice]:
        """One audit round; returns what it reported."""
        now, wall = self.now(), self.wall_now()
        if self.started_at is None:
            self.started_at, self._started_now = wall, now
        return self._check_store(now, wall) + self._check_tick(wall) + self._check_writes() + self._check_clock()

    def _check_writes(self) -> list[OpsNotice]:
        """Once per episode: the store is reachable but refuses this replica's writes (locked, slow)."""
        failing = self.writes_failing_for() if self.writes_failing_for is not None else None
        if failing is None:
            self._reported_locked = False
            return []
        if failing < self.limits.store_down_after.total_seconds() / 2 or self._reported_locked:
            return []
        self._reported_locked = True
        return self._tell(OpsNotice(kind=OpsKind.STORE_LOCKED, worker=self.worker, duration=timedelta(seconds=failing)))

    def _check_clock(self) -> list[OpsNotice]:
        """Once per episode: this machine's clock is off from the database's by more than the limit."""
        skew = self.clock_skew() if self.clock_skew is not None else None
        if skew is None:
            self._reported_skew = False
            return []
        if self._reported_skew:
            return []
        self._reported_skew = True
        return self._tell(OpsNotice(kind=OpsKind.CLOCK_SKEW, worker=self.worker, duration=abs(skew)))

    def _check_store(self, now: datetime, wall: datetime) -> list[OpsNotice]:
        try:
            backlog = self.store.backlog(now=now, wall_now=wall, late_after=self.limits.late_after)
        except StoreUnavailable as exc:
            return self._store_down(str(exc), wall)
        findings = self._store_back(wall)
        if self.on_backlog is not None:
            self.on_backlog(backlog, now)
        late = backlog.lateness(now)
        if backlog.oldest_due_at is not None and self._started_now is not None:
            # Work due before this process started is catch-up: late only if still waiting
            # `late_after` after the start, never "due 7 h ago" for a bot that was not running.
            late = min(late, now - self._started_now)
        if backlog.oldest_id is None or late <= self.limits.late_after:
            return findings
        if self._first_time(f"audit:late:{backlog.oldest_id}", now):
            findings += self._tell(
                OpsNotice(
                    kind=OpsKind.TIMERS_LATE,
                    worker=self.worker,
                    duration=late,
                    overdue=backlog.overdue,
                    job_kind=backlog.oldest_kind or "",
                    case_id=human_id(self.store.prefix, backlog.oldest_case_id) if backlog.oldest_case_id else "",
                )
            )
        return findings

    def _check_tick(self, wall: datetime) -> list[OpsNotice]:
        last = self.last_tick_at() or self.started_at
        assert last is not None
        age = wall - last
        if age <= self.limits.stalled_after:
            self._reported_stall = None
            return []
        if self._reported_stall == last:
            return []
        self._reported_stall = last
        return self._tell(OpsNotice(kind=OpsKind.TICK_STALLED, worker=self.worker, duration=age))

    def _store_down(self, error: str, wall: datetime) -> list[OpsNotice]:
        since = self._store_down_since = self._store_down_since or wall
        log.error("database unreachable for %.0f s: %s", (wall - since).total_seconds(), error)
        if wall - since < self.limits.store_down_after or self._reported_outage == since:
            return []
        self._reported_outage = since
        return self._tell(OpsNotice(kind=OpsKind.STORE_DOWN, worker=self.worker, duration=wall - since))

    def _store_back(self, wall: datetime) -> list[OpsNotice]:
        since, reported = self._store_down_since, self._reported_outage
        self._store_down_since = None
        if since is None or reported != since:
            return []
        return self._tell(OpsNotice(kind=OpsKind.STORE_BACK, worker=self.worker, duration=wall - since))

    def _first_time(self, key: str, now: datetime) -> bool:
        try:
            with self.store.transaction() as tx:
                return tx.first_time(key, now=now)
        except StoreUnavailable:
            return True

    def _tell(self, notice: OpsNotice) -> list[OpsNotice]:
        log.warning(
            "auditor: %s worker=%s for=%.0fs case=%s", notice.kind, notice.worker, notice.duration.total_seconds(),
            notice.case_id or "-",
        )  # fmt: skip
        try:
            self.alerts.alert_ops(notice, channel_id=self.channel_id)
        except DeliveryError as exc:  # logged above; the next round tries a new finding again
            log.error("auditor could not post to %s: %s", self.channel_id, exc.reason)
        return [notice]
