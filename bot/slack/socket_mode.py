"""Socket Mode: for workspaces where the bot has no public URL."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler


def run_socket_mode(app: App, *, app_token: str) -> None:
    """Connect to Slack over a websocket and serve until the process stops."""
    SocketModeHandler(app, app_token).start()  # type: ignore[no-untyped-call]


def connect_socket_mode(app: App, *, app_token: str) -> SocketModeHandler:
    """Connect without blocking: the caller's main loop handles signals (SIGHUP reloads) and stops."""
    handler = SocketModeHandler(app, app_token)
    handler.connect()  # type: ignore[no-untyped-call]
    return handler
