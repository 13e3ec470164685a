"""The case: an escalation as the domain sees it, and its states."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.refusal import Param, Refusal

# A first page due sooner than this after filing is not "held": nobody is told to wait for it.
HELD_AT_LEAST = timedelta(minutes=10)


class CaseStatus(StrEnum):
    """Where a case stands."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    WAITING_ON_REP = "waiting_on_rep"
    WAITING_ON_PARTNER = "waiting_on_partner"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self not in (CaseStatus.RESOLVED, CaseStatus.CLOSED)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where a Slack message lives (channel id and ts), without Slack's shapes."""

    channel_id: str
    ts: str


@dataclass(frozen=True, slots=True)
class Page:
    """One page sent for a case: to whom, the DM it lives in, and the round and level of the policy."""

    user_id: str
    ref: MessageRef
    round: int
    level: int


@dataclass(frozen=True, slots=True)
class Case:
    """An escalation as stored."""

    id: int
    human_id: str
    flow_id: str
    status: CaseStatus
    severity_id: str
    reporter_id: str
    advertiser: str
    campaign: str
    market: str
    summary: str
    deadline_at: datetime | None
    sensitive: bool
    created_at: datetime
    values: dict[str, Any] = field(default_factory=dict)
    root: MessageRef | None = None
    permalink: str | None = None
    source_channel_id: str | None = None
    followers: tuple[str, ...] = ()
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    paging_generation: int = 0
    version: int = 1
    owner_id: str | None = None
    outcome: str | None = None
    guidance: str | None = None
    policy_ref: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()
    answered_by_guide: str | None = None  # the guide article that answered it, when the rep withdrew it
    salesforce_object: str | None = None  # the linked Salesforce record's type (Opportunity, Account…)
    salesforce_id: str | None = None  # and its 18-character id
    source_message: str | None = None  # permalink of the Slack message it was escalated from
    first_page_at: datetime | None = None  # when its current paging plan pages the first level

    def page_held_until(self) -> datetime | None:
        """When the first page goes out, if the policy holds it (a low severity out of business hours):
        at least HELD_AT_LEAST after filing, or None when it goes out at once or paging never started."""
        if self.first_page_at is None or self.first_page_at - self.created_at < HELD_AT_LEAST:
            return None
        return self.first_page_at

    @property
    def needs_paging(self) -> bool:
        """Open and not yet acknowledged: the policy keeps paging."""
        return self.status is CaseStatus.NEW and self.acknowledged_by is None


ACKNOWLEDGED_AT = "{case} was already acknowledged by <@{user}> at {at}."
ACKNOWLEDGED_BY = "{case} was already acknowledged by <@{user}>."
NOTHING_TO_ACKNOWLEDGE = "{case} is {status}; there is nothing to acknowledge."


class AlreadyAcknowledged(Refusal):
    """Someone acknowledged the case first."""

    emoji = ""

    def __init__(self, case: Case) -> None:
        params: dict[str, Param] = {"case": case.human_id, "user": case.acknowledged_by or ""}
        if case.acknowledged_at is not None:
            params["at"] = case.acknowledged_at
        super().__init__(ACKNOWLEDGED_AT if case.acknowledged_at is not None else ACKNOWLEDGED_BY, params)
        self.case = case


class AlreadyPaged(Refusal):
    """Someone was paged (or a page is being sent): the case can no longer be withdrawn."""

    def __init__(self, case: Case, users: tuple[str, ...]) -> None:
        who = ", ".join(users) if users else "the on-call specialist"
        super().__init__(
            "{case} was already paged to {who}; it can no longer be withdrawn", {"case": case.human_id, "who": who}
        )
        self.case = case
        self.users = users


class CaseNotOpen(Refusal):
    """The case is resolved or closed; it cannot be acknowledged."""

    emoji = ""

    def __init__(self, case: Case) -> None:
        status = case.status.value.replace("_", " ")
        super().__init__(NOTHING_TO_ACKNOWLEDGE, {"case": case.human_id, "status": status}, words=frozenset({"status"}))
        self.case = case


def human_id(prefix: str, number: int) -> str:
    """`ADS-1042` from the case number; numbers start at 1001 so ids are never short."""
    return f"{prefix}-{1000 + number}"


def parse_human_id(prefix: str, text: str) -> int | None:
    """The case number in `ADS-1042`, or None if the text is not one of ours."""
    head, _, tail = text.strip().upper().partition("-")
    if head != prefix.upper() or not tail.isdigit() or int(tail) <= 1000:
        return None
    return int(tail) - 1000
