"""The virtual workspace: people, channels, DMs, user groups, and the messages and views they hold."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_standin.workspace.messages import MessageLog
from slack_standin.workspace.views import ViewStore


@dataclass(slots=True)
class User:
    """A member of the workspace, with the profile fields the bot reads."""

    id: str
    name: str
    real_name: str
    email: str
    tz: str = "UTC"
    title: str = ""
    is_bot: bool = False
    is_admin: bool = False
    deleted: bool = False
    locale: str = "en-US"  # the Slack language the person chose (users.info with include_locale)

    def to_api(self, *, team_id: str, now: datetime, include_locale: bool = False) -> dict[str, Any]:
        """The `user` object of users.info at instant `now` (tz_offset follows DST); Slack adds `locale`
        only when the call asks for it with include_locale=true."""
        local = now.astimezone(ZoneInfo(self.tz))
        offset = local.utcoffset()
        profile = {
            "email": self.email,
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "title": self.title,
            "team": team_id,
        }
        body = {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": local.tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_admin": self.is_admin,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "profile": profile,
        }
        if include_locale:
            body["locale"] = self.locale
        return body


@dataclass(slots=True)
class Channel:
    """A public or private channel, a DM (`is_im`) or a group DM (`is_mpim`)."""

    id: str
    name: str
    members: set[str] = field(default_factory=set)
    is_archived: bool = False
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    user: str | None = None
    topic: str = ""
    created: int = 1_700_000_000

    def to_api(self, *, viewer: str) -> dict[str, Any]:
        """The `channel` object of conversations.info as seen by `viewer`."""
        body: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_im": self.is_im,
            "is_mpim": self.is_mpim,
        }
        if self.is_im:
            return {**body, "user": self.user, "is_open": True}
        return {
            **body,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private and not self.is_mpim,
            "is_group": self.is_private,
            "is_private": self.is_private or self.is_mpim,
            "is_member": viewer in self.members,
            "num_members": len(self.members),
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


@dataclass(slots=True)
class UserGroup:
    """A user group (`@ads-specialists`), known to the API as a subteam `S…`."""

    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)
    description: str = ""
    is_disabled: bool = False


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """The bot's user, bot and app ids as auth.test reports them."""

    user_id: str = "U0BOT"
    bot_id: str = "B0BOT"
    app_id: str = "A0ESCBOT"
    name: str = "escalation-bot"


class Workspace:
    """One Slack team: directory, conversations, messages and views, guarded by the stand-in's lock."""

    def __init__(
        self,
        *,
        team_id: str = "T0SANDBOX",
        domain: str = "sandbox",
        name: str = "Sandbox Ads",
        bot: BotIdentity | None = None,
        users: Iterable[User] = (),
        channels: Iterable[Channel] = (),
        usergroups: Iterable[UserGroup] = (),
    ) -> None:
        self.team_id = team_id
        self.domain = domain
        self.name = name
        self.bot = bot or BotIdentity()
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, UserGroup] = {}
        self.messages = MessageLog()
        self.views = ViewStore(team_id=team_id, app_id=self.bot.app_id, bot_id=self.bot.bot_id)
        self.add_user(User(self.bot.user_id, self.bot.name, "Escalation Bot", "", is_bot=True))
        for user in users:
            self.add_user(user)
        for channel in channels:
            self.add_channel(channel)
        for group in usergroups:
            self.usergroups[group.id] = group

    @property
    def url(self) -> str:
        """The workspace URL (permalinks start with it)."""
        return f"https://{self.domain}.slack.test/"

    def add_user(self, user: User) -> User:
        """Add (or replace) a user."""
        self.users[user.id] = user
        return user

    def add_channel(self, channel: Channel) -> Channel:
        """Add (or replace) a conversation."""
        self.channels[channel.id] = channel
        return channel

    def user_by_email(self, email: str) -> User | None:
        """The user with this e-mail (case-insensitive), if any."""
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == wanted and u.email), None)

    def resolve(self, ref: str) -> Channel | None:
        """A conversation by id, `#name`/name, or a user id (the bot's DM with that user)."""
        if ref in self.channels:
            return self.channels[ref]
        if ref in self.users and ref != self.bot.user_id:
            return self.im_with(ref)
        name = ref.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def im_with(self, user_id: str) -> Channel:
        """The bot's DM with a user, opened on first use; its id is stable (`D` + the user id)."""
        channel_id = "D" + user_id[1:]
        if channel_id not in self.channels:
            members = {self.bot.user_id, user_id}
            self.add_channel(Channel(channel_id, channel_id, members, is_im=True, user=user_id))
        return self.channels[channel_id]

    def group_dm(self, user_ids: Iterable[str]) -> Channel:
        """A multi-person DM with the bot; the same set of people always gets the same `G…` id."""
        members = {self.bot.user_id, *user_ids}
        digest = hashlib.sha1(",".join(sorted(members)).encode()).hexdigest()[:9].upper()
        channel_id = f"G{digest}"
        if channel_id not in self.channels:
            name = "mpdm-" + "--".join(sorted(self.users[u].name for u in members if u in self.users))
            self.add_channel(Channel(channel_id, name, members, is_private=True, is_mpim=True))
        return self.channels[channel_id]
