"""How a send to Slack (or any outside channel) failed, and which job a send belongs to.

Shared by the use cases that send and the job runner that retries them, so neither imports the other."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta


class DeliveryError(Exception):
    """A send to Slack did not land. Retryable errors come back later; others go to a person."""

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        retry_after: timedelta | None = None,
        auth: bool = False,
        hold: bool = False,
        dead_address: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        # The recipient can never receive it (deactivated, unknown): no retry will ever land.
        self.dead_address = dead_address
        # The token is refused (revoked, inactive, missing a scope): nothing can be sent until a person
        # fixes it, so the job is held (pending, backing off), never failed and never reported with it.
        self.auth = auth
        # Nothing was sent and waiting is the whole remedy (auth, 429): the attempt is not spent.
        self.hold = hold or auth


@dataclass(frozen=True, slots=True)
class SendingFor:
    """The job a send belongs to: its key goes into the message's metadata, and `may_have_sent`
    (a later attempt: timeout, reset or lease taken over) asks to look in history first."""

    key: str
    may_have_sent: bool


sending_for: ContextVar[SendingFor | None] = ContextVar("sending_for", default=None)
