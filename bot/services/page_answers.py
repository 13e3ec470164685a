"""The answers to a page: Acknowledge and "Can't take it", for whoever may give them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.case import Case
from bot.domain.lifecycle import Action
from bot.services.access import Access
from bot.services.case_reads import CaseReads
from bot.services.paging import PassedOn, acknowledge, pass_on
from bot.store.store import Store


@dataclass
class PageAnswers:
    """Checks the person (bot/services/access.py), then records the answer; the first one wins."""

    store: Store
    access: Access

    def _check(self, case_id: int, user_id: str, now: datetime) -> None:
        """Raise a Refusal when the person may not answer pages of this case (or it is gone)."""
        case = CaseReads(self.store).get(case_id)
        self.access.check(user_id, Action.ACKNOWLEDGE, case, now=now)

    def acknowledge(self, case_id: int, *, user_id: str, now: datetime) -> Case:
        self._check(case_id, user_id, now)
        return acknowledge(case_id, user_id=user_id, store=self.store, now=now)

    def pass_on(self, case_id: int, *, user_id: str, now: datetime) -> PassedOn:
        self._check(case_id, user_id, now)
        return pass_on(case_id, user_id=user_id, store=self.store, now=now)
