"""Each person's Slack locale (`users.info` with `include_locale`), cached briefly per user."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

CACHE_SECONDS = 600.0  # people rarely switch language; ten minutes keeps users.info off the hot path


class Locales:
    """`users.info` answers `locale` (e.g. `ja-JP`) only when asked with include_locale=true."""

    def __init__(self, client: WebClient, *, ttl: float = CACHE_SECONDS) -> None:
        self.client = client
        self.ttl = ttl
        self._cache: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def cached(self, user_id: str) -> str | None:
        """The locale if looked up recently; never calls Slack (for paths that must ack first)."""
        with self._lock:
            hit = self._cache.get(user_id)
        return hit[1] if hit and time.monotonic() - hit[0] < self.ttl else None

    def locale(self, user_id: str) -> str | None:
        """The person's locale; None (English) when Slack does not say or cannot be reached."""
        with self._lock:
            hit = self._cache.get(user_id)
        if hit and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        try:
            user = self.client.users_info(user=user_id, include_locale=True)["user"]
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.info("users.info for %s failed; answering in English: %s", user_id, exc)
            return None
        found = user.get("locale") if isinstance(user, dict) else None
        locale = str(found) if isinstance(found, str) and found else None
        with self._lock:
            self._cache[user_id] = (time.monotonic(), locale)
        return locale
