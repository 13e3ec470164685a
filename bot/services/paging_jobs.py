"""The paging engine's job kinds, job keys and typed payloads, in one place.

A key is unique per case, paging generation, round, level and person, so a step recorded twice (a
second replica, a restart) is one row; the payloads are what each handler reads back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.case import Case
from bot.domain.escalation import Step
from bot.domain.job import Job
from bot.services.handover import NOTIFY

ESCALATE = "page.escalate"
SEND = "page.send"
THREAD_NOTE = "case.thread_note"
LEADS_ALERT = "ops.leads_alert"
UPDATE_ROOT = "case.update_root"
UPDATE_PAGES = "page.update_dms"
TELL_OWNER = "case.tell_owner"
# What an acknowledgement (or resolution) cancels, in the same transaction.
PAGING_KINDS = (ESCALATE, SEND, LEADS_ALERT, NOTIFY)  # NOTIFY: the person's SMS, call, e-mail…


def escalate_key(case_id: int, generation: int, step: Step) -> str:
    """`escalate:12:g1:r1:l2` (the key predates the job kind's name and stays as it was)."""
    return step.key(case_id, generation)


def send_prefix(case_id: int, generation: int, round: int, level: int) -> str:
    """What the keys of every page at one step start with."""
    return f"{SEND}:{case_id}:g{generation}:r{round}:l{level}:"


def send_key(case_id: int, generation: int, round: int, level: int, user_id: str, *, nth: int = 0) -> str:
    """`page.send:12:g1:r1:l1:U0SPEC1`, and `…:again` for the re-page."""
    return send_prefix(case_id, generation, round, level) + user_id + (":again" if nth else "")


def owner_send_key(case_id: int, generation: int, user_id: str) -> str:
    """The page to a new owner after a reassignment."""
    return f"{SEND}:{case_id}:g{generation}:owner:{user_id}"


def alert_key(case_id: int, generation: int, round: int, level: int, kind: str) -> str:
    return f"{LEADS_ALERT}:{case_id}:g{generation}:r{round}:l{level}:{kind}"


def update_key(kind: str, case_id: int, version: int) -> str:
    """Root or page-DM updates: one per case version."""
    return f"{kind}:{case_id}:v{version}"


@dataclass(frozen=True, slots=True)
class EscalatePayload:
    """An escalation step; `returns_from` marks the step that returns a reassigned case to the policy."""

    generation: int
    round: int
    level: int
    returns_from: str | None = None

    def dump(self) -> dict[str, Any]:
        data: dict[str, Any] = {"generation": self.generation, "round": self.round, "level": self.level}
        if self.returns_from:
            data["returns_from"] = self.returns_from
        return data

    @classmethod
    def load(cls, data: dict[str, Any]) -> EscalatePayload:
        returns_from = data.get("returns_from")
        return cls(
            generation=int(data["generation"]),
            round=int(data["round"]),
            level=int(data["level"]),
            returns_from=str(returns_from) if returns_from else None,
        )


@dataclass(frozen=True, slots=True)
class SendPayload:
    """One page DM; level 0 is the page to a new owner. `step_due_at` is when its step was due."""

    generation: int
    round: int
    level: int
    user_id: str
    step_due_at: datetime | None = None
    nth: int = 0

    def dump(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "generation": self.generation,
            "round": self.round,
            "level": self.level,
            "user_id": self.user_id,
            "step_due_at": self.step_due_at.isoformat() if self.step_due_at else None,
        }
        if self.nth:
            data["nth"] = self.nth
        return data

    @classmethod
    def load(cls, data: dict[str, Any]) -> SendPayload:
        due = data.get("step_due_at")
        return cls(
            generation=int(data.get("generation", -1)),
            round=int(data["round"]),
            level=int(data["level"]),
            user_id=str(data["user_id"]),
            step_due_at=datetime.fromisoformat(str(due)) if due else None,
            nth=int(data.get("nth", 0)),
        )


@dataclass(frozen=True, slots=True)
class AlertPayload:
    """An alert to the leads' channel about one step."""

    kind: str
    round: int
    level: int
    repeats: bool
    generation: int

    def dump(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "round": self.round,
            "level": self.level,
            "repeats": self.repeats,
            "generation": self.generation,
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> AlertPayload:
        return cls(
            kind=str(data["kind"]),
            round=int(data["round"]),
            level=int(data["level"]),
            repeats=bool(data.get("repeats")),
            generation=int(data.get("generation", -1)),
        )


def is_current(case: Case, job: Job) -> bool:
    """A paging job still applies: the case needs paging, and the job is of its current paging generation
    (a restart, a reassign or an acknowledgement makes older ones do nothing)."""
    return case.needs_paging and case.paging_generation == int(job.payload.get("generation", -1))
