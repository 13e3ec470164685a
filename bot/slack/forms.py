"""Opening a modal: one call, and a person who always hears when Slack did not open it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.blocks.budget import fold_view

log = logging.getLogger(__name__)


def form_failed_text(reason: str) -> str:
    """What the person reads when `views.open` failed."""
    return f":warning: Slack did not open the form ({reason}) — try again."


def open_form(client: WebClient, *, trigger_id: str, view: dict[str, Any], tell: Callable[[str], None]) -> str | None:
    """`views.open`; on any failure (expired trigger, refused view, no answer) `tell` the person why.
    Returns the opened view's id, or None."""
    try:
        response = client.views_open(trigger_id=trigger_id, view=fold_view(view))
    except SlackApiError as exc:
        reason = str(exc.response.get("error") or f"HTTP {exc.response.status_code}") if exc.response else "refused"
    except (SlackClientError, OSError) as exc:
        reason = f"no answer: {type(exc).__name__}"
    else:
        opened = response.get("view") or {}
        return str(opened.get("id") or "") or None
    log.warning("views_open_failed reason=%s", reason)
    try:
        tell(form_failed_text(reason))
    except (SlackApiError, SlackClientError, OSError) as exc:  # Slack is down for this person too: log it
        log.warning("views_open_failed_not_told reason=%s error=%s", reason, type(exc).__name__)
    return None
