"""A rep withdraws a case a policy guide answered, from the filed view or their confirmation DM.

Decided here, not in the listener: withdrawn (nobody was paged), too late because someone was paged or
has the case (then the rep's word goes into the thread and counts as answered), or already settled.
A refusal (not the reporter, the case or the article gone) is raised for bot/slack/refusals.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.access import REPORTER_WITHDRAWS
from bot.domain.case import AlreadyPaged, Case
from bot.domain.case_change import ActionRequest
from bot.domain.guidance import GuideSource
from bot.domain.lifecycle import Action, InvalidTransition
from bot.domain.permissions import Actor, NotAllowed
from bot.domain.refusal import CASE_GONE, GUIDE_GONE_CASE_OPEN, Refusal, Stale
from bot.services.access import Access
from bot.services.case_actions import CaseActions
from bot.services.case_reads import CaseReads
from bot.services.guidance import Guidance


class Withdrawal(StrEnum):
    """How a press of "Withdraw" ended."""

    WITHDRAWN = "withdrawn"  # closed as answered by the guide; nobody was paged
    PAGED = "paged"  # too late: someone was paged already
    TAKEN = "taken"  # too late: someone has the case
    SETTLED = "settled"  # the case is resolved or closed already


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """The outcome, the case as it now stands, who was paged or has it, and whether the thread was told."""

    outcome: Withdrawal
    case: Case
    guide_title: str
    who: tuple[str, ...] = ()
    told: bool = False


@dataclass
class Withdrawals:
    """Runs the withdrawal through the lifecycle (CaseActions) and records the guide's answer."""

    cases: CaseReads
    guidance: Guidance
    actions: CaseActions
    access: Access

    def _actor(self, user_id: str, case: Case, now: datetime) -> Actor:
        return self.access.actor(user_id, case, now=now)

    def withdraw(self, case_id: int, guide_id: str, *, user_id: str, now: datetime) -> Withdrawn:
        case = self.cases.find(case_id)
        guide = self.guidance.guide(guide_id)
        if case is None:
            raise Stale(CASE_GONE)
        if guide is None:
            raise Stale(GUIDE_GONE_CASE_OPEN)
        request = ActionRequest(Action.WITHDRAW, guide_id=guide_id)
        try:
            self.actions.perform(case.id, request, actor=self._actor(user_id, case, now), now=now)
        except NotAllowed:  # a colleague pressed the reporter's button: name whose case it is
            raise NotAllowed(REPORTER_WITHDRAWS, {"user": case.reporter_id, "case": case.human_id}) from None
        except AlreadyPaged as paged:
            told = self._tell_thread(case, user_id=user_id, guide_id=guide_id, now=now)
            return Withdrawn(Withdrawal.PAGED, case, guide.title, who=paged.users, told=told)
        except InvalidTransition:
            current = self.cases.get(case.id)
            if not current.status.is_open:
                return Withdrawn(Withdrawal.SETTLED, current, guide.title)
            told = self._tell_thread(current, user_id=user_id, guide_id=guide_id, now=now)
            owner = current.acknowledged_by or current.owner_id
            return Withdrawn(Withdrawal.TAKEN, current, guide.title, who=(owner,) if owner else (), told=told)
        return Withdrawn(Withdrawal.WITHDRAWN, case, guide.title)

    def _tell_thread(self, case: Case, *, user_id: str, guide_id: str, now: datetime) -> bool:
        """Too late to withdraw: the rep's word goes into the thread, and counts as answered (not withdrawn)."""
        assert self.actions is not None
        guide = self.guidance.guide(guide_id)
        name = f"“{guide.title}” ({guide_id})" if guide else guide_id
        first = self.guidance.answered(
            user_id=user_id,
            guide_id=guide_id,
            source=GuideSource.INTAKE,
            now=now,
            query=case.summary,
            case_id=case.id,
            once_key=f"guide.too_late:{case.id}:{user_id}",
        )
        if not first:
            return True  # a second click: the thread was told the first time
        note = f"The policy guide {name} answered my question; nothing more is needed unless you see a reason."
        try:
            request = ActionRequest(Action.ADD_NOTE, text=note)
            self.actions.perform(case.id, request, actor=self._actor(user_id, case, now), now=now)
        except Refusal:
            return False
        return True
