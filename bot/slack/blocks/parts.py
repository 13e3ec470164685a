"""The small pieces every Block Kit builder uses: a mrkdwn text object, a date each reader sees in their
own time zone, and blocks turned into the dicts the Web API takes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, MarkdownTextObject


def md(text: str) -> MarkdownTextObject:
    """A mrkdwn text object (the caller has escaped and fitted what a person typed)."""
    return MarkdownTextObject(text=text)


def slack_date(at: datetime, tz: ZoneInfo) -> str:
    """A date Slack shows in each reader's own time zone, with a team-zone fallback."""
    fallback = at.astimezone(tz).strftime("%a %d %b %Y %H:%M %Z")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def as_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Blocks as the JSON the Web API takes."""
    return [b.to_dict() for b in blocks]
