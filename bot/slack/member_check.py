"""`check-config --slack`: the token works, every channel exists with the bot in it (private where it
must be), and every person named in the configuration exists in the workspace."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config.model import Config
from bot.config.named_ids import named_channels, named_people
from bot.domain import rota

__all__ = ["named_people", "slack_problems", "token_problem", "unresolved_channels", "unresolved_people"]


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error")) if exc.response is not None else str(exc)


def token_problem(client: WebClient) -> str | None:
    """None when Slack accepts the bot token (auth.test), else one line saying why not."""
    try:
        client.auth_test()
    except SlackApiError as exc:
        return f"SLACK_BOT_TOKEN: Slack says {_error(exc)} (is it the bot token, xoxb-…, of this workspace?)"
    return None


def unresolved_channels(config: Config, client: WebClient) -> list[str]:
    """One line per channel that does not exist, lacks the bot, or (restricted) is not private."""
    problems = []
    restricted = config.app.restricted_channel
    for channel_id, where in sorted(named_channels(config).items()):
        named = f"{channel_id} ({', '.join(sorted(where))})"
        try:
            channel = client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as exc:
            error = _error(exc)
            hint = " (or it is private and the bot is not in it)" if error == "channel_not_found" else ""
            problems.append(f"channel {named}: Slack says {error}{hint}")
            continue
        if channel.get("is_archived"):
            problems.append(f"channel {named}: archived")
        if not channel.get("is_member"):
            problems.append(f"channel {named}: the bot is not a member (invite it: /invite @bot)")
        if channel_id == restricted and not channel.get("is_private"):
            problems.append(f"channel {named}: channels.restricted must be a private channel")
    return problems


def unresolved_people(config: Config, client: WebClient) -> list[str]:
    """One line per person Slack does not know (or who is deactivated)."""
    problems = []
    for person, where in sorted(named_people(config).items()):
        try:
            if rota.is_email(person):
                user = client.users_lookupByEmail(email=person)["user"]
            else:
                user = client.users_info(user=person)["user"]
        except SlackApiError as exc:
            problems.append(f"{person} ({', '.join(sorted(where))}): Slack says {_error(exc)}")
            continue
        if user.get("deleted"):
            problems.append(f"{person} ({', '.join(sorted(where))}): deactivated in Slack")
    return problems


def slack_problems(config: Config, client: WebClient) -> list[str]:
    """The token once (nothing else is asked with a token Slack refuses), then channels, then people."""
    bad_token = token_problem(client)
    if bad_token is not None:
        return [bad_token]
    return unresolved_channels(config, client) + [f"user {line}" for line in unresolved_people(config, client)]
