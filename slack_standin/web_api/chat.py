"""chat.* and reactions.add: messages, threads, ephemerals, permalinks, and response_url posts."""

from __future__ import annotations

import copy
from typing import Any

from slack_standin.blockkit.checks import check_message_blocks
from slack_standin.state import SandboxState
from slack_standin.web_api.args import Args
from slack_standin.web_api.errors import ApiError
from slack_standin.web_api.files import slack_file_problems
from slack_standin.web_api.response_urls import ResponseContext

MAX_TEXT = 40_000
MAX_UPDATE_TEXT = 4_000  # chat.update: msg_too_long past 4,000 characters (method reference)
MAX_MARKDOWN = 12_000
# The total of text across a message's blocks. Undocumented; bolt-js #2509 saw refusals near 13,200
# characters, #2867 at 11,341: the stand-in refuses past 12,000, the budget the bot keeps to.
MAX_BLOCKS_TEXT = 12_000
MAX_ATTACHMENTS = 100
_CONTENT = ("text", "blocks", "attachments", "markdown_text")


def content(args: Args, *, need: bool = True, state: SandboxState | None = None) -> dict[str, Any]:
    """The text/blocks/attachments of a message, checked as Slack checks them (with `state`, images that
    show uploaded files too)."""
    text = args.text("text", error="invalid_arguments")
    markdown = args.text("markdown_text", error="invalid_arguments")
    blocks = args.structure("blocks", error="invalid_blocks_format")
    attachments = args.structure("attachments", error="invalid_attachments")
    if blocks is not None:
        if not isinstance(blocks, list):
            raise ApiError("invalid_blocks_format")
        problems = check_message_blocks(blocks)
        if not problems and state is not None:
            problems = slack_file_problems(state, blocks, "/blocks")
        if problems:
            raise ApiError("invalid_blocks", messages=problems)
        if blocks_text_size(blocks) > MAX_BLOCKS_TEXT:
            raise ApiError("msg_blocks_too_long")
    if markdown is not None and (text or blocks):
        raise ApiError("markdown_text_conflict")
    if len(text or "") > MAX_TEXT or len(markdown or "") > MAX_MARKDOWN:
        raise ApiError("msg_too_long")
    if isinstance(attachments, list) and len(attachments) > MAX_ATTACHMENTS:
        raise ApiError("too_many_attachments")
    if need and not (text or blocks or attachments or markdown):
        raise ApiError("no_text")
    found = {"text": text if markdown is None else markdown, "blocks": blocks, "attachments": attachments}
    return {key: value for key, value in found.items() if value is not None}


def blocks_text_size(value: Any) -> int:
    """Characters of text across blocks: every `text` string, in fields and elements too."""
    if isinstance(value, dict):
        return sum(
            len(item) if key == "text" and isinstance(item, str) else blocks_text_size(item)
            for key, item in value.items()
        )
    if isinstance(value, list):
        return sum(blocks_text_size(item) for item in value)
    return 0


def metadata(args: Args) -> dict[str, Any]:
    """Message metadata as Slack takes it: `event_type` (a string) and `event_payload` (an object);
    sent as a JSON object (json calls) or a JSON string (form calls)."""
    value = args.structure("metadata", error="invalid_metadata_format")
    if not isinstance(value, dict):
        raise ApiError("invalid_metadata_format")
    event_type, payload = value.get("event_type"), value.get("event_payload")
    if not isinstance(event_type, str) or not event_type or not isinstance(payload, dict):
        raise ApiError("invalid_metadata_schema")
    return {"event_type": event_type, "event_payload": payload}


def _new_message(state: SandboxState, body: dict[str, Any], author: str | None = None) -> dict[str, Any]:
    bot = state.workspace.bot
    message: dict[str, Any] = {"type": "message", "text": "", "ts": state.ts.next(), **copy.deepcopy(body)}
    message["team"] = state.workspace.team_id
    if author is None:
        message.update({"user": bot.user_id, "bot_id": bot.bot_id, "app_id": bot.app_id})
    else:
        message["user"] = author
    return message


def post_message(state: SandboxState, args: Args) -> dict[str, Any]:
    """chat.postMessage: a channel id, `#name` or user id (the bot's DM); threads and broadcasts."""
    channel = state.postable(args.need_text("channel", error="channel_not_found"))
    body = content(args, state=state)
    if "metadata" in args:
        body["metadata"] = metadata(args)
    for key in ("username", "icon_emoji", "icon_url"):
        if key in args:
            body[key] = args.text(key)
    thread_ts = args.text("thread_ts")
    if thread_ts:
        root = state.workspace.messages.thread_root(channel.id, thread_ts)
        if root is None:
            raise ApiError("thread_not_found")
        body["thread_ts"] = root
        if args.flag("reply_broadcast"):
            body["subtype"] = "thread_broadcast"
    message = state.workspace.messages.add(channel.id, _new_message(state, body))
    return {"channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}


def post_as_user(
    state: SandboxState, user_id: str, channel_id: str, text: str, thread_ts: str | None
) -> dict[str, Any]:
    """A person's own message (seeded by tests; no event is sent to the bot)."""
    channel = state.workspace.resolve(channel_id)
    if channel is None or user_id not in channel.members:
        raise ValueError(f"{user_id} is not a member of {channel_id}")
    body: dict[str, Any] = {"text": text}
    if thread_ts:
        body["thread_ts"] = state.workspace.messages.thread_root(channel.id, thread_ts) or thread_ts
    return copy.deepcopy(state.workspace.messages.add(channel.id, _new_message(state, body, user_id)))


def _own_message(state: SandboxState, args: Args, ts_arg: str, refusal: str) -> tuple[str, dict[str, Any]]:
    channel = state.readable(args.need_text("channel", error="channel_not_found"))
    message = state.workspace.messages.get(channel.id, args.need_text(ts_arg, error="message_not_found"))
    if message is None:
        raise ApiError("message_not_found")
    if message.get("bot_id") != state.workspace.bot.bot_id:
        raise ApiError(refusal)
    if channel.is_archived:
        raise ApiError("is_archived")
    return channel.id, message


def update(state: SandboxState, args: Args) -> dict[str, Any]:
    """chat.update: replace text/blocks of the bot's own message (blocks kept if not given)."""
    # "For direct messages, ensure that this value is a DM ID (starts with D) instead of a User ID":
    # chat.update takes a conversation id only, never a U… id or a #name (method reference).
    ref = args.need_text("channel", error="channel_not_found")
    if not ref.startswith(("C", "G", "D")):
        raise ApiError("channel_not_found")
    channel_id, message = _own_message(state, args, "ts", "cant_update_message")
    if len(args.text("text", error="invalid_arguments") or "") > MAX_UPDATE_TEXT:
        raise ApiError("msg_too_long")
    body = content(args, state=state)
    if "metadata" in args:
        body["metadata"] = metadata(args)
    message.update(body)
    message["edited"] = {"user": state.workspace.bot.user_id, "ts": state.ts.next()}
    return {"channel": channel_id, "ts": message["ts"], "text": message["text"], "message": copy.deepcopy(message)}


def delete(state: SandboxState, args: Args) -> dict[str, Any]:
    """chat.delete: remove the bot's own message."""
    channel_id, message = _own_message(state, args, "ts", "cant_delete_message")
    state.workspace.messages.delete(channel_id, message["ts"])
    return {"channel": channel_id, "ts": message["ts"]}


def post_ephemeral(state: SandboxState, args: Args) -> dict[str, Any]:
    """chat.postEphemeral: only `user` sees it, and `user` must be in the channel."""
    channel = state.postable(args.need_text("channel", error="channel_not_found"))
    user = args.need_text("user", error="user_not_found")
    if user not in state.workspace.users:
        raise ApiError("user_not_found")
    if user not in channel.members:
        raise ApiError("user_not_in_channel")
    ts = state.ts.next()
    body = {"channel": channel.id, "user": user, "ts": ts, **content(args, state=state)}
    if args.text("thread_ts"):
        body["thread_ts"] = args.text("thread_ts")
    state.workspace.messages.ephemeral.append(body)
    return {"message_ts": ts}


def permalink(state: SandboxState, args: Args) -> dict[str, Any]:
    """chat.getPermalink: `…/archives/C…/p<ts digits>`, plus `?thread_ts=…&cid=…` for replies."""
    channel = state.readable(args.need_text("channel", error="channel_not_found"))
    ts = args.need_text("message_ts", error="message_not_found")
    message = state.workspace.messages.get(channel.id, ts)
    if message is None:
        raise ApiError("message_not_found")
    link = f"{state.workspace.url}archives/{channel.id}/p{ts.replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


def add_reaction(state: SandboxState, args: Args) -> dict[str, Any]:
    """reactions.add: the bot reacts to a message once per emoji."""
    channel = state.readable(args.need_text("channel", error="channel_not_found"))
    name = args.need_text("name", error="invalid_name").strip(":")
    message = state.workspace.messages.get(channel.id, args.need_text("timestamp", error="no_item_specified"))
    if message is None:
        raise ApiError("message_not_found")
    reactions = message.setdefault("reactions", [])
    reaction = next((r for r in reactions if r["name"] == name), None)
    if reaction is None:
        reaction = {"name": name, "users": [], "count": 0}
        reactions.append(reaction)
    if state.workspace.bot.user_id in reaction["users"]:
        raise ApiError("already_reacted")
    reaction["users"].append(state.workspace.bot.user_id)
    reaction["count"] += 1
    return {}


def respond(state: SandboxState, context: ResponseContext, payload: dict[str, Any]) -> None:
    """What a response_url post (or a message-shaped ack) does: replace, delete, post or whisper."""
    messages = state.workspace.messages
    args = Args(payload)
    if args.flag("delete_original") and context.message_ts:
        messages.delete(context.channel_id, context.message_ts)
        return
    original = messages.get(context.channel_id, context.message_ts or "")
    if args.flag("replace_original") and original is not None:
        original.update(content(args, state=state))
        return
    if payload.get("response_type") == "in_channel":
        body = content(args, state=state)
        if args.text("thread_ts"):
            body["thread_ts"] = args.text("thread_ts")
        messages.add(context.channel_id, _new_message(state, body))
        return
    whisper = {
        "channel": context.channel_id,
        "user": context.user_id,
        "ts": state.ts.next(),
        **content(args, state=state),
    }
    messages.ephemeral.append(whisper)
