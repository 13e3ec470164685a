"""A local Slack stand-in: a Web API server that checks what Slack checks, and people who use the bot."""

from bot.sandbox.delivery import Response, Signing
from bot.sandbox.faults import Fault, Faults
from bot.sandbox.people import Person
from bot.sandbox.recorder import RecordedCall
from bot.sandbox.standin import SlackStandIn
from bot.sandbox.team import default_workspace
from bot.sandbox.workspace import BotIdentity, Channel, User, UserGroup, Workspace

__all__ = [
    "BotIdentity",
    "Channel",
    "Fault",
    "Faults",
    "Person",
    "RecordedCall",
    "Response",
    "Signing",
    "SlackStandIn",
    "User",
    "UserGroup",
    "Workspace",
    "default_workspace",
]
