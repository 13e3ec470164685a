"""trigger_id minting and exchange: valid for 3 s, usable once.

Slack's 3 s are real seconds: a trigger also expires when 3 s pass on the shared clock (a test may
fast-forward it), but a frozen or slow test clock never stretches its life.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_standin.clock import Clock
from slack_standin.web_api.errors import ApiError

TRIGGER_LIFETIME = timedelta(seconds=3)


@dataclass(slots=True)
class _Trigger:
    user_id: str
    minted_at: datetime
    minted_monotonic: float
    used: bool = False


class TriggerRegistry:
    """Remembers every trigger_id handed to the bot, whom it belongs to and when it was minted."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._triggers: dict[str, _Trigger] = {}
        self._seq = itertools.count(1111)
        self._lock = threading.Lock()

    def mint(self, user_id: str) -> str:
        """A new trigger_id like `1111.1732500000.abcd1234` for an interaction by `user_id`."""
        now = self._clock.now()
        with self._lock:
            trigger_id = f"{next(self._seq)}.{int(now.timestamp())}.{secrets.token_hex(4)}"
            self._triggers[trigger_id] = _Trigger(user_id, now, time.monotonic())
        return trigger_id

    def exchange(self, trigger_id: str) -> str:
        """Use a trigger_id once and return its user; raises the Slack error otherwise."""
        with self._lock:
            trigger = self._triggers.get(trigger_id)
            if trigger is None:
                raise ApiError("invalid_trigger_id")
            if trigger.used:
                raise ApiError("exchanged_trigger_id")
            real_age = timedelta(seconds=time.monotonic() - trigger.minted_monotonic)
            if max(self._clock.now() - trigger.minted_at, real_age) > TRIGGER_LIFETIME:
                raise ApiError("expired_trigger_id")
            trigger.used = True
            return trigger.user_id
