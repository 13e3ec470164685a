"""A person as the lifecycle sees them, and the check every action goes through (bot/domain/access.py
decides; this module only gathers the roles the case itself gives: reporter and follower)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.access import ACTION_RIGHTS, Right, Role, allowed, refusal_message
from bot.domain.case import Case
from bot.domain.lifecycle import Action
from bot.domain.refusal import Refusal


@dataclass(frozen=True, slots=True)
class Actor:
    """A person and the roles they hold from outside the case (lead, staff, on call, paged)."""

    user_id: str
    is_staff: bool = False  # shorthand for roles={STAFF}
    roles: frozenset[Role] = frozenset()


class NotAllowed(Refusal):
    """The person may not do this; nothing changed."""


def roles_on(actor: Actor, case: Case) -> frozenset[Role]:
    """Every role `actor` holds on `case`."""
    roles = set(actor.roles) | {Role.ANYONE}
    if actor.is_staff:
        roles.add(Role.STAFF)
    if actor.user_id == case.reporter_id:
        roles.add(Role.REPORTER)
    if actor.user_id in case.followers:
        roles.add(Role.FOLLOWER)
    return frozenset(roles)


def may_right(actor: Actor, right: Right, case: Case) -> bool:
    """Whether `actor` holds `right` on `case`."""
    return allowed(roles_on(actor, case), right, sensitive=case.sensitive)


def may(actor: Actor, action: Action, case: Case) -> bool:
    """Whether `actor` may do `action` to `case`."""
    return may_right(actor, ACTION_RIGHTS[action], case)


def check_right(actor: Actor, right: Right, case: Case) -> None:
    """Raise NotAllowed with a sentence the person understands."""
    if not may_right(actor, right, case):
        raise NotAllowed(refusal_message(right, sensitive=case.sensitive), {"case": case.human_id})


def check(actor: Actor, action: Action, case: Case) -> None:
    """Raise NotAllowed with a sentence the person understands."""
    check_right(actor, ACTION_RIGHTS[action], case)
