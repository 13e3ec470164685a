"""One factory for every WebClient: the Web API base URL from SLACK_API_URL, retries by purpose."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

SLACK_API_URL = "https://slack.com/api/"


def build_client(*, token: str, base_url: str | None = None, for_sends: bool = False, timeout: int = 10) -> WebClient:
    """A WebClient for reads and updates (SDK retries 429/5xx) or for sends (no SDK retries).

    Sends (chat.postMessage from jobs) must not be retried blindly by the SDK: a retry after a
    dropped connection can post twice. The job engine retries them instead, honouring Retry-After.
    """
    url = base_url or SLACK_API_URL
    if not url.endswith("/"):
        url += "/"
    handlers = (
        []
        if for_sends
        else [
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=1),
        ]
    )
    return WebClient(
        token=token,
        base_url=url,
        timeout=timeout,
        retry_handlers=handlers,
        logger=logging.getLogger("bot.slack.web"),
    )
