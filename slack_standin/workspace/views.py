"""Open modals (a stack of at most 3 per user) and published Home tabs, stored as Slack returns them."""

from __future__ import annotations

import copy
import itertools
import secrets
from typing import Any

from slack_standin.web_api.errors import ApiError

View = dict[str, Any]
MAX_STACK = 3


class ViewStore:
    """Every live view by id, each user's modal stack and Home tab; closed views are forgotten."""

    def __init__(self, *, team_id: str, app_id: str, bot_id: str) -> None:
        self._identity = {"team_id": team_id, "app_id": app_id, "app_installed_team_id": team_id}
        self._bot_id = bot_id
        self._views: dict[str, View] = {}
        self._owner: dict[str, str] = {}
        self._stacks: dict[str, list[str]] = {}
        self._home: dict[str, str] = {}
        self._ids = itertools.count(1)

    def open(self, user_id: str, view: View) -> View:
        """Open a modal as the root of a new stack (any earlier stack is closed)."""
        self.clear(user_id)
        stored = self._store(user_id, view, view_id=None, root=None, previous=None)
        self._stacks[user_id] = [stored["id"]]
        return copy.deepcopy(stored)

    def push(self, user_id: str, view: View) -> View:
        """Push a modal on the user's stack; a fourth view is `push_limit_reached`."""
        stack = self._stacks.setdefault(user_id, [])
        if len(stack) >= MAX_STACK:
            raise ApiError("push_limit_reached")
        root = stack[0] if stack else None
        previous = stack[-1] if stack else None
        stored = self._store(user_id, view, view_id=None, root=root, previous=previous)
        stack.append(stored["id"])
        return copy.deepcopy(stored)

    def update(self, view: View, *, view_id: str | None, external_id: str | None, hash: str | None) -> View:
        """Replace a live view in place: same id and stack position, new hash, kept input state."""
        target = view_id or self._by_external(external_id)
        current = self._views.get(target or "")
        if current is None:
            raise ApiError("not_found")
        if hash is not None and hash != current["hash"]:
            raise ApiError("hash_conflict")
        old_state = current["state"]["values"]
        stored = self._store(
            self._owner[current["id"]],
            view,
            view_id=current["id"],
            root=current["root_view_id"],
            previous=current["previous_view_id"],
        )
        stored["state"]["values"] = _kept_state(old_state, stored["blocks"])
        return copy.deepcopy(stored)

    def publish(self, user_id: str, view: View, *, hash: str | None) -> View:
        """Publish (or republish) the user's Home tab."""
        current = self._views.get(self._home.get(user_id, ""))
        if current is not None and hash is not None and hash != current["hash"]:
            raise ApiError("hash_conflict")
        view_id = current["id"] if current else None
        stored = self._store(user_id, view, view_id=view_id, root=None, previous=None)
        self._home[user_id] = stored["id"]
        return copy.deepcopy(stored)

    def get(self, view_id: str) -> View | None:
        """A live view (the stored object itself; callers hold the sandbox lock)."""
        return self._views.get(view_id)

    def owner(self, view_id: str) -> str | None:
        """The user a live view belongs to."""
        return self._owner.get(view_id)

    def stack(self, user_id: str) -> list[View]:
        """Copies of the user's open modals, root first."""
        return [copy.deepcopy(self._views[i]) for i in self._stacks.get(user_id, [])]

    def home(self, user_id: str) -> View | None:
        """A copy of the user's published Home tab."""
        view = self._views.get(self._home.get(user_id, ""))
        return copy.deepcopy(view) if view else None

    def close(self, user_id: str, view_id: str) -> None:
        """Close one modal and every modal above it (Slack pops back to the previous view)."""
        stack = self._stacks.get(user_id, [])
        if view_id in stack:
            for closed in stack[stack.index(view_id) :]:
                self._forget(closed)
            del stack[stack.index(view_id) :]

    def clear(self, user_id: str) -> None:
        """Close the user's whole modal stack."""
        for view_id in self._stacks.pop(user_id, []):
            self._forget(view_id)

    def _store(self, user_id: str, view: View, *, view_id: str | None, root: str | None, previous: str | None) -> View:
        external_id = view.get("external_id", "")
        if external_id and self._by_external(external_id) not in (None, view_id):
            raise ApiError("duplicate_external_id")
        new_id = view_id or f"V{next(self._ids):08d}"
        stored: View = {
            "id": new_id,
            **self._identity,
            "type": view.get("type"),
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{next(self._ids)}.{secrets.token_hex(4)}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root or new_id,
            "previous_view_id": previous,
            "external_id": external_id,
            "bot_id": self._bot_id,
        }
        for key in ("title", "submit", "close", "submit_disabled"):
            if key in view:
                stored[key] = copy.deepcopy(view[key])
        self._views[new_id] = stored
        self._owner[new_id] = user_id
        return stored

    def _by_external(self, external_id: str | None) -> str | None:
        if not external_id:
            return None
        return next((i for i, v in self._views.items() if v.get("external_id") == external_id), None)

    def _forget(self, view_id: str) -> None:
        self._views.pop(view_id, None)
        self._owner.pop(view_id, None)


def _kept_state(old: dict[str, Any], blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """Slack keeps what a user entered when the block_id and action_id survive an update."""
    kept: dict[str, Any] = {}
    for block in blocks:
        element = block.get("element") if isinstance(block, dict) else None
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if not isinstance(element, dict) or block_id not in old:
            continue
        action_id = element.get("action_id")
        entry = old[block_id].get(action_id)
        if entry is not None and entry.get("type") == element.get("type"):
            kept[block_id] = {action_id: entry}
    return kept
