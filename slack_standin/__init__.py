"""A local Slack stand-in: a Web API server that checks what Slack checks, and people who use the bot."""

from slack_standin.people.person import Person
from slack_standin.standin import SlackStandIn, posted_by
from slack_standin.transport.delivery import Response, Signing
from slack_standin.web_api.faults import Fault, Faults
from slack_standin.web_api.recorder import RecordedCall
from slack_standin.workspace.model import BotIdentity, Channel, User, UserGroup, Workspace
from slack_standin.workspace.team import default_workspace

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
    "posted_by",
]
