"""Messages of the virtual workspace: channels, threads, ephemerals, and how `ts` values are made."""

from __future__ import annotations

import copy
import threading
from typing import Any

from slack_standin.clock import Clock

Message = dict[str, Any]


class TsSource:
    """Unique, increasing Slack `ts` strings ("1732500000.000100") from the shared clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        """The next `ts`: the clock's time in 100 µs steps, bumped past the previous one."""
        with self._lock:
            micros = int(self._clock.now().timestamp() * 1_000_000) // 100 * 100
            self._last = max(micros, self._last) + 100
            seconds, fraction = divmod(self._last, 1_000_000)
            return f"{seconds}.{fraction:06d}"


class MessageLog:
    """Every channel's messages by `ts`, with thread bookkeeping as Slack shows it."""

    def __init__(self) -> None:
        self._by_channel: dict[str, dict[str, Message]] = {}
        self.ephemeral: list[Message] = []

    def add(self, channel_id: str, message: Message) -> Message:
        """Store a message; a reply updates its parent's `reply_count`, `reply_users`, `latest_reply`."""
        self._by_channel.setdefault(channel_id, {})[message["ts"]] = message
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            parent = self._by_channel[channel_id][thread_ts]
            parent["thread_ts"] = thread_ts
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            users = parent.setdefault("reply_users", [])
            author = message.get("user", "")
            if author not in users:
                users.append(author)
            parent["reply_users_count"] = len(users)
            parent["latest_reply"] = message["ts"]
            message["parent_user_id"] = parent.get("user", "")
        return message

    def all(self) -> list[tuple[str, Message]]:
        """(channel id, message) for every message kept, replies included."""
        return [(channel, m) for channel, messages in self._by_channel.items() for m in messages.values()]

    def get(self, channel_id: str, ts: str) -> Message | None:
        """The stored message (live object) or None."""
        return self._by_channel.get(channel_id, {}).get(ts)

    def find(self, ts: str) -> tuple[str, Message] | None:
        """Find a message by `ts` in any channel."""
        for channel_id, messages in self._by_channel.items():
            if ts in messages:
                return channel_id, messages[ts]
        return None

    def thread_root(self, channel_id: str, ts: str) -> str | None:
        """The ts of the thread `ts` belongs to (a reply's parent, or itself); None if unknown."""
        message = self.get(channel_id, ts)
        if message is None:
            return None
        return str(message.get("thread_ts") or ts)

    def top_level(self, channel_id: str) -> list[Message]:
        """Channel history, oldest first: roots, plain messages and broadcast replies."""
        return [
            copy.deepcopy(m)
            for m in self._by_channel.get(channel_id, {}).values()
            if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
        ]

    def thread(self, channel_id: str, thread_ts: str) -> list[Message]:
        """The parent followed by its replies, oldest first (like conversations.replies)."""
        messages = self._by_channel.get(channel_id, {})
        parent = messages.get(thread_ts)
        if parent is None:
            return []
        replies = [m for m in messages.values() if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts]
        return [copy.deepcopy(m) for m in [parent, *replies]]

    def delete(self, channel_id: str, ts: str) -> None:
        """Remove a message; a thread parent with replies leaves a tombstone, as in Slack."""
        messages = self._by_channel.get(channel_id, {})
        message = messages.get(ts)
        if message is None:
            return
        if message.get("reply_count"):
            message.update({"subtype": "tombstone", "text": "This message was deleted.", "blocks": []})
            return
        del messages[ts]
        thread_ts = message.get("thread_ts")
        parent = messages.get(thread_ts) if thread_ts and thread_ts != ts else None
        if parent is not None:
            parent["reply_count"] = max(0, parent.get("reply_count", 1) - 1)
