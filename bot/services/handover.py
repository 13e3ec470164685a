"""Keep PagerDuty incidents and Opsgenie alerts in step with their case (acknowledged, resolved)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.case import Case
from bot.domain.contact import MethodKind
from bot.domain.events import EventKind
from bot.store.store import Tx

NOTIFY = "contact.notify"  # one notification beyond Slack; cancelled with the paging steps
RELAY = "contact.relay"
CONTACTED = EventKind.CONTACTED


def handed_over(tx: Tx, case_id: int) -> list[tuple[str, str]]:
    """(method, user) of every PagerDuty/Opsgenie alert raised for the case."""
    seen: dict[tuple[str, str], None] = {}
    for event in tx.cases.events(case_id):
        data = event.data
        if event.kind == CONTACTED and MethodKind(str(data.get("method", "slack"))).is_handover:
            seen[(str(data["method"]), str(data.get("user", "")))] = None
    return list(seen)


def relay_state(tx: Tx, case: Case, now: datetime) -> int:
    """Queue an acknowledge or resolve of the case's pager alerts (once per alert and state)."""
    if case.status.is_open and case.acknowledged_by is None:
        return 0
    action = "acknowledge" if case.status.is_open else "resolve"
    queued = 0
    for method in dict.fromkeys(m for m, _user in handed_over(tx, case.id)):
        queued += tx.jobs.enqueue(
            kind=RELAY,
            key=f"{RELAY}:{case.id}:{method}:{action}",
            due_at=now,
            now=now,
            case_id=case.id,
            payload={"method": method, "action": action},
            max_attempts=20,
        )
    return queued
