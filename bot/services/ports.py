"""What the use cases need from the outside world, as small interfaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.domain.case import Case, MessageRef
from bot.domain.flow import Flow


class DeliveryError(Exception):
    """A send to Slack did not land. Retryable errors come back later; others go to a person."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: timedelta | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class DeliveryFailure:
    """A job that ran out of attempts, told to people."""

    what: str
    error: str
    attempts: int
    case: Case | None = None


class Notifier(Protocol):
    """Sends that the job engine retries; implemented by the Slack layer."""

    def post_case_root(self, case: Case, flow: Flow) -> MessageRef: ...

    def post_case_details(self, case: Case, flow: Flow) -> MessageRef: ...

    def permalink(self, ref: MessageRef) -> str: ...

    def confirm_to_reporter(self, case: Case, flow: Flow, *, permalink: str) -> None: ...

    def confirm_follow(self, case: Case, *, user_id: str, permalink: str | None) -> None: ...

    def note_follower_in_thread(self, case: Case, *, user_id: str) -> None: ...

    def report_failure(self, failure: DeliveryFailure, *, leads_channel: str) -> None: ...
