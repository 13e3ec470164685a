"""Who may do what to a case: staff (on-call members of the flow's schedules, leads, named groups)
may do everything; the reporter and followers may add information, answer and ask for an update; only the
reporter may withdraw their own case."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.case import Case
from bot.domain.lifecycle import Action

REP_ACTIONS = frozenset({Action.ADD_NOTE, Action.REP_REPLIED, Action.REOPEN})


@dataclass(frozen=True, slots=True)
class Actor:
    """A person as far as permissions go."""

    user_id: str
    is_staff: bool


class NotAllowed(Exception):
    """The person may not do this; nothing changed."""


def may(actor: Actor, action: Action, case: Case) -> bool:
    """Whether `actor` may do `action` to `case`."""
    if actor.is_staff:
        return True
    if action is Action.WITHDRAW:
        return actor.user_id == case.reporter_id
    involved = actor.user_id == case.reporter_id or actor.user_id in case.followers
    return involved and action in REP_ACTIONS


def check(actor: Actor, action: Action, case: Case) -> None:
    """Raise NotAllowed with a sentence the person understands."""
    if not may(actor, action, case):
        who = "the ads policy specialists and leads"
        raise NotAllowed(f"Only {who} can do that on {case.human_id}. You can add information in its thread.")
