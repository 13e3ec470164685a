"""One factory for every WebClient: the Web API base URL from SLACK_API_URL, retries by purpose,
and every call counted (per HTTP attempt) and logged with its method in the log context."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.web import SlackResponse

from bot.observability import metrics
from bot.observability.logs import log_context

SLACK_API_URL = "https://slack.com/api/"
WEB_LOGGER = "bot.slack.web"

log = logging.getLogger(__name__)


def _error_code(response: HttpResponse) -> str | None:
    body = response.body
    if body is None and response.data:
        try:
            body = json.loads(response.data)
        except ValueError:
            return None
    if isinstance(body, dict) and body.get("ok") is False:
        return str(body.get("error") or "unknown")
    return None


class AttemptCounter(RetryHandler):
    """Counts and logs every HTTP attempt, and never asks for a retry itself.

    The SDK shows each attempt's answer (a 200, an HTTP error such as 429, or a connection error)
    to its retry handlers in order until one retries; this one goes first, so a 429 that the
    rate-limit handler after it retries is still counted. Bolt copies the handlers into the plain
    WebClient it builds for each request, so listeners' calls are counted too.
    """

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if response is None:
            outcome = metrics.slack_call_outcome(None)
        else:
            outcome = metrics.slack_call_outcome(response.status_code, _error_code(response))
        metrics.slack_call(method, outcome)
        log.debug(
            "slack_call method=%s outcome=%s attempt=%s",
            method,
            outcome,
            state.current_attempt + 1,
            extra={"slack_method": method},  # Bolt's per-request clients bind no log context
        )
        return False


class InstrumentedWebClient(WebClient):
    """A WebClient whose calls run with `slack_method` in the log context (the SDK's own lines too)."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        with log_context(slack_method=api_method):
            return super().api_call(api_method, **kwargs)


def build_client(*, token: str, base_url: str | None = None, for_sends: bool = False, timeout: int = 10) -> WebClient:
    """A WebClient for reads and updates (SDK retries 429/5xx) or for sends (no SDK retries).

    Sends (chat.postMessage from jobs) must not be retried blindly by the SDK: a retry after a
    dropped connection can post twice. The job engine retries them instead, honouring Retry-After.
    """
    url = base_url or SLACK_API_URL
    if not url.endswith("/"):
        url += "/"
    handlers: list[RetryHandler] = [AttemptCounter()]
    if not for_sends:
        handlers += [
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=1),
        ]
    # The SDK formats every request and response body (message text, sensitive cases too) into a
    # DEBUG line whenever its logger's *own* level is DEBUG or unset: pin it, so none is ever made.
    web_log = logging.getLogger(WEB_LOGGER)
    web_log.setLevel(logging.INFO)
    return InstrumentedWebClient(
        token=token,
        base_url=url,
        timeout=timeout,
        retry_handlers=handlers,
        logger=web_log,
    )
