"""Daily digests as durable jobs: one key per channel per local day and time, sent once, late if need be.

Occurrences are enqueued ahead of time (PLAN_AHEAD), never behind `now`: a digest whose time passed
while the bot was down is still in the job table if a replica was running before it came due, and is
sent late then (if it is at most CATCH_UP old); a bot started for the first time after 09:00 has no
09:00 digest to catch up on, so it sends none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.config.model import Config
from bot.domain.digest import Digest
from bot.domain.digest_schedule import DigestSchedule, previous_on_channel, scheduled
from bot.domain.job import Job
from bot.services.digest_data import read_digest
from bot.store.effects import Effect
from bot.store.store import Store

DIGEST = "digest.send"
PLAN_AHEAD = timedelta(hours=36)
# A digest missed while every replica was down is still sent (marked late) if it is this recent.
CATCH_UP = timedelta(hours=20)
LATE_AFTER = timedelta(minutes=10)


class DigestSender(Protocol):
    """Posts a digest to its channel."""

    def post_digest(self, digest: Digest, *, channel_id: str) -> None: ...


def plan_occurrences(
    schedules: Sequence[DigestSchedule],
    *,
    kind: str,
    store: Store,
    now: datetime,
    ahead: timedelta,
) -> int:
    """Enqueue each occurrence from `now` to `now + ahead`; its key makes a second run add nothing.

    Nothing before `now` is enqueued: catching up is for occurrences a running bot planned earlier."""
    added = 0
    with store.transaction() as tx:
        for schedule in schedules:
            for day, at in schedule.occurrences(now, now + ahead):
                added += tx.jobs.enqueue(
                    kind=kind,
                    key=schedule.key(day),
                    due_at=at,
                    now=now,
                    payload={"channel": schedule.channel_id, "scheduled_at": at.isoformat()},
                    max_attempts=20,
                )
    return added


def plan_digests(*, config: Config, store: Store, now: datetime) -> int:
    """Enqueue every daily digest occurrence near `now` (idempotent)."""
    return plan_occurrences(config.app.digests, kind=DIGEST, store=store, now=now, ahead=PLAN_AHEAD)


@dataclass
class Digests:
    """The digest job handler."""

    config: Config
    store: Store
    sender: DigestSender
    clock: Callable[[], datetime]

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {DIGEST: self.send}

    def send(self, job: Job) -> Effect | None:
        channel = str(job.payload["channel"])
        scheduled_at = datetime.fromisoformat(str(job.payload["scheduled_at"]))
        now = self.clock()
        if scheduled(self.config.app.digests, channel, scheduled_at) is None or now - scheduled_at > CATCH_UP:
            return None  # no longer configured, or too old to be worth reading (a newer one follows)
        since = previous_on_channel(self.config.app.digests, channel, scheduled_at)
        digest = read_digest(
            self.store,
            self.config,
            now=now,
            since=since,
            late=now - scheduled_at > LATE_AFTER,
            channel_id=channel,
            scheduled_at=scheduled_at,
        )
        self.sender.post_digest(digest, channel_id=channel)
        return None


def digest_on_demand(config: Config, store: Store, *, now: datetime) -> Digest:
    """The same digest, for the asker, covering the last 24 hours."""
    return read_digest(
        store, config, now=now, since=now - timedelta(days=1), late=False, channel_id=config.app.leads_channel
    )
