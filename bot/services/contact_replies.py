"""What comes back from phones and pagers: an SMS reply or a key pressed on a call acknowledges, as does
PagerDuty or Opsgenie saying its alert was acknowledged; Twilio saying a message never arrived is reported.
Each caller (`bot.contact.inbound`) has authenticated the request already."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.clock import monotonic
from bot.config.model import Config
from bot.domain.case import AlreadyAcknowledged, Case, CaseNotOpen, parse_human_id
from bot.domain.contact import MethodKind, human_id_from_dedup, parse_ack_reply, phone_text
from bot.services.contact import LABELS, report_contact_failure
from bot.services.handover import CONTACTED, handed_over
from bot.services.paging import acknowledge
from bot.store.store import Store, Tx


@dataclass
class ContactReplies:
    """The inbound acknowledgements and delivery reports, as the answer each caller gives back."""

    config: Config
    store: Store
    now: Callable[[], datetime] = field(default=lambda: datetime.min.replace(tzinfo=UTC))
    record_wait: float = 3.0  # seconds a pager's acknowledgement waits for the record of its alert

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
        """PagerDuty or Opsgenie says the alert for `key` (our dedup key / alias) was acknowledged.

        Who was handed the alert is read from the case's `contacted` events, which the runner records
        just after the pager accepted the alert: an acknowledgement that arrives in between (a responder
        quick on the button, a busy runner) waits up to `record_wait` seconds for that record instead of
        being dropped as an unknown alert."""
        human_id = human_id_from_dedup(key)
        wanted = parse_human_id(self.config.app.case_prefix, human_id or "")
        if wanted is None:
            return "unknown alert"
        deadline = monotonic() + self.record_wait
        while True:
            with self.store.read() as tx:
                case = tx.cases.find(wanted)
                users = [u for m, u in handed_over(tx, case.id) if m == method.value] if case else []
            if case is None:
                return "unknown alert"
            if users:
                return self._ack(case, users[0], via=LABELS[method])
            if monotonic() >= deadline:
                return "unknown alert"
            time.sleep(0.05)

    def report_undelivered(self, *, case_id: int, user_id: str, method: MethodKind, error: str) -> None:
        """Twilio said, after accepting it, that an SMS or call did not reach the person."""
        now = self.now()
        with self.store.transaction() as tx:
            case = tx.cases.find(case_id)
            if case is None:
                return
            report_contact_failure(tx, case, user_id=user_id, method=method, error=error, key=error, now=now)
