"""Private calendar subscription URLs: issue, revoke, and serve one person's always-current shifts.

The URL carries a random token; the store keeps only its SHA-256, so the feed is found by hashing
what the request brings. A new URL revokes the old one; `revoke` turns the feed off.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config.model import Config
from bot.store.store import Store

PAST = timedelta(days=7)  # recent shifts stay in the calendar for a week
AHEAD = timedelta(days=90)
PATH = "/calendar/{token}.ics"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class CalendarFeeds:
    """Issues and serves calendar feeds."""

    config: Config
    store: Store

    def issue(self, user_id: str, *, now: datetime) -> str:
        """A new private path for `user_id` (the old one stops working)."""
        token = secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            tx.calendar_feeds.issue(user_id, token_hash=token_hash(token), now=now)
            tx.audit.add(kind="calendar_feed_issued", subject=f"user:{user_id}", now=now, actor_id=user_id, data={})
        return PATH.format(token=token)

    def revoke(self, user_id: str, *, now: datetime) -> bool:
        with self.store.transaction() as tx:
            revoked = tx.calendar_feeds.revoke(user_id, now=now) > 0
            if revoked:
                tx.audit.add(
                    kind="calendar_feed_revoked", subject=f"user:{user_id}", now=now, actor_id=user_id, data={}
                )
        return revoked

    def live_since(self, user_id: str) -> datetime | None:
        with self.store.read() as tx:
            return tx.calendar_feeds.live_since(user_id)

    def render(self, token: str, *, now: datetime) -> bytes | None:
        """The feed for a token from a URL (None: no such live feed), current with every override."""
        from bot.oncall_export import person_calendar  # icalendar only when a calendar is asked for

        if not token or len(token) > 100:
            return None
        with self.store.read() as tx:
            user_id = tx.calendar_feeds.owner(token_hash(token))
            if user_id is None:
                return None
            overrides = {s: tuple(tx.overrides.active(s, ending_after=now - PAST)) for s in self.config.schedules}
            changes = {
                s: tx.overrides.changes(s, ending_after=now - PAST - timedelta(days=40)) for s in self.config.schedules
            }
        return person_calendar(
            self.config,
            user_id,
            start_at=now - PAST,
            end_at=now + AHEAD,
            overrides=overrides,
            changes=changes,
            stamp=now,
        )
