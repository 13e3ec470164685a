"""What Slack does with the bot's HTTP answer to a slash command or a view submission."""

from __future__ import annotations

from typing import Any

from slack_standin.state import SandboxState
from slack_standin.transport.delivery import Response
from slack_standin.web_api.chat import respond
from slack_standin.web_api.errors import ApiError
from slack_standin.web_api.response_urls import ResponseContext
from slack_standin.web_api.views import MODAL, checked_view


def apply_command_ack(state: SandboxState, context: ResponseContext, response: Response) -> None:
    """A non-empty ack is a message: in the channel for `response_type: in_channel`, else ephemeral."""
    if not response.ok or not response.body.strip():
        return
    data = response.json()
    payload: dict[str, Any] = data if isinstance(data, dict) else {"text": response.body}
    try:
        with state.lock:
            respond(state, context, payload)
    except ApiError as error:
        response.problem = f"ack message rejected: {error.error} {error.messages}"


def apply_submission_ack(state: SandboxState, user_id: str, view_id: str, response: Response) -> None:
    """Empty → close the view; `errors` → stay open; `update`/`push`/`clear` → change the stack."""
    if not response.ok:
        return
    if not response.body.strip():
        with state.lock:
            state.workspace.views.close(user_id, view_id)
        return
    data = response.json()
    if not isinstance(data, dict):
        response.problem = f"a view_submission ack must be empty or JSON, got {response.body[:200]!r}"
        return
    try:
        with state.lock:
            _apply(state, user_id, view_id, data, response)
    except ApiError as error:
        response.problem = f"response_action {data.get('response_action')!r} rejected: {error.error} {error.messages}"


def _apply(state: SandboxState, user_id: str, view_id: str, data: dict[str, Any], response: Response) -> None:
    views = state.workspace.views
    action = data.get("response_action")
    if action == "errors":
        errors = data.get("errors")
        current = views.get(view_id) or {}
        inputs = {b.get("block_id") for b in current.get("blocks", []) if b.get("type") == "input"}
        if not isinstance(errors, dict) or not errors:
            raise ApiError("invalid_errors", messages=["errors must be a non-empty object"])
        unknown = sorted(set(errors) - inputs)
        if unknown:
            raise ApiError("invalid_errors", messages=[f"errors name blocks that are not inputs: {unknown}"])
        response.errors = {str(k): str(v) for k, v in errors.items()}
    elif action == "update":
        views.update(checked_view(data.get("view"), allowed=MODAL), view_id=view_id, external_id=None, hash=None)
    elif action == "push":
        views.push(user_id, checked_view(data.get("view"), allowed=MODAL))
    elif action == "clear":
        views.clear(user_id)
    else:
        raise ApiError("invalid_response_action", messages=[f"unknown response_action {action!r}"])
