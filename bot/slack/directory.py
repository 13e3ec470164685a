"""The Directory port on Slack: e-mails to user ids, user groups to members (cached briefly)."""

from __future__ import annotations

import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.delivery import as_delivery_error

CACHE_SECONDS = 300.0


class SlackDirectory:
    """Reads with the SDK's own retries (429, 5xx); answers cached for five minutes."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._cache: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def _cached(self, key: str) -> object | None:
        with self._lock:
            hit = self._cache.get(key)
        return hit[1] if hit and time.monotonic() - hit[0] < CACHE_SECONDS else None

    def _keep(self, key: str, value: object) -> None:
        with self._lock:
            self._cache[key] = (time.monotonic(), value)

    def user_for_email(self, email: str) -> str | None:
        key = f"email:{email.lower()}"
        hit = self._cached(key)
        if isinstance(hit, str):
            return hit
        try:
            response = self.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            if exc.response is not None and exc.response.get("error") == "users_not_found":
                return None
            raise as_delivery_error("users.lookupByEmail", exc) from exc
        except (SlackClientError, OSError) as exc:
            raise as_delivery_error("users.lookupByEmail", exc) from exc
        user_id = str(response["user"]["id"])
        self._keep(key, user_id)
        return user_id

    def usergroup_members(self, usergroup_id: str) -> tuple[str, ...]:
        key = f"group:{usergroup_id}"
        hit = self._cached(key)
        if isinstance(hit, tuple):
            return hit
        try:
            response = self.client.usergroups_users_list(usergroup=usergroup_id)
        except (SlackApiError, SlackClientError, OSError) as exc:
            raise as_delivery_error("usergroups.users.list", exc) from exc
        members = tuple(str(u) for u in response.get("users") or [])
        self._keep(key, members)
        return members
