"""The case state machine: which action may move a case from which status, and where it lands."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.case import CaseStatus
from bot.domain.refusal import Refusal

S = CaseStatus


class Action(StrEnum):
    """What people do to a case (each is an audit event)."""

    ACKNOWLEDGE = "acknowledge"
    TAKE = "take"
    REASSIGN = "reassign"
    CHANGE_SEVERITY = "change_severity"
    ADD_NOTE = "add_note"
    REQUEST_INFO = "request_info"
    REP_REPLIED = "rep_replied"
    WAIT_ON_PARTNER = "wait_on_partner"
    RESUME = "resume"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"
    WITHDRAW = "withdraw"  # the rep: a guide article answered it, before anyone was paged


class Outcome(StrEnum):
    """How a case ends, in words the rep can act on."""

    APPROVED = "approved"
    APPROVED_WITH_CHANGES = "approved_with_changes"
    REJECTED = "rejected"
    NO_VIOLATION = "no_violation"
    REFERRED = "referred"
    ANSWERED_BY_GUIDANCE = "answered_by_guidance"  # withdrawn by the rep; never picked when resolving

    @property
    def label(self) -> str:
        return {
            "approved": "Approved",
            "approved_with_changes": "Approved with changes",
            "rejected": "Rejected",
            "no_violation": "No violation found",
            "referred": "Referred to legal / policy",
            "answered_by_guidance": "Answered by guidance",
        }[self.value]


OPEN = frozenset({S.NEW, S.ACKNOWLEDGED, S.INVESTIGATING, S.WAITING_ON_REP, S.WAITING_ON_PARTNER})
WORKING = frozenset({S.ACKNOWLEDGED, S.INVESTIGATING, S.WAITING_ON_PARTNER})

# action → (statuses it may start from, status it leads to; None keeps the status)
RULES: dict[Action, tuple[frozenset[CaseStatus], CaseStatus | None]] = {
    Action.ACKNOWLEDGE: (frozenset({S.NEW}), S.ACKNOWLEDGED),
    Action.TAKE: (OPEN, S.INVESTIGATING),
    Action.REASSIGN: (OPEN, None),
    Action.CHANGE_SEVERITY: (OPEN, None),
    Action.ADD_NOTE: (OPEN | {S.RESOLVED}, None),
    Action.REQUEST_INFO: (OPEN - {S.WAITING_ON_REP}, S.WAITING_ON_REP),
    # A question asked of the rep stays answerable whatever happened since (a specialist pressed Resume,
    # resolved it): in any status but closed. Only an answer to a pending question moves the case on.
    Action.REP_REPLIED: (OPEN | {S.RESOLVED}, None),
    Action.WAIT_ON_PARTNER: (OPEN - {S.WAITING_ON_PARTNER}, S.WAITING_ON_PARTNER),
    Action.RESUME: (frozenset({S.WAITING_ON_PARTNER, S.WAITING_ON_REP}), S.INVESTIGATING),
    Action.RESOLVE: (OPEN, S.RESOLVED),
    Action.REOPEN: (frozenset({S.RESOLVED, S.CLOSED}), S.INVESTIGATING),
    Action.CLOSE: (frozenset({S.RESOLVED}), S.CLOSED),
    # Only before anyone acknowledged; the use case also refuses once a page has gone out.
    Action.WITHDRAW: (frozenset({S.NEW}), S.CLOSED),
}

# What a specialist may pick when resolving (a withdrawal records its own outcome).
RESOLVE_OUTCOMES = tuple(o for o in Outcome if o is not Outcome.ANSWERED_BY_GUIDANCE)


class InvalidTransition(Refusal):
    """This action cannot happen in the case's current status; the message says why."""

    def __init__(self, action: Action, status: CaseStatus) -> None:
        super().__init__(
            INVALID_TRANSITION,
            {"status": status_words(status), "action": _PAST.get(action, action.value)},
            words=frozenset({"status", "action"}),
        )
        self.action = action
        self.status = status


INVALID_TRANSITION = "A case that is {status} cannot be {action}."


def status_words(status: CaseStatus) -> str:
    """A status as people read it ("waiting on rep")."""
    return status.value.replace("_", " ")


_PAST = {
    Action.ACKNOWLEDGE: "acknowledged",
    Action.TAKE: "taken",
    Action.REASSIGN: "reassigned",
    Action.CHANGE_SEVERITY: "given a new severity",
    Action.ADD_NOTE: "noted",
    Action.REQUEST_INFO: "put on hold for the rep again",
    Action.REP_REPLIED: "answered by the rep",
    Action.WAIT_ON_PARTNER: "put on hold for a partner team again",
    Action.RESUME: "resumed",
    Action.RESOLVE: "resolved",
    Action.REOPEN: "reopened",
    Action.CLOSE: "closed",
    Action.WITHDRAW: "withdrawn",
}


# Actions whose target depends on where the case stands (otherwise RULES' target).
_LANDS: dict[Action, dict[CaseStatus, CaseStatus]] = {
    Action.REP_REPLIED: {S.WAITING_ON_REP: S.INVESTIGATING},
}


def next_status(status: CaseStatus, action: Action) -> CaseStatus:
    """Where `action` takes a case in `status`; InvalidTransition if it cannot."""
    sources, target = RULES[action]
    if status not in sources:
        raise InvalidTransition(action, status)
    if status in _LANDS.get(action, {}):
        return _LANDS[action][status]
    return status if target is None else target


def resolve_clock_runs(status: CaseStatus) -> bool:
    """The time-to-resolve clock stops while the case waits on the rep."""
    return status in OPEN and status is not S.WAITING_ON_REP


# The words a refused transition is told in (catalogue keys, bot/domain/form_text.py REFUSAL_WORDS).
TRANSITION_WORDS = (INVALID_TRANSITION, *(status_words(s) for s in CaseStatus), *_PAST.values())
