"""Notifications beyond Slack: plan them when a page is queued, send each as a durable job, take
acknowledgements from phones and pagers, and keep PagerDuty/Opsgenie in step."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.config.model import Config
from bot.domain.case import AlreadyAcknowledged, Case, CaseNotOpen, parse_human_id
from bot.domain.contact import MethodKind, Urgency, dedup_key, human_id_from_dedup, parse_ack_reply, phone_text
from bot.domain.events import EventKind
from bot.domain.job import Job
from bot.services.deliveries import REPORT_FAILURE, give_up
from bot.services.handover import CONTACTED, NOTIFY, RELAY, handed_over, relay_state
from bot.services.paging import acknowledge, note_in_thread
from bot.services.ports import DeliveryError, ThreadNote
from bot.store.effects import Effect
from bot.store.store import Store, Tx

log = logging.getLogger(__name__)

LABELS = {
    MethodKind.SMS: "SMS",
    MethodKind.VOICE: "phone call",
    MethodKind.EMAIL: "e-mail",
    MethodKind.PAGERDUTY: "PagerDuty",
    MethodKind.OPSGENIE: "Opsgenie",
    MethodKind.SLACK: "Slack",
}


def schedule_contacts(
    tx: Tx,
    case: Case,
    *,
    config: Config,
    enabled: Collection[MethodKind],
    user_id: str,
    generation: int,
    round: int,
    level: int,
    paged_at: datetime,
    now: datetime,
) -> int:
    """Queue the person's notification rule for this page (the Slack DM is the page itself).

    Each notification is a job keyed by case, paging generation, step, person and rule, so a repeat
    of the escalation step (another replica, a restart) adds nothing.
    """
    book = config.contacts
    queued = 0
    for planned in book.plan(user_id, book.urgency(case.severity_id), paged_at=paged_at):
        kind = planned.method.kind
        if kind not in enabled:
            continue
        queued += tx.jobs.enqueue(
            kind=NOTIFY,
            key=f"{NOTIFY}:{case.id}:g{generation}:r{round}:l{level}:{user_id}:{planned.index}-{kind.value}",
            due_at=planned.due_at,
            now=now,
            case_id=case.id,
            payload={
                "generation": generation,
                "round": round,
                "level": level,
                "user_id": user_id,
                "method": kind.value,
                "address": planned.method.address,
            },
            max_attempts=config.app.max_attempts,
        )
    return queued


class Phones(Protocol):
    def send_sms(self, to: str, body: str, *, case_id: int, user_id: str) -> str: ...

    def call(self, to: str, *, case_id: int, user_id: str) -> str: ...


class Mail(Protocol):
    def send(self, to: str, *, subject: str, body: str, message_id: str) -> str: ...


class PagerDuty(Protocol):
    def event(self, action: str, *, dedup_key: str, summary: str = "", severity: str = "critical") -> str: ...


class Opsgenie(Protocol):
    def create(self, *, alias: str, message: str, responder: str, priority: str) -> str: ...

    def act(self, action: str, *, alias: str) -> str: ...


@dataclass
class Contacts:
    """Job handlers for notifications and pager relays, and the inbound acknowledgements."""

    config: Config
    store: Store
    phones: Phones | None = None
    mail: Mail | None = None
    pagerduty: PagerDuty | None = None
    opsgenie: Opsgenie | None = None
    enabled: frozenset[MethodKind] = field(default_factory=lambda: frozenset({MethodKind.SLACK}))
    now: Callable[[], datetime] = field(default=lambda: datetime.min.replace(tzinfo=UTC))

    def handlers(self) -> dict[str, Callable[[Job], Effect | None]]:
        return {NOTIFY: self.notify, RELAY: self.relay}

    def _case(self, job: Job) -> Case:
        assert job.case_id is not None
        with self.store.read() as tx:
            return tx.cases.get(job.case_id)

    def text(self, case: Case) -> str:
        flow = self.config.flow(case.flow_id)
        return phone_text(
            human_id=case.human_id, severity=flow.severity(case.severity_id).label, flow=flow.title, link=case.permalink
        )

    def notify(self, job: Job) -> Effect | None:
        case = self._case(job)
        if not case.needs_paging or case.paging_generation != int(job.payload.get("generation", -1)):
            return None  # acknowledged, resolved or re-planned since: nothing to send
        method = MethodKind(str(job.payload["method"]))
        address, user_id = str(job.payload["address"]), str(job.payload["user_id"])
        text = self.text(case)
        ref = self._send(method, address, text=text, case=case, job=job)

        def effect(tx: Tx, now: datetime) -> None:
            tx.cases.add_event(
                case.id,
                kind=CONTACTED,
                now=now,
                data={"user": user_id, "method": method.value, "ref": ref, "level": job.payload.get("level")},
            )
            note_in_thread(
                tx,
                case,
                ThreadNote(kind="contacted", users=(user_id,), text=LABELS[method], at=now),
                key=f"contacted:{job.id}",
                now=now,
            )
            relay_state(tx, tx.cases.get(case.id), now)  # acknowledged while the alert was being raised

        return effect

    def _send(self, method: MethodKind, address: str, *, text: str, case: Case, job: Job) -> str:
        user_id = str(job.payload["user_id"])
        if method is MethodKind.SMS and self.phones is not None:
            return self.phones.send_sms(address, f"{text} Reply 1 to acknowledge.", case_id=case.id, user_id=user_id)
        if method is MethodKind.VOICE and self.phones is not None:
            return self.phones.call(address, case_id=case.id, user_id=user_id)
        if method is MethodKind.EMAIL and self.mail is not None:
            return self.mail.send(
                address,
                subject=f"[{case.human_id}] you are paged",
                body=f"{text}\n\nAcknowledge in Slack.",
                message_id=f"<{job.key.replace(':', '.')}@escalation-bot>",
            )
        if method is MethodKind.PAGERDUTY and self.pagerduty is not None:
            severity = "critical" if self.config.contacts.urgency(case.severity_id) is Urgency.HIGH else "warning"
            return self.pagerduty.event("trigger", dedup_key=dedup_key(case.human_id), summary=text, severity=severity)
        if method is MethodKind.OPSGENIE and self.opsgenie is not None:
            priority = "P1" if self.config.contacts.urgency(case.severity_id) is Urgency.HIGH else "P3"
            return self.opsgenie.create(
                alias=dedup_key(case.human_id), message=text, responder=address, priority=priority
            )
        raise DeliveryError(f"{method.value} is not configured in this deployment", retryable=False)

    def relay(self, job: Job) -> Effect | None:
        case = self._case(job)
        method, action = MethodKind(str(job.payload["method"])), str(job.payload["action"])
        alias = dedup_key(case.human_id)
        if method is MethodKind.PAGERDUTY and self.pagerduty is not None:
            self.pagerduty.event(action, dedup_key=alias)
        elif method is MethodKind.OPSGENIE and self.opsgenie is not None:
            self.opsgenie.act("close" if action == "resolve" else "acknowledge", alias=alias)
        else:
            raise DeliveryError(f"{method.value} is not configured in this deployment", retryable=False)
        return None

    # Inbound: each caller has authenticated the request already.

    def _ack(self, case: Case, user_id: str, *, via: str) -> str:
        try:
            acked = acknowledge(case.id, user_id=user_id, store=self.store, now=self.now(), via=via)
        except AlreadyAcknowledged as exc:
            return f"{case.human_id} was already acknowledged by {exc.args[0].split(' by ')[-1]}."
        except CaseNotOpen:
            return f"{case.human_id} is closed."
        return f"Acknowledged {acked.human_id}. Thank you."

    def _paged_cases(self, tx: Tx, user_id: str) -> list[Case]:
        """Open cases paging this person, newest first."""
        found = []
        for case in tx.cases.open_cases(limit=500):
            if not case.needs_paging:
                continue
            paged = {page.user_id for page in tx.cases.pages(case.id)}
            contacted = {str(e.data.get("user")) for e in tx.cases.events(case.id) if e.kind == CONTACTED}
            if user_id in paged | contacted:
                found.append(case)
        return sorted(found, key=lambda c: c.created_at, reverse=True)

    def sms_reply(self, *, from_number: str, body: str) -> str:
        """A reply to a page SMS: `1` acknowledges the newest case paging this person; `ack ADS-1042` that one."""
        user_id = self.config.contacts.by_phone(from_number)
        if user_id is None:
            return "This number is not on the escalation rota."
        is_ack, human_id = parse_ack_reply(body)
        if not is_ack:
            return "Reply 1 (or ack ADS-1234) to acknowledge."
        with self.store.read() as tx:
            cases = self._paged_cases(tx, user_id)
            if human_id is not None:
                wanted = parse_human_id(self.config.app.case_prefix, human_id)
                cases = [c for c in cases if c.id == wanted]
                if not cases:
                    existing = tx.cases.find(wanted) if wanted is not None else None
                    if existing is not None and existing.acknowledged_by is not None:
                        return f"{existing.human_id} was already acknowledged by {existing.acknowledged_by}."
                    return f"{human_id} is not paging you."
        if not cases:
            return "Nothing is paging you right now."
        return self._ack(cases[0], user_id, via="SMS")

    def voice_prompt(self, *, case_id: int) -> str:
        """What the call says: as the SMS, without the link (nobody can follow a link read aloud)."""
        with self.store.read() as tx:
            case = tx.cases.find(case_id)
        if case is None:
            return "This page is over."
        flow = self.config.flow(case.flow_id)
        return phone_text(
            human_id=case.human_id, severity=flow.severity(case.severity_id).label, flow=flow.title, link=None
        )

    def voice_digits(self, *, case_id: int, user_id: str, digits: str) -> str:
        if digits.strip() != "1":
            return "Not acknowledged."
        with self.store.read() as tx:
            case = tx.cases.find(case_id)
        if case is None:
            return "This page is over."
        return self._ack(case, user_id, via="phone call")

    def pager_acknowledged(self, *, method: MethodKind, key: str) -> str:
        """PagerDuty or Opsgenie says the alert for `key` (our dedup key / alias) was acknowledged."""
        human_id = human_id_from_dedup(key)
        wanted = parse_human_id(self.config.app.case_prefix, human_id or "")
        with self.store.read() as tx:
            case = tx.cases.find(wanted) if wanted is not None else None
            users = [u for m, u in handed_over(tx, case.id) if m == method.value] if case else []
        if case is None or not users:
            return "unknown alert"
        return self._ack(case, users[0], via=LABELS[method])

    def report_undelivered(self, *, case_id: int, user_id: str, method: MethodKind, error: str) -> None:
        """Twilio said, after accepting it, that an SMS or call did not reach the person."""
        now = self.now()
        with self.store.transaction() as tx:
            case = tx.cases.find(case_id)
            if case is None:
                return
            report_contact_failure(tx, case, user_id=user_id, method=method, error=error, key=error, now=now)


def report_contact_failure(
    tx: Tx, case: Case, *, user_id: str, method: MethodKind, error: str, key: str, now: datetime
) -> None:
    """Tell the leads and the case thread that a person could not be reached by `method`."""
    tx.cases.add_event(case.id, kind=EventKind.CONTACT_FAILED, now=now, data={"user": user_id, "method": method.value})
    tx.jobs.enqueue(
        kind=REPORT_FAILURE,
        key=f"{REPORT_FAILURE}:{case.id}:{user_id}:{method.value}:{key}",
        due_at=now,
        now=now,
        case_id=case.id,
        payload={
            "what": f"reach <@{user_id}> by {LABELS[method]}" if user_id != "-" else f"update {LABELS[method]}",
            "error": error,
            "attempts": 1,
        },
        max_attempts=20,
    )
    note_in_thread(
        tx,
        case,
        ThreadNote(kind=EventKind.CONTACT_FAILED, users=(user_id,), text=LABELS[method], detail=error, at=now),
        key=f"contact_failed:{user_id}:{method.value}:{key}",
        now=now,
    )


def give_up_contacts(tx: Tx, job: Job, error: str, now: datetime) -> None:
    """The runner's give-up: a notification or relay out of attempts is told to the leads and the thread."""
    if job.kind not in (NOTIFY, RELAY) or job.case_id is None:
        give_up(tx, job, error, now)
        return
    case = tx.cases.get(job.case_id)
    method = MethodKind(str(job.payload.get("method", "slack")))
    user_id = str(job.payload.get("user_id", "")) or "-"
    report_contact_failure(tx, case, user_id=user_id, method=method, error=error, key=f"job{job.id}", now=now)
