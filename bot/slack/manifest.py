"""The Slack app manifest for this bot: scopes, the slash command, interactivity and events."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bot.config.model import Config
from bot.slack.ids import MESSAGE_SHORTCUT_CALLBACK

# Every Web API method the bot calls. A test reads the code and checks this list is exact.
METHODS_USED = frozenset(
    {
        "auth.test",
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.getPermalink",
        "conversations.history",
        "conversations.info",  # check-config --slack: each channel exists and the bot is in it
        "conversations.join",
        "conversations.open",
        "conversations.replies",
        "usergroups.users.list",
        "users.info",
        "users.lookupByEmail",
        "views.open",
        "views.publish",
        "views.update",
    }
)

# Bot scopes each method needs (Slack's method reference, "Required scopes").
SCOPES_BY_METHOD: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.getPermalink": frozenset(),
    "conversations.info": frozenset({"channels:read", "groups:read"}),
    "conversations.join": frozenset({"channels:join"}),
    "conversations.open": frozenset({"im:write"}),
    # Reading back a post whose answer was lost (public and private channels, DMs); the method
    # reference lists one history scope per conversation type.
    "conversations.history": frozenset({"channels:history", "groups:history", "im:history"}),
    "conversations.replies": frozenset({"channels:history", "groups:history", "im:history"}),
    "views.open": frozenset(),
    "views.update": frozenset(),
    "views.publish": frozenset(),
    "users.info": frozenset({"users:read"}),
    "users.lookupByEmail": frozenset({"users:read.email"}),
    "usergroups.users.list": frozenset({"usergroups:read"}),
    "reactions.add": frozenset({"reactions:write"}),
}

EVENTS_USED: frozenset[str] = frozenset({"app_home_opened"})


def bot_scopes() -> list[str]:
    """The least set of bot scopes: `commands` plus what the methods in use need."""
    scopes = {"commands"}
    for method in METHODS_USED:
        scopes |= SCOPES_BY_METHOD[method]
    return sorted(scopes)


def request_url_problem(url: str) -> str | None:
    """None for a URL Slack will call (https, with a host), else why not."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return f"--request-url {url!r}: Slack only calls https:// URLs"
    if not parts.hostname:
        return f"--request-url {url!r}: no host name"
    return None


def build_manifest(config: Config, *, request_url: str | None = None, socket_mode: bool = False) -> dict[str, Any]:
    """A manifest to paste into api.slack.com/apps: HTTP mode needs the public https request URL."""
    if not socket_mode:
        if request_url is None:
            raise ValueError("an HTTP-mode manifest needs the public request URL")
        problem = request_url_problem(request_url)
        if problem is not None:
            raise ValueError(problem)
    url = request_url or ""
    command: dict[str, Any] = {
        "command": config.app.slash_command,
        "description": "Escalate an ads policy question to the on-call specialists",
        "usage_hint": "[type] [what you need]",
        "should_escape": False,
    }
    oncall: dict[str, Any] = {
        "command": config.app.oncall_command,
        "description": "Who is on call now and next; cover for someone",
        "usage_hint": "[schedule [name] | override | overrides]",
        "should_escape": False,
    }
    policy: dict[str, Any] = {
        "command": config.app.policy_command,
        "description": "Find the policy guidance that answers your question",
        "usage_hint": "<your policy question>",
        "should_escape": False,
    }
    interactivity: dict[str, Any] = {"is_enabled": True}
    settings: dict[str, Any] = {
        "interactivity": interactivity,
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    if not socket_mode:
        command["url"] = url
        oncall["url"] = url
        policy["url"] = url
        interactivity["request_url"] = url
    if EVENTS_USED:
        events: dict[str, Any] = {"bot_events": sorted(EVENTS_USED)}
        if not socket_mode:
            events["request_url"] = url
        settings["event_subscriptions"] = events
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "Ad Escalations",
            "description": f"Escalation intake and on-call paging for {config.app.team}",
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": "ad-escalations", "always_online": True},
            "slash_commands": [command, oncall, policy],
            "shortcuts": [
                {
                    "name": "Escalate this message",
                    "type": "message",
                    "callback_id": MESSAGE_SHORTCUT_CALLBACK,
                    "description": "Open the escalation form prefilled from this message",
                }
            ],
        },
        "oauth_config": {"scopes": {"bot": bot_scopes()}},
        "settings": settings,
    }
