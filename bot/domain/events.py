"""Every kind of event recorded in a case's history, in one enum (the audit trail's vocabulary)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.lifecycle import Action


class EventKind(StrEnum):
    """What happened to a case. Lifecycle actions record their Action's value."""

    # intake and Slack delivery
    OPENED = "opened"
    POSTED = "posted"
    DETAILS_POSTED = "details_posted"
    SOURCE_REPLIED = "source_replied"  # the escalated Slack message was told the case id (issue 22)
    REPORTER_CONFIRMED = "reporter_confirmed"
    FOLLOWED = "followed"  # a second rep follows instead of filing a duplicate
    ADDED_TO = "added_to"  # the reporter filed the same again and added to their own case
    GUIDE_DRAFTED = "guide_drafted"
    LINKED = "linked"  # filed beside a sensitive case it may duplicate; linked for the team only
    # paging
    PAGING_STARTED = "paging_started"
    PAGING_STOPPED = "paging_stopped"
    ESCALATED = "escalated"
    ESCALATION_COALESCED = "escalation_coalesced"
    PAGED = "paged"
    REPAGED = "repaged"
    PAGE_SKIPPED = "page_skipped"
    PAGE_FAILED = "page_failed"
    ACKNOWLEDGED = "acknowledged"
    PASSED_ON = "passed_on"
    REASSIGN_UNACKNOWLEDGED = "reassign_unacknowledged"
    OWNER_TOLD = "owner_told"
    # timers
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    DEADLINE_REMINDER = "deadline_reminder"
    DEADLINE_PASSED = "deadline_passed"
    SEVERITY_RAISED = "severity_raised"
    # contact methods beyond Slack (SMS, call, e-mail, PagerDuty, Opsgenie)
    CONTACTED = "contacted"
    CONTACT_FAILED = "contact_failed"
    # lifecycle actions (Action values)
    ACKNOWLEDGE = Action.ACKNOWLEDGE.value
    TAKE = Action.TAKE.value
    REASSIGN = Action.REASSIGN.value
    CHANGE_SEVERITY = Action.CHANGE_SEVERITY.value
    ADD_NOTE = Action.ADD_NOTE.value
    REQUEST_INFO = Action.REQUEST_INFO.value
    REP_REPLIED = Action.REP_REPLIED.value
    WAIT_ON_PARTNER = Action.WAIT_ON_PARTNER.value
    RESUME = Action.RESUME.value
    RESOLVE = Action.RESOLVE.value
    REOPEN = Action.REOPEN.value
    CLOSE = Action.CLOSE.value
    WITHDRAW = Action.WITHDRAW.value


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One entry of a case's history: when, what (an EventKind value), who did it, and what it carried."""

    at: datetime
    kind: str
    actor_id: str | None
    data: dict[str, Any]
