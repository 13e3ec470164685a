"""The Web API methods the stand-in answers: tier, allowed and required arguments, handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from slack_standin.state import SandboxState
from slack_standin.web_api import chat, directory, files, views
from slack_standin.web_api.args import Args

Handler = Callable[[SandboxState, Args], dict[str, Any]]
TokenType = Literal["bot", "app"]


@dataclass(frozen=True, slots=True)
class Need:
    """At least one of `names` must be given (non-empty), or the call fails with `error`."""

    names: tuple[str, ...]
    error: str


@dataclass(frozen=True, slots=True)
class Method:
    """One row of the method table. `tier` None means a special limit (see ratelimit.SPECIAL)."""

    name: str
    tier: int | None
    handler: Handler
    allowed: frozenset[str]
    needs: tuple[Need, ...]
    token: TokenType = "bot"  # "app": only an app-level (xapp-) token may call it


def _method(name: str, tier: int | None, handler: Handler, allowed: str, *needs: tuple[str, str]) -> Method:
    return Method(
        name,
        tier,
        handler,
        frozenset(allowed.split()),
        tuple(Need(tuple(names.split()), error) for names, error in needs),
    )


_CHANNEL = ("channel", "channel_not_found")
_CONTENT = ("text blocks attachments markdown_text", "no_text")
_POST = "channel text as_user attachments blocks thread_ts icon_emoji icon_url link_names username parse markdown_text"
_VIEW = ("view", "invalid_arguments")
_TRIGGER = ("trigger_id interactivity_pointer", "invalid_arguments")
_PAGE = "cursor inclusive include_all_metadata latest limit oldest"


def _connections_open(state: SandboxState, args: Args) -> dict[str, Any]:
    return {"url": state.sockets.open_url()}


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        _method("auth.test", None, directory.auth_test, ""),
        Method("apps.connections.open", 1, _connections_open, frozenset(), (), token="app"),
        _method(
            "chat.postMessage",
            None,
            chat.post_message,
            f"{_POST} reply_broadcast unfurl_links unfurl_media container_id mrkdwn metadata",
            _CHANNEL,
            _CONTENT,
        ),
        _method(
            "chat.update",
            3,
            chat.update,
            "channel ts text as_user attachments blocks link_names parse file_ids reply_broadcast metadata"
            " markdown_text",
            _CHANNEL,
            ("ts", "message_not_found"),
            _CONTENT,
        ),
        _method(
            "chat.postEphemeral",
            4,
            chat.post_ephemeral,
            f"{_POST} user",
            _CHANNEL,
            ("user", "user_not_found"),
            _CONTENT,
        ),
        _method(
            "chat.getPermalink",
            None,
            chat.permalink,
            "channel message_ts",
            _CHANNEL,
            ("message_ts", "message_not_found"),
        ),
        _method("chat.delete", 3, chat.delete, "channel ts as_user", _CHANNEL, ("ts", "message_not_found")),
        _method(
            "reactions.add",
            3,
            chat.add_reaction,
            "channel name timestamp",
            _CHANNEL,
            ("name", "invalid_name"),
            ("timestamp", "no_item_specified"),
        ),
        _method(
            "conversations.open",
            3,
            directory.open_conversation,
            "channel return_im users prevent_creation",
            ("users channel", "users_list_not_supplied"),
        ),
        _method(
            "conversations.info",
            3,
            directory.conversation_info,
            "channel include_locale include_num_members",
            _CHANNEL,
        ),
        _method(
            "conversations.replies",
            3,
            directory.replies,
            f"channel ts {_PAGE}",
            _CHANNEL,
            ("ts", "thread_not_found"),
        ),
        _method("conversations.history", 3, directory.history, f"channel {_PAGE}", _CHANNEL),
        _method("conversations.join", 3, directory.join, "channel", _CHANNEL),
        _method("conversations.members", 4, directory.members, "channel cursor limit", _CHANNEL),
        _method("users.info", 4, directory.users_info, "user include_locale", ("user", "user_not_found")),
        _method("users.lookupByEmail", 3, directory.lookup_by_email, "email", ("email", "users_not_found")),
        _method(
            "usergroups.list",
            2,
            directory.usergroups_list,
            "include_count include_disabled include_users team_id",
        ),
        _method(
            "usergroups.users.list",
            2,
            directory.usergroup_users,
            "usergroup include_disabled team_id",
            ("usergroup", "no_such_subteam"),
        ),
        _method("views.open", 4, views.open_view, "trigger_id interactivity_pointer view", _VIEW, _TRIGGER),
        _method("views.push", 4, views.push_view, "trigger_id interactivity_pointer view", _VIEW, _TRIGGER),
        _method(
            "views.update",
            4,
            views.update_view,
            "view view_id external_id hash",
            _VIEW,
            ("view_id external_id", "invalid_arguments"),
        ),
        _method(
            "files.getUploadURLExternal",
            4,
            files.get_upload_url,
            "filename length alt_txt snippet_type",
            ("filename", "invalid_arguments"),
        ),
        _method(
            "files.completeUploadExternal",
            4,
            files.complete_upload,
            "files channel_id channels initial_comment thread_ts blocks",
            ("files", "invalid_arguments"),
        ),
        _method("views.publish", 4, views.publish_view, "user_id view hash", ("user_id", "invalid_arguments"), _VIEW),
    )
}
