"""block_actions payloads from a person's click or pick, in a view or in a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_standin.blockkit.elements import current_state, find_element
from slack_standin.blockkit.state_values import entered
from slack_standin.people import payloads
from slack_standin.state import SandboxState
from slack_standin.web_api.response_urls import ResponseContext
from slack_standin.workspace.messages import Message
from slack_standin.workspace.model import Channel

Target = dict[str, Any] | str


def is_view(target: Target) -> bool:
    """A view dict (modal/home) or a view id, rather than a message dict or ts."""
    if isinstance(target, str):
        return target.startswith("V")
    return target.get("type") in ("modal", "home")


def live_view(state: SandboxState, user_id: str, view_id: str | None, *, modal_only: bool = True) -> dict[str, Any]:
    """The stored view (default: the user's top modal) that this user owns; a LookupError otherwise."""
    views = state.workspace.views
    stack = views.stack(user_id)
    chosen = view_id or (stack[-1]["id"] if stack else "")
    view = views.get(chosen)
    if view is None or views.owner(chosen) != user_id:
        raise LookupError(f"{user_id} has no open view {view_id or ''}".strip())
    if modal_only and view["type"] != "modal":
        raise LookupError(f"{chosen} is not a modal")
    return view


def build_action(
    state: SandboxState, block_id: str, element: dict[str, Any], value: Any, *, picked: bool
) -> dict[str, Any]:
    """`actions[0]`: a button click (text, value, style) or an element's new value."""
    action: dict[str, Any] = {"action_id": element["action_id"], "block_id": block_id}
    if element.get("type") == "button" and not picked:
        action.update({"type": "button", "text": element.get("text")})
        chosen = value if value is not None else element.get("value")
        if chosen is not None:
            action["value"] = chosen
        if element.get("style"):
            action["style"] = element["style"]
    else:
        action.update(entered(element, value))
    action["action_ts"] = state.ts.next()  # unique per action, as Slack's are, even on a frozen clock
    return action


def view_action(
    state: SandboxState,
    actor: payloads.Actor,
    target: Target,
    action_id: str,
    block_id: str | None,
    value: Any,
    *,
    picked: bool,
) -> dict[str, Any] | None:
    """Record the new value in the view's state; the payload, or None if the input does not dispatch."""
    view_id = target if isinstance(target, str) else str(target.get("id"))
    view = live_view(state, actor.user_id, view_id, modal_only=False)
    found_block_id, block, element = find_element(view.get("blocks", []), action_id, block_id)
    action = build_action(state, found_block_id, element, value, picked=picked)
    if element.get("type") != "button":
        entry = {k: v for k, v in action.items() if k not in ("action_id", "block_id", "action_ts")}
        view["state"]["values"].setdefault(found_block_id, {})[action_id] = entry
    if block.get("type") == "input" and not block.get("dispatch_action"):
        return None
    shown = {**view, "state": {"values": current_state(view)}}
    return payloads.view_actions(actor, shown, action, state.triggers.mint(actor.user_id))


def _lookup(
    state: SandboxState, target: Target, channel_ref: str | None
) -> tuple[str, tuple[str, Message | None] | None]:
    """The ts of `target` and (channel id, message) for it: in `channel_ref` when given, else anywhere."""
    ws = state.workspace
    ts = target if isinstance(target, str) else str(target["ts"])
    channel = ws.resolve(channel_ref) if channel_ref else None
    return ts, ws.messages.find(ts) if channel is None else (channel.id, ws.messages.get(channel.id, ts))


def _visible(state: SandboxState, actor: payloads.Actor, channel_id: str) -> Channel:
    """The conversation, if the person is in it (Slack shows them no message of another)."""
    conversation = state.workspace.channels[channel_id]
    if actor.user_id not in conversation.members:
        raise PermissionError(f"{actor.user_id} cannot see {conversation.id}")
    return conversation


def shortcut_on_message(
    state: SandboxState,
    actor: payloads.Actor,
    target: Target,
    callback_id: str,
    channel_ref: str | None,
    *,
    response_url: Callable[[ResponseContext], str],
) -> dict[str, Any]:
    """The payload of a message shortcut on a message the person can see (looked up by ts)."""
    ts, found = _lookup(state, target, channel_ref)
    if found is None or found[1] is None:
        raise LookupError(f"no message with ts {ts} (channel {channel_ref})")
    conversation = _visible(state, actor, found[0])
    return payloads.message_shortcut(
        actor,
        callback_id=callback_id,
        channel={"id": conversation.id, "name": "directmessage" if conversation.is_im else conversation.name},
        message=found[1],
        trigger_id=state.triggers.mint(actor.user_id),
        response_url=response_url(ResponseContext(actor.user_id, conversation.id, None)),
        action_ts=state.ts.next(),
    )


def message_action(
    state: SandboxState,
    actor: payloads.Actor,
    target: Target,
    action_id: str,
    block_id: str | None,
    value: Any,
    channel_ref: str | None,
    *,
    picked: bool,
    response_url: Callable[[ResponseContext], str],
) -> dict[str, Any]:
    """The payload for a button or select in a message (looked up by ts, in its current version)."""
    ws = state.workspace
    ts, found = _lookup(state, target, channel_ref)
    message = found[1] if found else None
    ephemeral = False
    if found is None or message is None:
        # An ephemeral message only its recipient sees (e.g. a list with Cancel buttons).
        whisper = next((m for m in ws.messages.ephemeral if m["ts"] == ts and m.get("user") == actor.user_id), None)
        if whisper is None:
            raise LookupError(f"no message with ts {ts} (channel {channel_ref})")
        found, message, ephemeral = (str(whisper["channel"]), whisper), whisper, True
    conversation = _visible(state, actor, found[0])
    found_block_id, _, element = find_element(message.get("blocks") or [], action_id, block_id)
    return payloads.message_actions(
        actor,
        channel={"id": conversation.id, "name": "directmessage" if conversation.is_im else conversation.name},
        message=message,
        action=build_action(state, found_block_id, element, value, picked=picked),
        trigger_id=state.triggers.mint(actor.user_id),
        response_url=response_url(
            ResponseContext(actor.user_id, conversation.id, None if ephemeral else message["ts"])
        ),
        ephemeral=ephemeral,
    )
