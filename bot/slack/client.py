"""One factory for every WebClient: the Web API base URL from SLACK_API_URL, retries by purpose,
and every call counted (per HTTP attempt) and logged with its method in the log context."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
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
from bot.services.slack_health import SlackHealth
from bot.slack.rate_gate import RateGate

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


def _retry_after(response: HttpResponse) -> float:
    for name, value in (response.headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return float(str(raw))
            except ValueError:
                return 1.0
    return 1.0


def _channel(request: HttpRequest) -> str | None:
    params = request.body_params or {}
    channel = params.get("channel") if isinstance(params, dict) else None
    if channel is None and request.data:
        try:
            data = request.data if isinstance(request.data, str) else request.data.decode("utf-8")
            parsed = json.loads(data)
            channel = parsed.get("channel") if isinstance(parsed, dict) else None
        except (ValueError, UnicodeDecodeError, AttributeError):
            return None
    return channel if isinstance(channel, str) else None


class AttemptCounter(RetryHandler):
    """Counts and logs every HTTP attempt, and never asks for a retry itself.

    The SDK shows each attempt's answer (a 200, an HTTP error such as 429, or a connection error)
    to its retry handlers in order until one retries; this one goes first, so a 429 that the
    rate-limit handler after it retries is still counted. Bolt copies the handlers into the plain
    WebClient it builds for each request, so listeners' calls are counted too.

    It also feeds the replica's shared RateGate (a 429 closes the method for Retry-After, whoever
    made the call) and SlackHealth (token refused, deadline missed, answered again).
    """

    def __init__(self, *, gate: RateGate | None = None, health: SlackHealth | None = None) -> None:
        super().__init__()
        self.gate = gate
        self.health = health

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
        self._observe(method, request, response, error)
        log.debug(
            "slack_call method=%s outcome=%s attempt=%s",
            method,
            outcome,
            state.current_attempt + 1,
            extra={"slack_method": method},  # Bolt's per-request clients bind no log context
        )
        return False

    def _observe(
        self, method: str, request: HttpRequest, response: HttpResponse | None, error: Exception | None
    ) -> None:
        if response is None:
            timed_out = isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError)
            if self.health is not None and timed_out:
                self.health.slow(method)
            return
        if response.status_code == 429 and self.gate is not None:
            self.gate.close(method, _retry_after(response), channel=_channel(request))
        if self.health is None:
            return
        code = _error_code(response)
        if code in AUTH_ERRORS:
            self.health.token_refused(code)
        elif response.status_code < 500:
            self.health.answered()


# The token itself is refused: every call fails the same way until a person acts (SLACK-FACTS H).
AUTH_ERRORS = frozenset(
    {"token_revoked", "invalid_auth", "account_inactive", "missing_scope", "not_authed", "token_expired"}
)


class InstrumentedWebClient(WebClient):
    """A WebClient whose calls run with `slack_method` in the log context (the SDK's own lines too),
    and wait at the replica's rate gate first: up to `patience` seconds, else GateClosed."""

    gate: RateGate | None = None
    patience: float = 10.0

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        if self.gate is not None:
            params = kwargs.get("json") or kwargs.get("params") or kwargs.get("data") or {}
            channel = params.get("channel") if isinstance(params, dict) else None
            self.gate.wait(api_method, channel=channel if isinstance(channel, str) else None, patience=self.patience)
        with log_context(slack_method=api_method):
            return super().api_call(api_method, **kwargs)


def gated_copy(client: WebClient, *, gate: RateGate, patience: float = 10.0) -> InstrumentedWebClient:
    """Bolt's per-request client, as an InstrumentedWebClient behind the replica's rate gate."""
    copy = InstrumentedWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        logger=client.logger,
        retry_handlers=list(client.retry_handlers or []),
    )
    copy.gate, copy.patience = gate, patience
    return copy


def build_client(
    *,
    token: str,
    base_url: str | None = None,
    for_sends: bool = False,
    timeout: int = 10,
    gate: RateGate | None = None,
    health: SlackHealth | None = None,
) -> WebClient:
    """A WebClient for reads and updates (SDK retries 429/5xx) or for sends (no SDK retries).

    Sends (chat.postMessage from jobs) must not be retried blindly by the SDK: a retry after a
    dropped connection can post twice. The job engine retries them instead, honouring Retry-After.
    """
    url = base_url or SLACK_API_URL
    if not url.endswith("/"):
        url += "/"
    handlers: list[RetryHandler] = [AttemptCounter(gate=gate, health=health)]
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
    client = InstrumentedWebClient(
        token=token,
        base_url=url,
        timeout=timeout,
        retry_handlers=handlers,
        logger=web_log,
    )
    # A send never sleeps at the gate (its job comes back after Retry-After); reads wait a little.
    client.gate, client.patience = gate, (0.0 if for_sends else 10.0)
    return client


def gated_listeners(gate: RateGate) -> Callable[..., Any]:
    """Bolt middleware: a listener's `client` waits at the replica's rate gate as the jobs do."""

    def middleware(context: BoltContext, next: Callable[[], Any]) -> Any:
        if context.client is not None:
            context["client"] = gated_copy(context.client, gate=gate)
        return next()

    return middleware
