"""A person's name as Slack knows it (users.info), for plain text where a mention cannot be used."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError


def display_name(client: WebClient, user_id: str) -> str:
    """The person's name for plain text (a select's option, a modal's text), their id if Slack cannot say."""
    try:
        user = client.users_info(user=user_id)["user"]
    except (SlackApiError, SlackClientError, OSError, KeyError, TypeError):
        return user_id
    profile = user.get("profile") or {}
    return str(profile.get("real_name") or user.get("real_name") or user.get("name") or user_id)
