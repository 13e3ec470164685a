"""views.open / push / update / publish, with trigger_id, stack, hash and Block Kit checks."""

from __future__ import annotations

from typing import Any, cast

from slack_standin.blockkit.checks import check_view, view_too_large
from slack_standin.state import SandboxState
from slack_standin.web_api.args import Args
from slack_standin.web_api.errors import ApiError
from slack_standin.web_api.files import slack_file_problems

MODAL = frozenset({"modal"})
HOME = frozenset({"home"})
ANY_VIEW = MODAL | HOME


def checked_view(view: Any, *, allowed: frozenset[str], state: SandboxState | None = None) -> dict[str, Any]:
    """The view if Slack would accept it; otherwise `view_too_large` or `invalid_arguments` (with `state`,
    images showing uploaded files are checked against the files too)."""
    if view_too_large(view):
        raise ApiError("view_too_large")
    problems = check_view(view, allowed=allowed)
    if not problems and state is not None and isinstance(view, dict):
        problems = slack_file_problems(state, view.get("blocks"), "/view/blocks")
    if problems:
        raise ApiError("invalid_arguments", messages=problems)
    return cast(dict[str, Any], view)


def _trigger(args: Args) -> str:
    trigger = args.text("trigger_id") or args.text("interactivity_pointer")
    if not trigger:
        raise ApiError("invalid_arguments", messages=["[ERROR] missing required field: trigger_id"])
    return trigger


def open_view(state: SandboxState, args: Args) -> dict[str, Any]:
    """views.open: a new modal for the user the trigger_id belongs to."""
    view = checked_view(args.structure("view", error="invalid_arguments"), allowed=MODAL, state=state)
    user_id = state.triggers.exchange(_trigger(args))
    return {"view": state.workspace.views.open(user_id, view)}


def push_view(state: SandboxState, args: Args) -> dict[str, Any]:
    """views.push: a modal on top of the user's stack (3 at most: `push_limit_reached`)."""
    view = checked_view(args.structure("view", error="invalid_arguments"), allowed=MODAL, state=state)
    user_id = state.triggers.exchange(_trigger(args))
    return {"view": state.workspace.views.push(user_id, view)}


def update_view(state: SandboxState, args: Args) -> dict[str, Any]:
    """views.update: by view_id or external_id; a stale `hash` is `hash_conflict`."""
    view = checked_view(args.structure("view", error="invalid_arguments"), allowed=ANY_VIEW, state=state)
    stored = state.workspace.views.update(
        view, view_id=args.text("view_id"), external_id=args.text("external_id"), hash=args.text("hash")
    )
    return {"view": stored}


def publish_view(state: SandboxState, args: Args) -> dict[str, Any]:
    """views.publish: the user's Home tab (type `home` only)."""
    user_id = args.need_text("user_id", error="invalid_arguments")
    view = checked_view(args.structure("view", error="invalid_arguments"), allowed=HOME, state=state)
    if user_id not in state.workspace.users:
        raise ApiError("user_not_found")
    return {"view": state.workspace.views.publish(user_id, view, hash=args.text("hash"))}
