"""What a lifecycle action changes on a case, as a typed value: the request, and the columns it sets.

`change_for` is the rule (who owns the case after a reassign, when an acknowledgement is recorded or
withdrawn, what a resolution records, how the resolve clock's pauses move); the service saves the
`CaseChange` and records its before/after in the case's history.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import Enum

from bot.domain.case import Case, CaseStatus
from bot.domain.lifecycle import Action, Outcome


class Keep(Enum):
    """A column the action leaves as it is (None is a value: "nobody acknowledged")."""

    KEEP = "keep"


KEEP = Keep.KEEP
Pauses = tuple[tuple[datetime, datetime | None], ...]


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """What a person asked for; only the fields their action needs are set."""

    action: Action
    text: str = ""
    user_id: str | None = None
    severity_id: str | None = None
    outcome: Outcome | None = None
    policy_ref: str = ""
    guide_id: str = ""  # WITHDRAW: the guide article that answered the question
    worth_a_guide: bool = False  # RESOLVE: draft a guide article from the case for the leads' review


@dataclass(frozen=True, slots=True)
class CaseChange:
    """The columns an action sets, in the order the history shows them; KEEP leaves one as it is."""

    status: CaseStatus | Keep = KEEP
    owner_id: str | Keep | None = KEEP
    acknowledged_by: str | Keep | None = KEEP
    acknowledged_at: datetime | Keep | None = KEEP
    severity_id: str | Keep = KEEP
    outcome: str | Keep | None = KEEP
    guidance: str | Keep | None = KEEP
    policy_ref: str | Keep | None = KEEP
    resolved_by: str | Keep | None = KEEP
    resolved_at: datetime | Keep | None = KEEP
    answered_by_guide: str | Keep | None = KEEP
    pauses: Pauses | Keep = KEEP

    def columns(self) -> dict[str, object]:
        """The columns set, by name (for the store)."""
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not KEEP}

    def history(self, before: Case) -> dict[str, dict[str, object]]:
        """`{"before": …, "after": …}` of the columns set, as plain values (pauses are not shown)."""
        changed = {k: v for k, v in self.columns().items() if k != "pauses"}
        return {
            "before": {k: _plain(getattr(before, k)) for k in changed},
            "after": {k: _plain(v) for k, v in changed.items()},
        }


def _plain(value: object) -> object:
    if isinstance(value, CaseStatus):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _pauses(case: Case, status: CaseStatus, action: Action, now: datetime) -> Pauses | Keep:
    """The resolve clock stops while the case waits on the rep, and for the time it spent resolved."""
    pauses = list(case.pauses)
    if status is CaseStatus.WAITING_ON_REP and case.status is not CaseStatus.WAITING_ON_REP:
        pauses.append((now, None))
    if case.status is CaseStatus.WAITING_ON_REP and status is not CaseStatus.WAITING_ON_REP and pauses:
        pauses[-1] = (pauses[-1][0], now)
    if action is Action.REOPEN and case.resolved_at is not None and case.resolved_at <= now:
        # The time it spent resolved (or closed) does not count against the resolve SLA.
        pauses.append((case.resolved_at, now))
    return tuple(pauses) if pauses != list(case.pauses) else KEEP


def change_for(case: Case, request: ActionRequest, status: CaseStatus, *, actor_id: str, now: datetime) -> CaseChange:
    """The columns `request` by `actor_id` sets on `case`, moving it to `status` (already checked)."""
    action = request.action
    owner: str | Keep | None = KEEP
    acknowledged: tuple[str | Keep | None, datetime | Keep | None] = (KEEP, KEEP)
    if action is Action.TAKE:
        owner = actor_id
    if action is Action.REASSIGN:
        owner = request.user_id
        if request.user_id == actor_id:  # reassigned to oneself: taken, acknowledged now
            if case.acknowledged_by != actor_id:
                acknowledged = (actor_id, now)
        elif case.acknowledged_by is not None:  # until the new owner acknowledges, nobody has
            acknowledged = (None, None)
    if action in (Action.TAKE, Action.REQUEST_INFO) and case.acknowledged_by is None:
        acknowledged = (actor_id, now)
    change = CaseChange(
        status=status if status is not case.status else KEEP,
        owner_id=owner,
        acknowledged_by=acknowledged[0],
        acknowledged_at=acknowledged[1],
        severity_id=request.severity_id if action is Action.CHANGE_SEVERITY and request.severity_id else KEEP,
        pauses=_pauses(case, status, action, now),
    )
    if action is Action.RESOLVE:
        return replace(
            change,
            outcome=request.outcome.value if request.outcome else None,
            guidance=request.text,
            policy_ref=request.policy_ref or None,
            resolved_by=actor_id,
            resolved_at=now,
        )
    if action is Action.REOPEN:
        return replace(change, outcome=None, resolved_by=None, resolved_at=None)
    if action is Action.WITHDRAW:
        # Not "resolved": nobody worked it, so it stays out of the time-to-resolve figures.
        return replace(change, outcome=Outcome.ANSWERED_BY_GUIDANCE.value, answered_by_guide=request.guide_id)
    return change
