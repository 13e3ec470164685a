"""The small pieces every Block Kit builder uses: a mrkdwn text object, a date each reader sees in their
own time zone, blocks turned into the dicts the Web API takes, and the inputs and one-message modals that
the forms share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.escape import truncate


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


def option(value: str, label: str, *, emoji: bool | None = None) -> Option:
    """A select option; its label is cut to Slack's 75 characters."""
    return Option(value=value, text=PlainTextObject(text=truncate(label, 75), emoji=emoji))


def select_input(block_id: str, label: str, options: Sequence[Option], *, initial: Option | None = None) -> InputBlock:
    """A required static select in a form (its value is read by `block_id`)."""
    element = StaticSelectElement(action_id=ids.FIELD_ACTION, options=options, initial_option=initial)
    return InputBlock(block_id=block_id, label=label, element=element)


def user_input(
    block_id: str, label: str, *, initial_user: str | None = None, optional: bool | None = None
) -> InputBlock:
    """A person picker in a form (its value is read by `block_id`)."""
    element = UserSelectElement(action_id=ids.FIELD_ACTION, initial_user=initial_user)
    return InputBlock(block_id=block_id, label=label, element=element, optional=optional)


def notice_modal(title: str, text: str, *, close: str = "Done") -> dict[str, Any]:
    """A modal that only says something, with a Done button (what a form turns into once it is handled;
    `title` and `close` come translated for a rep)."""
    return View(type="modal", title=title, close=close, blocks=[SectionBlock(text=md(text))]).to_dict()
