"""HTTP plumbing shared by the server and the pipeline: request/reply values, body parsing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from slack_standin.web_api.args import normalize
from slack_standin.web_api.errors import ApiError

# Headers worth keeping on a recorded call.
KEPT_HEADERS = ("authorization", "content-type", "user-agent", "x-slack-retry-num", "x-slack-retry-reason")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request as the server read it (header names lower-cased)."""

    verb: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class HttpReply:
    """What to send back; `reset` closes the connection without any answer."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False


def json_reply(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> HttpReply:
    """A JSON answer like Slack's (`application/json; charset=utf-8`)."""
    all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return HttpReply(status, json.dumps(body).encode(), all_headers)


def body_kind(headers: dict[str, str]) -> str:
    """ "json", "form" or the raw content type, for the record."""
    content_type = headers.get("content-type", "")
    if "json" in content_type:
        return "json"
    if "x-www-form-urlencoded" in content_type:
        return "form"
    return content_type or "none"


def parse_api_request(request: HttpRequest) -> tuple[str | None, dict[str, Any]]:
    """The token (Bearer header or `token` arg) and the normalized arguments of a Web API call."""
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError("invalid_form_data") from None
    raw: dict[str, Any] = dict(parse_qsl(request.query, keep_blank_values=True))
    if body_kind(request.headers) == "json" or text.lstrip().startswith("{"):
        try:
            decoded = json.loads(text or "{}")
        except ValueError:
            raise ApiError("invalid_json") from None
        if not isinstance(decoded, dict):
            raise ApiError("json_not_object")
        raw.update(decoded)
    elif text:
        raw.update(parse_qsl(text, keep_blank_values=True))
    token = raw.pop("token", None)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    return (str(token) if token else None), normalize(raw)


def parse_json_body(request: HttpRequest) -> dict[str, Any]:
    """A JSON object body (response_url posts); form `payload=` bodies are accepted too."""
    try:
        text = request.body.decode("utf-8")
        if body_kind(request.headers) == "form":
            text = dict(parse_qsl(text)).get("payload", "{}")
        decoded = json.loads(text or "{}")
    except ValueError:
        raise ApiError("invalid_payload", status=400) from None
    if not isinstance(decoded, dict):
        raise ApiError("invalid_payload", status=400)
    return decoded


def kept_headers(headers: dict[str, str]) -> dict[str, str]:
    """The headers a recorded call keeps."""
    return {name: headers[name] for name in KEPT_HEADERS if name in headers}
