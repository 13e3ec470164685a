"""Socket Mode: for workspaces where the bot has no public URL."""

from __future__ import annotations

import logging
import signal

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)


def run_socket_mode(app: App, *, app_token: str) -> None:
    """Connect to Slack over a websocket and serve until a signal stops the process.

    `connect()` and a wait, not `SocketModeHandler.start()`: start() prints Bolt's banner to stdout
    (a plain-text line among the JSON) whenever its logger is quieter than INFO.
    """
    SocketModeHandler(app, app_token).connect()  # type: ignore[no-untyped-call]
    log.info("connected to Slack in Socket Mode")
    while True:
        signal.pause()
