"""The `case.opened` job: all that follows a case's opening, run by the job runner right after the ack.

The intake's ack commits the case and this one job (bot.services.open_case.file_case); the job posts the
case, starts paging, sets the timers and records the guide search, in one transaction with its own
completion. It is a durable row: a process that dies after the ack runs it on restart (or another
replica does when the lease runs out), and it does its work once (the runner's fence, and the check
below for a case already followed up)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.config.model import Config
from bot.domain.case import Case
from bot.domain.guidance import GuideEvent, GuideSource
from bot.domain.job import Job
from bot.services.guidance import Guidance, escalated_event, searched_event
from bot.services.open_case import CASE_OPENED, POST_ROOT, OnOpened, follow_up_opened
from bot.store.effects import Effect, Handler
from bot.store.store import Store, Tx

log = logging.getLogger(__name__)


# Payload keys the intake listener may set (besides `linked_to` and `reply_ts`, set by file_case).
LOCALE = "locale"
GUIDES_SHOWN = "guides_shown"


@dataclass
class OpenedFollowUp:
    """The handler of `case.opened`; `on_opened` starts paging and timers (wired in bot.bootstrap)."""

    config: Config
    store: Store
    on_opened: OnOpened | None = None
    guidance: Guidance | None = None

    def handlers(self) -> dict[str, Handler]:
        return {CASE_OPENED: self.follow_up}

    def follow_up(self, job: Job) -> Effect | None:
        case = self.store.job_case(job)  # from the batch's one read of its cases, when it made one
        # The search runs in memory, outside the transaction; the transaction only writes.
        searches = self._searches(case, job)
        linked = job.payload.get("linked_to")
        reply_ts = job.payload.get("reply_ts")

        def effect(tx: Tx, now: datetime) -> None:
            if tx.jobs.states(case_id=case.id, kind=POST_ROOT):
                log.warning("case.opened for %s found it followed up already: nothing done twice", case.human_id)
                return
            # Planned at the moment the case was opened: the ack told the rep when the first page goes
            # out (first_page_due at created_at), and a job run late (after a restart) pages at once.
            follow_up_opened(
                tx,
                case,
                now=case.created_at,
                linked_to=int(linked) if linked is not None else None,
                reply_ts=str(reply_ts) if reply_ts else None,
                max_attempts=job.max_attempts,
                on_opened=self.on_opened,
            )
            for event in searches:
                tx.guides.record(event, now=case.created_at)

        return effect

    def _searches(self, case: Case, job: Job) -> list[GuideEvent]:
        """The filed question's search (a gap if nothing fits) and, if the form showed articles, the
        escalation made anyway. A sensitive case's question is not kept among the searches (the weekly
        report lists unanswered questions to the leads' channel)."""
        if self.guidance is None or case.sensitive or not case.summary.strip():
            return []
        locale = job.payload.get(LOCALE)
        locale = str(locale) if locale else None
        events: list[GuideEvent] = []
        shown = tuple(str(g) for g in job.payload.get(GUIDES_SHOWN) or ())
        if shown:
            events.append(
                escalated_event(
                    user_id=case.reporter_id,
                    source=GuideSource.INTAKE_FORM,
                    guide_ids=shown,
                    good_match=True,
                    query=case.summary,
                    locale=locale,
                    case_id=case.id,
                )
            )
        answer = self.guidance.suggest(case.summary, locale=locale, market=case.market, flow=case.flow_id)
        searched = searched_event(
            answer,
            user_id=case.reporter_id,
            source=GuideSource.INTAKE,
            locale=locale,
            market=case.market or None,
            flow=case.flow_id,
            case_id=case.id,
        )
        if searched is not None:
            events.append(searched)
        return events
