"""The bodies Slack sends to the bot: slash commands, block_actions, view_submission, events."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, in the fields every payload repeats."""

    team_id: str
    team_domain: str
    user_id: str
    user_name: str
    api_app_id: str
    token: str

    def user(self) -> dict[str, Any]:
        """The payload's `user` object."""
        return {"id": self.user_id, "username": self.user_name, "name": self.user_name, "team_id": self.team_id}

    def team(self) -> dict[str, Any]:
        """The payload's `team` object."""
        return {"id": self.team_id, "domain": self.team_domain}


def slash_command_body(
    actor: Actor,
    *,
    command: str,
    text: str,
    channel_id: str,
    channel_name: str,
    response_url: str,
    trigger_id: str,
) -> str:
    """The form body of a slash command, field order as Slack sends it."""
    fields = {
        "token": actor.token,
        "team_id": actor.team_id,
        "team_domain": actor.team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": actor.user_id,
        "user_name": actor.user_name,
        "command": command,
        "text": text,
        "api_app_id": actor.api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields)


def interaction_body(payload: dict[str, Any]) -> str:
    """An interactivity request: the JSON payload in a `payload=` form field."""
    return urlencode({"payload": json.dumps(payload)})


def _common(kind: str, actor: Actor, trigger_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "team": actor.team(),
        "user": actor.user(),
        "api_app_id": actor.api_app_id,
        "token": actor.token,
        "trigger_id": trigger_id,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_submission(actor: Actor, view: dict[str, Any], trigger_id: str) -> dict[str, Any]:
    """A view_submission payload carrying the whole view with its state."""
    return {**_common("view_submission", actor, trigger_id), "view": copy.deepcopy(view), "response_urls": []}


def view_closed(actor: Actor, view: dict[str, Any], trigger_id: str) -> dict[str, Any]:
    """A view_closed payload (sent only for views with notify_on_close)."""
    return {**_common("view_closed", actor, trigger_id), "view": copy.deepcopy(view), "is_cleared": False}


def view_actions(actor: Actor, view: dict[str, Any], action: dict[str, Any], trigger_id: str) -> dict[str, Any]:
    """block_actions from a modal or Home tab: container type view, no channel or message."""
    return {
        **_common("block_actions", actor, trigger_id),
        "container": {"type": "view", "view_id": view["id"]},
        "view": copy.deepcopy(view),
        "actions": [action],
    }


def message_actions(
    actor: Actor,
    *,
    channel: dict[str, Any],
    message: dict[str, Any],
    action: dict[str, Any],
    trigger_id: str,
    response_url: str,
    ephemeral: bool = False,
) -> dict[str, Any]:
    """block_actions from a message button or select (SLACK-FACTS D3); an ephemeral one says so."""
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": channel["id"],
        "is_ephemeral": ephemeral,
    }
    if message.get("thread_ts"):
        container["thread_ts"] = message["thread_ts"]
    return {
        **_common("block_actions", actor, trigger_id),
        "container": container,
        "channel": channel,
        "message": copy.deepcopy(message),
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }


def message_shortcut(
    actor: Actor,
    *,
    callback_id: str,
    channel: dict[str, Any],
    message: dict[str, Any],
    trigger_id: str,
    response_url: str,
    action_ts: str,
) -> dict[str, Any]:
    """A message shortcut (`type: message_action`): the message as its channel shows it, where it is,
    and a trigger_id and response_url, as Slack sends it from a message's "More actions" menu."""
    return {
        **_common("message_action", actor, trigger_id),
        "callback_id": callback_id,
        "action_ts": action_ts,
        "message_ts": message["ts"],
        "channel": channel,
        "message": copy.deepcopy(message),
        "response_url": response_url,
    }


def event_envelope(actor: Actor, *, bot_user_id: str, event: dict[str, Any], event_id: str, now: int) -> str:
    """An Events API `event_callback` JSON body."""
    authorization = {
        "enterprise_id": None,
        "team_id": actor.team_id,
        "user_id": bot_user_id,
        "is_bot": True,
        "is_enterprise_install": False,
    }
    envelope = {
        "token": actor.token,
        "team_id": actor.team_id,
        "api_app_id": actor.api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": now,
        "authorizations": [authorization],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope)
