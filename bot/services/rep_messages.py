"""Job handlers for the rep's direct messages about a case: the specialist's question, and the outcome
(in full, or without its text to a follower who may not read the case)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.model import Config
from bot.domain.access import Right
from bot.domain.job import Job
from bot.domain.lifecycle import Action
from bot.domain.permissions import may, may_right
from bot.services.access import Access
from bot.services.ports import RepSender
from bot.store.effects import Effect, Handler
from bot.store.store import Store

ASK_REP = "case.ask_rep"
TELL_OUTCOME = "case.tell_outcome"


@dataclass
class RepMessages:
    """Job handlers for the rep's DMs: the specialist's question and the outcome."""

    config: Config
    store: Store
    sender: RepSender
    access: Access | None = None

    def handlers(self) -> dict[str, Handler]:
        return {ASK_REP: self.ask, TELL_OUTCOME: self.tell}

    def ask(self, job: Job) -> Effect | None:
        case = self.store.job_case(job)
        self.sender.ask_rep(
            case,
            self.config.flow(case.flow_id),
            question=str(job.payload["question"]),
            asked_by=str(job.payload["asked_by"]),
        )
        return None

    def tell(self, job: Job) -> Effect | None:
        case = self.store.job_case(job)
        if case.outcome is None:
            return None  # reopened before the DM went out: the outcome no longer stands
        user_id = str(job.payload["user_id"])
        full, may_reopen = True, True
        if self.access is not None:
            # A follower hears the outcome; its text only if they may read the case, the follow-up
            # (reopen) button only if they may reopen it.
            now = case.resolved_at or case.created_at
            actor = self.access.actor(user_id, case, now=now)
            full = may_right(actor, Right.SEE, case)
            may_reopen = may(actor, Action.REOPEN, case)
        self.sender.tell_outcome(
            case, self.config.flow(case.flow_id), user_id=user_id, full=full, may_reopen=may_reopen
        )
        return None
