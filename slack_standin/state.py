"""Everything the Web API handlers and the people share: workspace, clock, triggers, links, one lock."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from slack_standin.clock import Clock
from slack_standin.transport.socket_mode import SocketModeHub
from slack_standin.web_api.errors import ApiError
from slack_standin.web_api.response_urls import ResponseUrls
from slack_standin.web_api.triggers import TriggerRegistry
from slack_standin.workspace.files import FileStore
from slack_standin.workspace.messages import TsSource
from slack_standin.workspace.model import Channel, Workspace


@dataclass(slots=True)
class SandboxState:
    """The stand-in's mutable world; hold `lock` while reading or changing the workspace."""

    workspace: Workspace
    clock: Clock
    triggers: TriggerRegistry
    response_urls: ResponseUrls
    ts: TsSource
    sockets: SocketModeHub
    lock: threading.RLock = field(default_factory=threading.RLock)
    files: FileStore = field(default_factory=FileStore)  # uploads in flight (files.getUploadURLExternal)

    @classmethod
    def create(cls, workspace: Workspace, clock: Clock) -> SandboxState:
        """Wire a fresh state around a workspace and the shared clock."""
        sockets = SocketModeHub(app_id=workspace.bot.app_id)
        return cls(workspace, clock, TriggerRegistry(clock), ResponseUrls(clock), TsSource(clock), sockets)

    def readable(self, ref: str) -> Channel:
        """A conversation the bot can see: unknown or private-without-the-bot is `channel_not_found`."""
        channel = self.workspace.resolve(ref)
        if channel is None or (channel.is_private and self.workspace.bot.user_id not in channel.members):
            raise ApiError("channel_not_found")
        return channel

    def joined(self, ref: str) -> Channel:
        """A conversation the bot is a member of (`not_in_channel` otherwise)."""
        channel = self.readable(ref)
        if self.workspace.bot.user_id not in channel.members:
            raise ApiError("not_in_channel")
        return channel

    def postable(self, ref: str) -> Channel:
        """A conversation the bot may post in: a member, and not archived."""
        channel = self.readable(ref)
        if channel.is_archived:
            raise ApiError("is_archived")
        return self.joined(ref)
