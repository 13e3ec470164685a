"""response_url sinks: each usable 5 times within 30 minutes of the shared clock."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_standin.clock import Clock
from slack_standin.web_api.errors import ApiError

MAX_USES = 5
LIFETIME = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class ResponseContext:
    """Where a response_url answers: the user, the channel and (for buttons) the message."""

    user_id: str
    channel_id: str
    message_ts: str | None = None


@dataclass(slots=True)
class _Url:
    context: ResponseContext
    minted_at: datetime
    uses: int = 0


class ResponseUrls:
    """Mints response_url ids and enforces Slack's use and age limits."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._urls: dict[str, _Url] = {}
        self._lock = threading.Lock()

    def mint(self, context: ResponseContext) -> str:
        """A new id for `/response_url/<id>`."""
        url_id = secrets.token_hex(8)
        with self._lock:
            self._urls[url_id] = _Url(context, self._clock.now())
        return url_id

    def use(self, url_id: str) -> ResponseContext:
        """Count one use; 404 `used_url` after 5 uses, `expired_url` after 30 minutes."""
        with self._lock:
            url = self._urls.get(url_id)
            if url is None:
                raise ApiError("invalid_url", status=404)
            if self._clock.now() - url.minted_at > LIFETIME:
                raise ApiError("expired_url", status=404)
            if url.uses >= MAX_USES:
                raise ApiError("used_url", status=404)
            url.uses += 1
            return url.context
