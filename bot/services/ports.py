"""What the use cases need from the outside world, as small interfaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.case import Case, MessageRef

# Re-exported where the senders have always found them; defined in the domain for the job runner too.
from bot.domain.delivery import DeliveryError as DeliveryError
from bot.domain.delivery import SendingFor as SendingFor
from bot.domain.delivery import sending_for as sending_for
from bot.domain.flow import Flow


@dataclass(frozen=True, slots=True)
class DeliveryFailure:
    """A job that ran out of attempts, told to people."""

    what: str
    error: str
    attempts: int
    case: Case | None = None


@dataclass(frozen=True, slots=True)
class WithdrawOffer:
    """A guide article that may answer a just-filed case, offered while its first page is held."""

    guide_id: str
    title: str
    url: str
    held_until: datetime


class Notifier(Protocol):
    """Sends that the job engine retries; implemented by the Slack layer."""

    def post_case_root(self, case: Case, flow: Flow) -> MessageRef: ...

    def post_case_details(self, case: Case, flow: Flow, *, channel_id: str | None = None) -> MessageRef: ...

    def link_restricted_details(self, case: Case, *, permalink: str) -> None: ...

    def permalink(self, ref: MessageRef) -> str: ...

    def reply_to_source(self, case: Case, where: MessageRef, *, permalink: str, private_to: str | None) -> bool:
        """Reply "escalated as ADS-1042" in `where`'s thread (only to `private_to` when given); False
        when Slack will not show it there (the bot cannot reach that conversation)."""
        ...

    def confirm_to_reporter(
        self, case: Case, flow: Flow, *, permalink: str, offer: WithdrawOffer | None = None
    ) -> None: ...

    def confirm_follow(self, case: Case, *, user_id: str, permalink: str | None) -> None: ...

    def note_follower_in_thread(
        self, case: Case, *, user_id: str, question: str = "", market: str = "", links: tuple[str, ...] = ()
    ) -> None: ...

    def report_failure(self, failure: DeliveryFailure, *, leads_channel: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ThreadNote:
    """A short line in a case's thread; the Slack layer words it."""

    kind: str  # paging | nobody_on_call | held | acknowledged | declined | a lifecycle Action value | sla
    users: tuple[str, ...] = ()
    round: int = 0
    level: int = 0
    at: datetime | None = None
    text: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class LeadsAlert:
    """Something the leads' channel must hear about a case."""

    kind: str  # unanswered | backlog (filed during an outage, nobody paged yet) | nobody_on_call | *_breach
    case: Case
    round: int
    level: int
    repeats: bool = False


class Directory(Protocol):
    """Looks people up in the workspace (cached by the implementation)."""

    def user_for_email(self, email: str) -> str | None: ...

    def usergroup_members(self, usergroup_id: str) -> tuple[str, ...]: ...


class PageSender(Protocol):
    """The Slack sends of paging (retried by the job engine)."""

    def send_page(
        self, case: Case, flow: Flow, *, user_id: str, round: int, level: int, again: bool = False
    ) -> MessageRef: ...

    def post_thread_note(self, case: Case, note: ThreadNote, *, restricted: MessageRef | None = None) -> None:
        """In the `restricted` thread when given (a sensitive case's whole note), else in the case thread
        (for a sensitive case, a line without its text)."""
        ...

    def alert_leads(self, alert: LeadsAlert, flow: Flow, *, leads_channel: str) -> None: ...

    def update_root(self, case: Case, flow: Flow) -> None: ...

    def update_page(
        self, case: Case, flow: Flow, ref: MessageRef, *, user_id: str, round: int = 0, level: int = 0
    ) -> None: ...

    def tell_change(
        self, case: Case, flow: Flow, *, user_id: str, what: str, by: str, text: str, instead_of: str | None
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class DueItem:
    """Something about an open case that falls due during a shift."""

    case: Case
    what: str  # "campaign deadline" | "acknowledge SLA" | "resolve SLA"
    at: datetime


@dataclass(frozen=True, slots=True)
class HandoffNotice:
    """What the incoming on-call is told at a handoff."""

    schedule_title: str
    layer: str
    user_id: str
    start_at: datetime
    end_at: datetime | None
    open_cases: tuple[Case, ...]
    due: tuple[DueItem, ...]


class RepSender(Protocol):
    """DMs to the reps about their case."""

    def ask_rep(self, case: Case, flow: Flow, *, question: str, asked_by: str) -> None: ...

    def tell_outcome(
        self, case: Case, flow: Flow, *, user_id: str, full: bool = True, may_reopen: bool = True
    ) -> None: ...


class HandoffSender(Protocol):
    """The Slack sends of handoffs."""

    def send_handoff(self, notice: HandoffNotice) -> None: ...

    def post_handoff_note(self, notice: HandoffNotice, *, channel_id: str) -> None: ...


class OpsKind(StrEnum):
    """What the auditor or the configuration reloader has to tell the leads."""

    TIMERS_LATE = "timers_late"
    TICK_STALLED = "tick_stalled"
    STORE_DOWN = "store_down"
    STORE_BACK = "store_back"
    STORE_LOCKED = "store_locked"  # reachable, but this replica's writes fail (SQLite locked, Postgres slow)
    CLOCK_SKEW = "clock_skew"
    CONFIG_REJECTED = "config_rejected"
    CONFIG_NEEDS_RESTART = "config_needs_restart"
    SLACK_BACK = "slack_back"  # Slack answers again after being slow/unreachable or refusing the token


@dataclass(frozen=True, slots=True)
class OpsNotice:
    """A finding about the bot's own health; bot/slack words it."""

    kind: OpsKind
    worker: str = ""  # the replica it concerns
    duration: timedelta = timedelta(0)  # how late, how long stalled or down
    overdue: int = 0
    job_kind: str = ""
    case_id: str = ""  # human id of the oldest late job's case
    problems: tuple[str, ...] = ()  # file:line problems of a rejected configuration
    loaded_at: datetime | None = None  # when the configuration in force was loaded
    summary: str = ""  # what a reload loaded
    settings: tuple[str, ...] = ()  # settings that wait for a restart


class OpsAlerts(Protocol):
    """Tells people that the bot itself is unwell; posted at once, never through the job queue
    (the queue may be what is stuck)."""

    def alert_ops(self, notice: OpsNotice, *, channel_id: str) -> None: ...
