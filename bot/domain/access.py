"""The one access decision: who may see or change a case, from the roles a person holds on it.

Roles come from outside (bot/services/access.py works them out); this module only decides. A role is
never gained by pressing a button: following a case makes a person a follower and nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from bot.domain.lifecycle import Action


class Role(StrEnum):
    """What a person is to a case (several may hold at once)."""

    LEAD = "lead"  # app.yaml `leads`
    STAFF = "staff"  # schedule members of the flow's policy, users it names, `staff_usergroups`
    ON_CALL = "on_call"  # on call or covering (an override) now for a schedule the flow's policy pages
    PAGED = "paged"  # was paged for this case
    REPORTER = "reporter"  # filed it
    FOLLOWER = "follower"  # follows it (after a duplicate notice or the Follow button)
    ANYONE = "anyone"  # everybody else in the workspace


class Right(StrEnum):
    """What may be done to a case; each lifecycle Action needs one."""

    SEE = "see"  # its history and details (`status`, App Home, find)
    ACKNOWLEDGE = "acknowledge"  # Acknowledge and "Can't take it"
    WORK = "work"  # take, reassign, severity, request info, wait, resume, resolve, close
    ADD_INFO = "add_info"  # notes, answering the specialist's question, "any update?"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"  # before anyone was paged, a guide answered it
    FOLLOW = "follow"


ACTION_RIGHTS: dict[Action, Right] = {
    Action.ACKNOWLEDGE: Right.ACKNOWLEDGE,
    Action.TAKE: Right.WORK,
    Action.REASSIGN: Right.WORK,
    Action.CHANGE_SEVERITY: Right.WORK,
    Action.REQUEST_INFO: Right.WORK,
    Action.WAIT_ON_PARTNER: Right.WORK,
    Action.RESUME: Right.WORK,
    Action.RESOLVE: Right.WORK,
    Action.CLOSE: Right.WORK,
    Action.ADD_NOTE: Right.ADD_INFO,
    Action.REP_REPLIED: Right.ADD_INFO,
    Action.REOPEN: Right.REOPEN,
    Action.WITHDRAW: Right.WITHDRAW,
}

_TEAM = frozenset(Right) - {Right.WITHDRAW}
_TEAM_AND_WITHDRAW = frozenset(Right)

# The table in the README ("Who may do what"); tests/slack/test_access_table.py tests each cell.
RIGHTS: dict[Role, frozenset[Right]] = {
    Role.LEAD: _TEAM_AND_WITHDRAW,
    Role.STAFF: _TEAM_AND_WITHDRAW,
    Role.ON_CALL: _TEAM,
    Role.PAGED: _TEAM,
    Role.REPORTER: frozenset({Right.SEE, Right.ADD_INFO, Right.REOPEN, Right.WITHDRAW, Right.FOLLOW}),
    Role.FOLLOWER: frozenset({Right.SEE, Right.ADD_INFO, Right.FOLLOW}),
    Role.ANYONE: frozenset({Right.FOLLOW}),
}

# The roles that work cases: they see everything about a sensitive case.
TEAM_ROLES = frozenset({Role.LEAD, Role.STAFF, Role.ON_CALL, Role.PAGED})
# On a sensitive case these roles keep only what the team gives them, nothing by themselves.
_SENSITIVE_LIMITED = {Role.FOLLOWER: frozenset({Right.ADD_INFO}), Role.ANYONE: frozenset[Right]()}


def allowed(roles: Iterable[Role], right: Right, *, sensitive: bool) -> bool:
    """Whether any of `roles` grants `right` on a case (sensitive or not)."""
    for role in roles:
        granted = _SENSITIVE_LIMITED.get(role, RIGHTS[role]) if sensitive else RIGHTS[role]
        if right in granted:
            return True
    return False


def is_team(roles: Iterable[Role]) -> bool:
    """Lead, staff, on call now or paged for the case: may read everything about it."""
    return any(r in TEAM_ROLES for r in roles)


_TEAM_NAMES = "the ads policy specialists and leads"
# The sentence a refused person reads, per right; it names what they may do instead where there is
# something. `{case}` is the case id. Also catalogue keys (bot/domain/form_text.py REFUSAL_WORDS).
REFUSALS: dict[Right, str] = {
    Right.SEE: "Only the people on {case} and the ads policy team can see its history.",
    Right.ACKNOWLEDGE: f"Only {_TEAM_NAMES} can do that on {{case}}. You can add information in its thread.",
    Right.WORK: f"Only {_TEAM_NAMES} can do that on {{case}}. You can add information in its thread.",
    Right.ADD_INFO: "Only the people on {case} and the ads policy team can add information to it.",
    Right.REOPEN: f"Only the reporter and {_TEAM_NAMES} can reopen {{case}}.",
    Right.WITHDRAW: "Only the reporter can withdraw {case}.",
    Right.FOLLOW: "You cannot follow {case}.",
}
# A withdrawal refused from the rep's own view names the reporter (a colleague pressed their button).
REPORTER_WITHDRAWS = "Only <@{user}>, who filed {case}, can withdraw it."
SENSITIVE_FOLLOW = f"{{case}} is a sensitive case: only {_TEAM_NAMES} can follow it."


def refusal_message(right: Right, *, sensitive: bool = False) -> str:
    """The refusal's template for `right` (`{case}` to fill in)."""
    return SENSITIVE_FOLLOW if right is Right.FOLLOW and sensitive else REFUSALS[right]


def refusal(right: Right, human_id: str, *, sensitive: bool = False) -> str:
    """The sentence a refused person reads, in English."""
    return refusal_message(right, sensitive=sensitive).format(case=human_id)


# --- swaps: who may press what on a shift swap ------------------------------------------------------


class SwapRole(StrEnum):
    """What a person is to a proposed swap of one shift (several may hold at once)."""

    ASKED = "asked"  # the person the proposal is addressed to (covers the shift, or gives it up)
    ASKER = "asker"  # the person who proposed it
    MEMBER = "member"  # a member of the schedule the shift belongs to
    LEAD = "lead"  # app.yaml `leads`
    ANYONE = "anyone"


class SwapRight(StrEnum):
    PROPOSE = "propose"  # offer to give one's own shift, or ask to take a colleague's (as its cover)
    ANSWER = "answer"  # Accept / Decline on the proposal's DM


SWAP_RIGHTS: dict[SwapRole, frozenset[SwapRight]] = {
    SwapRole.ASKED: frozenset({SwapRight.ANSWER}),
    SwapRole.ASKER: frozenset(),  # proposing does not let you accept for the other person
    SwapRole.MEMBER: frozenset({SwapRight.PROPOSE}),
    SwapRole.LEAD: frozenset({SwapRight.PROPOSE}),
    SwapRole.ANYONE: frozenset(),
}


def swap_allowed(roles: Iterable[SwapRole], right: SwapRight) -> bool:
    """Whether any of `roles` grants `right` on a swap."""
    return any(right in SWAP_RIGHTS[role] for role in roles)


def swap_refusal(right: SwapRight, schedule_title: str) -> str:
    """The sentence a refused person reads."""
    return {
        SwapRight.PROPOSE: f"Only members of {schedule_title} and the leads can swap its shifts.",
        SwapRight.ANSWER: "Only the person asked can answer this swap.",
    }[right]
