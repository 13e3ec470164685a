"""Filing and following, as the intake listeners call them: the store and the access check live here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config.model import Config
from bot.domain.access import Right
from bot.domain.case import Case
from bot.domain.intake import Intake
from bot.domain.refusal import Refusal
from bot.services.access import Access
from bot.services.case_reads import CaseReads
from bot.services.open_case import FollowNote, Opened, file_case, follow_case
from bot.store.store import Store, StoreUnavailable

__all__ = ["Filing", "StoreUnavailable"]


@dataclass
class Filing:
    """Opens cases and adds followers; "may this person follow" is the access service's answer."""

    config: Config
    store: Store
    access: Access

    def reveals_sensitive(self, user_id: str) -> bool:
        """Whether a sensitive duplicate may be shown to this person (the team), or only linked."""
        return self.access.is_staff_anywhere(user_id)

    def open(
        self,
        intake: Intake,
        *,
        user_id: str,
        now: datetime,
        intake_key: str,
        allow_duplicate: bool,
        family: frozenset[str] | None,
        follow_up: dict[str, object] | None = None,
    ) -> Opened:
        """Commit the case and its one `case.opened` job before anything is sent; that job does the rest
        right after the ack (bot/services/open_case.py `file_case`, bot/services/case_opened.py)."""
        return file_case(
            intake,
            store=self.store,
            now=now,
            intake_key=intake_key,
            allow_duplicate=allow_duplicate,
            reveal_sensitive=self.reveals_sensitive(user_id),
            max_attempts=self.config.app.max_attempts,
            family=family,
            follow_up=follow_up,
        )

    def check_follow(self, case_id: int, user_id: str, *, now: datetime) -> Case:
        """The case, if `user_id` may follow it; else a Refusal about the form's follow choice."""
        try:
            case = CaseReads(self.store).get(case_id)
            self.access.check_right(user_id, Right.FOLLOW, case, now=now)
        except Refusal as refused:
            refused.field = "follow"
            raise
        return case

    def follow(self, case_id: int, *, user_id: str, now: datetime, note: FollowNote | None = None) -> Case:
        """Follow an open case instead of filing a duplicate (checked first)."""
        self.check_follow(case_id, user_id, now=now)
        return follow_case(
            case_id, user_id=user_id, store=self.store, now=now, max_attempts=self.config.app.max_attempts, note=note
        )
