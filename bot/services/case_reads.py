"""What the Slack surface reads about cases, through the services: one case, a person's, a search.

Listeners hold no store (tests/test_imports.py); they ask here, and a case gone since its button was
drawn is a `Stale` refusal, answered in one place (bot/slack/refusals.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.case import Case
from bot.domain.events import CaseEvent
from bot.domain.refusal import CASE_GONE, Stale
from bot.store.store import Store


@dataclass
class CaseReads:
    """Reads of cases for the listeners (each in its own read snapshot)."""

    store: Store

    def find(self, case_id: int) -> Case | None:
        with self.store.read() as tx:
            return tx.cases.find(case_id)

    def get(self, case_id: int) -> Case:
        """The case; Stale ("That case no longer exists.") when it does not."""
        case = self.find(case_id)
        if case is None:
            raise Stale(CASE_GONE)
        return case

    def involving(self, user_id: str) -> list[Case]:
        """Open cases the person filed, follows or owns, newest first."""
        with self.store.read() as tx:
            return tx.cases.involving(user_id)

    def search(self, text: str, *, since: datetime, sensitive: bool) -> list[Case]:
        with self.store.read() as tx:
            return tx.cases.search(text, since=since, sensitive=sensitive)

    def with_history(self, case_id: int) -> tuple[Case, list[CaseEvent]] | None:
        """The case and every event of it, oldest first (None if there is no such case)."""
        with self.store.read() as tx:
            case = tx.cases.find(case_id)
            return (case, tx.cases.events(case.id)) if case else None
