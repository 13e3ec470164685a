"""Before anything starts: can this token reach Slack? One call (`auth.test`), no retries, one line."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.client import SLACK_API_URL


def slack_problem(*, token: str, base_url: str | None, timeout: int = 10) -> str | None:
    """None if Slack accepts `token`, else one line saying what is wrong and what to check."""
    url = base_url or SLACK_API_URL
    quiet = logging.getLogger("bot.slack.preflight")  # the SDK's own error lines stay out of the way
    quiet.setLevel(logging.CRITICAL)
    client = WebClient(token=token, base_url=url, timeout=timeout, retry_handlers=[], logger=quiet)
    try:
        client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        if error in {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}:
            return f"Slack refused SLACK_BOT_TOKEN ({error}): check the token in the environment"
        return f"Slack answered auth.test with an error ({error or exc}) at {url}"
    except Exception as exc:  # DNS, refused, timeout, TLS: the network or SLACK_API_URL is wrong
        reason = getattr(exc, "reason", None) or exc
        return f"Slack is unreachable at {url}: {type(exc).__name__}: {reason}"
    return None
