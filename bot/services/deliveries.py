"""Job handlers that talk to Slack through the Notifier port, one send per job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config.model import Config
from bot.domain.case import Case, MessageRef
from bot.domain.events import EventKind
from bot.domain.guidance import GuideEventKind
from bot.domain.job import Job
from bot.services.open_case import (
    CASE_OPENED,
    CONFIRM_REPORTER,
    NOTE_FOLLOWER,
    NOTIFY_FOLLOWER,
    POST_DETAILS,
    POST_ROOT,
    REPLY_TO_SOURCE,
)
from bot.services.ports import DeliveryError, DeliveryFailure, Notifier, WithdrawOffer
from bot.store.effects import Effect, Handler
from bot.store.store import Store, Tx

LINK_RESTRICTED = "case.link_restricted"
REPORT_FAILURE = "ops.report_failure"

# The rep's DM offers to withdraw only when the first page waits at least this long (the policy holds
# it for business hours): a page due at once goes out before the DM, and an offer would only disappoint.


DESCRIPTIONS = {
    CASE_OPENED: "file the case (post it, start paging, set its timers)",
    POST_ROOT: "post the case to its channel",
    POST_DETAILS: "post the case details in its thread",
    CONFIRM_REPORTER: "send the reporter the case id and link",
    NOTIFY_FOLLOWER: "tell a follower they follow the case",
    NOTE_FOLLOWER: "note a new follower in the case thread",
    REPORT_FAILURE: "report a failed Slack delivery",
    REPLY_TO_SOURCE: "reply to the escalated message",
}


@dataclass
class Deliveries:
    """The handlers for every Slack-bound job kind."""

    config: Config
    store: Store
    notifier: Notifier

    def handlers(self) -> dict[str, Handler]:
        return {
            POST_ROOT: self.post_root,
            POST_DETAILS: self.post_details,
            LINK_RESTRICTED: self.link_restricted,
            CONFIRM_REPORTER: self.confirm_reporter,
            NOTIFY_FOLLOWER: self.notify_follower,
            NOTE_FOLLOWER: self.note_follower,
            REPORT_FAILURE: self.report_failure,
            REPLY_TO_SOURCE: self.reply_to_source,
        }

    def bot_channels(self) -> frozenset[str]:
        """The channels the bot posts in: its flows' channels, the leads' and the restricted one."""
        channels = {f.channel_id for f in self.config.flows} | {self.config.app.leads_channel}
        if self.config.app.restricted_channel:
            channels.add(self.config.app.restricted_channel)
        return frozenset(channels)

    def reply_to_source(self, job: Job) -> Effect | None:
        """The escalated message's thread learns the case id: a reply where the bot posts, else only the
        rep sees it (an ephemeral message). Once the case is in its channel, so the id links to it."""
        case = self._posted_case(job)
        assert case.root is not None
        permalink = case.permalink or self.notifier.permalink(case.root)
        where = MessageRef(str(job.payload["channel"]), str(job.payload["ts"]))
        private = where.channel_id not in self.bot_channels()
        shown = self.notifier.reply_to_source(
            case, where, permalink=permalink, private_to=case.reporter_id if private else None
        )

        def effect(tx: Tx, now: datetime) -> None:
            data = {"channel": where.channel_id, "ephemeral": private, "shown": shown}
            tx.cases.add_event(case.id, kind=EventKind.SOURCE_REPLIED, now=now, data=data)

        return effect

    def _case(self, job: Job) -> Case:
        assert job.case_id is not None, f"{job.kind} needs a case"
        with self.store.read() as tx:
            return tx.cases.get(job.case_id)

    def _posted_case(self, job: Job) -> Case:
        case = self._case(job)
        if case.root is None:
            raise DeliveryError("the case is not in its channel yet", retryable=True)
        return case

    def post_root(self, job: Job) -> Effect | None:
        case = self._case(job)
        ref = case.root or self.notifier.post_case_root(case, self.config.flow(case.flow_id))

        def effect(tx: Tx, now: datetime) -> None:
            if case.root is None:
                tx.cases.set_root(case.id, ref, now=now)
                tx.cases.add_event(
                    case.id, kind=EventKind.POSTED, now=now, data={"channel": ref.channel_id, "ts": ref.ts}
                )
            for kind in (POST_DETAILS, CONFIRM_REPORTER):
                tx.jobs.enqueue(
                    kind=kind,
                    key=f"{kind}:{case.id}",
                    due_at=now,
                    now=now,
                    case_id=case.id,
                    max_attempts=job.max_attempts,
                )

        return effect

    def post_details(self, job: Job) -> Effect | None:
        case = self._posted_case(job)
        flow = self.config.flow(case.flow_id)
        restricted = self.config.app.restricted_channel if case.sensitive else None
        ref = self.notifier.post_case_details(case, flow, channel_id=restricted)

        def effect(tx: Tx, now: datetime) -> None:
            if restricted is not None:
                # The public thread only links to the restricted copy, in a job of its own.
                tx.jobs.enqueue(
                    kind=LINK_RESTRICTED,
                    key=f"{LINK_RESTRICTED}:{case.id}",
                    due_at=now,
                    now=now,
                    case_id=case.id,
                    payload={"channel": ref.channel_id, "ts": ref.ts},
                )
                return
            tx.cases.add_event(case.id, kind=EventKind.DETAILS_POSTED, now=now, data={"ts": ref.ts})

        return effect

    def link_restricted(self, job: Job) -> Effect | None:
        case = self._posted_case(job)
        permalink = self.notifier.permalink(MessageRef(str(job.payload["channel"]), str(job.payload["ts"])))
        self.notifier.link_restricted_details(case, permalink=permalink)

        def effect(tx: Tx, now: datetime) -> None:
            # Where later texts about the case go (their thread in the restricted channel).
            data = {"restricted": True, "channel": str(job.payload["channel"]), "ts": str(job.payload["ts"])}
            tx.cases.add_event(case.id, kind=EventKind.DETAILS_POSTED, now=now, data=data)

        return effect

    def confirm_reporter(self, job: Job) -> Effect | None:
        case = self._posted_case(job)
        assert case.root is not None
        permalink = case.permalink or self.notifier.permalink(case.root)
        offer = self._withdraw_offer(case)
        self.notifier.confirm_to_reporter(case, self.config.flow(case.flow_id), permalink=permalink, offer=offer)

        def effect(tx: Tx, now: datetime) -> None:
            tx.cases.set_permalink(case.id, permalink, now=now)
            tx.cases.add_event(case.id, kind=EventKind.REPORTER_CONFIRMED, now=now, actor_id=case.reporter_id)

        return effect

    def _withdraw_offer(self, case: Case) -> WithdrawOffer | None:
        """The best article found at intake, while the policy holds the first page (low severity out of
        hours): the rep may still withdraw the case from this DM. None once anyone was paged."""
        if not case.needs_paging:
            return None
        with self.store.read() as tx:
            searched = [e for e in tx.guides.events(kind=GuideEventKind.SEARCHED, case_id=case.id) if e.good_match]
            paged = tx.cases.pages(case.id)
        held_until = case.page_held_until()
        if not searched or paged or held_until is None:
            return None
        guide = next((g for g in self.config.guides if g.id == searched[0].top_guide_id), None)
        if guide is None:
            return None
        return WithdrawOffer(guide_id=guide.id, title=guide.title, url=guide.policy_url, held_until=held_until)

    def notify_follower(self, job: Job) -> Effect | None:
        case = self._posted_case(job)
        assert case.root is not None
        user_id = str(job.payload["user_id"])
        permalink = case.permalink or self.notifier.permalink(case.root)
        self.notifier.confirm_follow(case, user_id=user_id, permalink=permalink)

        def effect(tx: Tx, now: datetime) -> None:
            tx.jobs.enqueue(
                kind=NOTE_FOLLOWER,
                key=f"{NOTE_FOLLOWER}:{case.id}:{user_id}",
                due_at=now,
                now=now,
                case_id=case.id,
                payload=dict(job.payload),  # the user, and what they asked (question, market, links)
            )

        return effect

    def note_follower(self, job: Job) -> Effect | None:
        case = self._posted_case(job)
        links = job.payload.get("links") or []
        self.notifier.note_follower_in_thread(
            case,
            user_id=str(job.payload["user_id"]),
            question=str(job.payload.get("question") or ""),
            market=str(job.payload.get("market") or ""),
            links=tuple(str(link) for link in links) if isinstance(links, list) else (),
        )
        return None

    def report_failure(self, job: Job) -> Effect | None:
        case = self._case(job) if job.case_id is not None else None
        failure = DeliveryFailure(
            what=str(job.payload.get("what", "a Slack delivery")),
            error=str(job.payload.get("error", "unknown error")),
            attempts=int(job.payload.get("attempts", 0)),
            case=case,
        )
        self.notifier.report_failure(failure, leads_channel=self.config.app.leads_channel)
        return None


def give_up(tx: Tx, job: Job, error: str, now: datetime) -> None:
    """A job ran out of attempts: queue a report to people (a failed report is only logged)."""
    if job.kind == REPORT_FAILURE:
        return
    tx.jobs.enqueue(
        kind=REPORT_FAILURE,
        key=f"{REPORT_FAILURE}:{job.id}:{job.attempt}",
        due_at=now,
        now=now,
        case_id=job.case_id,
        payload={
            "what": DESCRIPTIONS.get(job.kind, job.kind),
            "error": error,
            "attempts": job.attempt,
            "job_key": job.key,
        },
        max_attempts=20,
    )
