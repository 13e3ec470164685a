"""One Web API call from arguments to answer: method, token, rate limit, arguments, handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_standin.state import SandboxState
from slack_standin.web_api.args import Args
from slack_standin.web_api.errors import ApiError
from slack_standin.web_api.methods import METHODS, Method, TokenType
from slack_standin.web_api.ratelimit import RateLimiter

# Accepted by every method: sdk clients built by Bolt add `team_id` as a default parameter.
GLOBAL_ARGS = frozenset({"team_id"})
# Errors Slack gives for a token that no longer works (SLACK-FACTS H; every method's error list).
TOKEN_ERRORS = frozenset({"token_revoked", "invalid_auth", "account_inactive", "token_expired"})
SCOPES = ",".join(
    (
        "channels:history",
        "chat:write",
        "commands",
        "groups:history",
        "im:history",
        "im:write",
        "mpim:write",
        "users:read",
        "users:read.email",
        "usergroups:read",
    )
)


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP status, a JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class WebApi:
    """Answers calls against the shared state, in Slack's order of checks."""

    def __init__(
        self,
        *,
        state: SandboxState,
        limiter: RateLimiter,
        tokens: frozenset[str],
        app_tokens: frozenset[str] = frozenset(),
    ) -> None:
        self._state = state
        self._limiter = limiter
        self._tokens: dict[TokenType, frozenset[str]] = {"bot": tokens, "app": app_tokens}
        self._refused: dict[str, str] = {}

    def refuse_token(self, token: str, error: str) -> None:
        """From now on every call with `token` answers `error` (`token_revoked`, `invalid_auth`,
        `account_inactive`), as Slack does once a token is revoked or its workspace deactivated."""
        if error not in TOKEN_ERRORS:
            raise ValueError(f"{error!r} is not one of {sorted(TOKEN_ERRORS)}")
        self._refused[token] = error

    def restore_token(self, token: str) -> None:
        """The token works again (reinstalled, account reactivated)."""
        self._refused.pop(token, None)

    def answer(self, method: str, token: str | None, args: dict[str, Any]) -> Answer:
        """The answer Slack would give to `method` called with `token` and `args`."""
        spec = METHODS.get(method)
        if spec is None:
            return Answer(200, {"ok": False, "error": "unknown_method", "req_method": method})
        if not token:
            return Answer(200, {"ok": False, "error": "not_authed"})
        if token not in self._tokens[spec.token]:
            # A real token of the other kind (bot vs app-level) is refused differently from a bad one.
            known = any(token in tokens for tokens in self._tokens.values())
            return Answer(200, {"ok": False, "error": "not_allowed_token_type" if known else "invalid_auth"})
        refused = self._refused.get(token)
        if refused is not None:  # HTTP 200 with ok:false, as for every Web API error
            return Answer(200, {"ok": False, "error": refused})
        retry_after = self._limiter.check(method, spec.tier, channel=_text(args.get("channel")))
        if retry_after is not None:
            return Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        try:
            self._check_args(spec, args)
            with self._state.lock:
                body = spec.handler(self._state, Args(args))
        except ApiError as error:
            return Answer(error.status, error.body())
        headers = {"x-oauth-scopes": SCOPES} if method == "auth.test" else {}
        return Answer(200, {"ok": True, **body}, headers)

    @staticmethod
    def _check_args(spec: Method, args: dict[str, Any]) -> None:
        unknown = sorted(set(args) - spec.allowed - GLOBAL_ARGS)
        if unknown:
            raise ApiError("invalid_arg_name", messages=[f"[ERROR] unknown argument: {n}" for n in unknown])
        for need in spec.needs:
            if not any(args.get(name) not in (None, "", []) for name in need.names):
                raise ApiError(need.error, messages=[f"[ERROR] missing required field: {need.names[0]}"])


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
