"""auth.test, users.*, usergroups.* and conversations.*: reading the workspace's directory."""

from __future__ import annotations

from typing import Any

from slack_standin.state import SandboxState
from slack_standin.web_api.args import Args
from slack_standin.web_api.errors import ApiError
from slack_standin.workspace.model import UserGroup

MAX_GROUP_DM = 8
_NO_CURSOR = {"response_metadata": {"next_cursor": ""}}


def auth_test(state: SandboxState, args: Args) -> dict[str, Any]:
    """auth.test: who the bot token belongs to (Bolt calls this when an App is built)."""
    ws = state.workspace
    return {
        "url": ws.url,
        "team": ws.name,
        "user": ws.bot.name,
        "team_id": ws.team_id,
        "user_id": ws.bot.user_id,
        "bot_id": ws.bot.bot_id,
        "is_enterprise_install": False,
    }


def users_info(state: SandboxState, args: Args) -> dict[str, Any]:
    """users.info: profile, e-mail, time zone and its current offset; `locale` with include_locale."""
    user = state.workspace.users.get(args.need_text("user", error="user_not_found"))
    if user is None:
        raise ApiError("user_not_found")
    locale = args.flag("include_locale")
    return {"user": user.to_api(team_id=state.workspace.team_id, now=state.clock.now(), include_locale=locale)}


def lookup_by_email(state: SandboxState, args: Args) -> dict[str, Any]:
    """users.lookupByEmail: `users_not_found` when nobody has that address."""
    user = state.workspace.user_by_email(args.need_text("email", error="users_not_found"))
    if user is None:
        raise ApiError("users_not_found")
    return {"user": user.to_api(team_id=state.workspace.team_id, now=state.clock.now())}


def _group(state: SandboxState, group: UserGroup, *, with_users: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": group.id,
        "team_id": state.workspace.team_id,
        "is_usergroup": True,
        "name": group.name,
        "handle": group.handle,
        "description": group.description,
        "date_delete": 1 if group.is_disabled else 0,
        "user_count": len(group.users),
    }
    if with_users:
        body["users"] = list(group.users)
    return body


def usergroups_list(state: SandboxState, args: Args) -> dict[str, Any]:
    """usergroups.list: enabled groups (disabled ones with include_disabled)."""
    disabled = args.flag("include_disabled")
    groups = [g for g in state.workspace.usergroups.values() if disabled or not g.is_disabled]
    return {"usergroups": [_group(state, g, with_users=args.flag("include_users")) for g in groups]}


def usergroup_users(state: SandboxState, args: Args) -> dict[str, Any]:
    """usergroups.users.list: member ids, `no_such_subteam` for unknown (or disabled) groups."""
    group = state.workspace.usergroups.get(args.need_text("usergroup", error="no_such_subteam"))
    if group is None or (group.is_disabled and not args.flag("include_disabled")):
        raise ApiError("no_such_subteam")
    return {"users": list(group.users)}


def open_conversation(state: SandboxState, args: Args) -> dict[str, Any]:
    """conversations.open: one user → a stable `D…` DM, 2..8 users → a stable `G…` group DM."""
    ws = state.workspace
    users = args.id_list("users")
    if not users and args.text("channel"):
        channel = state.readable(args.need_text("channel", error="channel_not_found"))
    elif not users:
        raise ApiError("users_list_not_supplied")
    elif len(users) > MAX_GROUP_DM:
        raise ApiError("too_many_users")
    elif any(u not in ws.users for u in users):
        raise ApiError("user_not_found")
    else:
        others = [u for u in users if u != ws.bot.user_id]
        channel = ws.im_with(others[0]) if len(others) == 1 else ws.group_dm(others)
    if args.flag("return_im"):
        return {"channel": channel.to_api(viewer=ws.bot.user_id)}
    return {"channel": {"id": channel.id}}


def conversation_info(state: SandboxState, args: Args) -> dict[str, Any]:
    """conversations.info."""
    channel = state.readable(args.need_text("channel", error="channel_not_found"))
    return {"channel": channel.to_api(viewer=state.workspace.bot.user_id)}


def _window(messages: list[dict[str, Any]], args: Args) -> list[dict[str, Any]]:
    oldest, latest = float(args.text("oldest") or 0), float(args.text("latest") or "inf")
    inclusive = args.flag("inclusive")
    return [
        m for m in messages if (oldest < float(m["ts"]) < latest) or (inclusive and float(m["ts"]) in (oldest, latest))
    ]


def _metadata_shown(messages: list[dict[str, Any]], args: Args) -> list[dict[str, Any]]:
    """Message metadata is returned only with `include_all_metadata=true` (conversations.history
    and conversations.replies method references)."""
    if args.flag("include_all_metadata"):
        return messages
    return [{k: v for k, v in m.items() if k != "metadata"} for m in messages]


def replies(state: SandboxState, args: Args) -> dict[str, Any]:
    """conversations.replies: the parent, then replies oldest first."""
    channel = state.joined(args.need_text("channel", error="channel_not_found"))
    ts = args.need_text("ts", error="thread_not_found")
    thread = state.workspace.messages.thread(channel.id, state.workspace.messages.thread_root(channel.id, ts) or ts)
    if not thread:
        raise ApiError("thread_not_found")
    limit = args.number("limit", default=1000)
    shown = _metadata_shown(thread[:limit], args)
    return {"messages": shown, "has_more": len(thread) > limit, **_NO_CURSOR}


def history(state: SandboxState, args: Args) -> dict[str, Any]:
    """conversations.history: top-level messages, newest first."""
    channel = state.joined(args.need_text("channel", error="channel_not_found"))
    found = _window(state.workspace.messages.top_level(channel.id), args)[::-1]
    limit = args.number("limit", default=100)
    return {"messages": _metadata_shown(found[:limit], args), "has_more": len(found) > limit, **_NO_CURSOR}


def join(state: SandboxState, args: Args) -> dict[str, Any]:
    """conversations.join: public, unarchived channels only."""
    channel = state.readable(args.need_text("channel", error="channel_not_found"))
    if channel.is_im or channel.is_mpim or channel.is_private:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise ApiError("is_archived")
    bot = state.workspace.bot.user_id
    already = bot in channel.members
    channel.members.add(bot)
    body: dict[str, Any] = {"channel": channel.to_api(viewer=bot)}
    if already:
        body["warning"] = "already_in_channel"
    return body


def members(state: SandboxState, args: Args) -> dict[str, Any]:
    """conversations.members."""
    channel = state.readable(args.need_text("channel", error="channel_not_found"))
    return {"members": sorted(channel.members), **_NO_CURSOR}
