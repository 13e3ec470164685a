"""Contact methods and personal notification rules: who is reached how, and when, after a page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

E164 = re.compile(r"^\+[1-9]\d{6,14}$")  # ITU-T E.164: '+', country code, at most 15 digits in all
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ACK_REPLY = re.compile(r"^\s*(?:1|ack(?:nowledge)?)(?:\s+([A-Za-z]+-\d+))?\s*[.!]?\s*$", re.IGNORECASE)


class MethodKind(StrEnum):
    """How a person can be reached."""

    SLACK = "slack"
    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"
    PAGERDUTY = "pagerduty"
    OPSGENIE = "opsgenie"

    @property
    def is_handover(self) -> bool:
        """PagerDuty and Opsgenie take the alert over: acknowledge and resolve are relayed to them."""
        return self in (MethodKind.PAGERDUTY, MethodKind.OPSGENIE)


class Urgency(StrEnum):
    HIGH = "high"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class ContactMethod:
    """One way to reach one person: a phone number (E.164), an address, or a pager service."""

    kind: MethodKind
    address: str = ""  # E.164 for sms/voice, e-mail for email, responder/service name for the pagers


@dataclass(frozen=True, slots=True)
class Rule:
    """Notify by `method` this long after the page, unless acknowledged by then."""

    method: MethodKind
    after: timedelta = timedelta()


# Like PagerDuty's defaults: high urgency rings a phone until someone answers; low stays in Slack.
DEFAULT_RULES: Mapping[Urgency, tuple[Rule, ...]] = {
    Urgency.HIGH: (
        Rule(MethodKind.SLACK),
        Rule(MethodKind.SMS, timedelta(minutes=2)),
        Rule(MethodKind.VOICE, timedelta(minutes=5)),
    ),
    Urgency.LOW: (Rule(MethodKind.SLACK),),
}
DEFAULT_HIGH_URGENCY = frozenset({"sev1", "sev2"})


@dataclass(frozen=True, slots=True)
class Person:
    """A person's contact methods and, if they set them, their own rules."""

    user_id: str
    methods: Mapping[MethodKind, ContactMethod] = field(default_factory=dict)
    rules: Mapping[Urgency, tuple[Rule, ...]] = field(default_factory=dict)
    explicit_rules: bool = False


@dataclass(frozen=True, slots=True)
class Notification:
    """One planned notification of a page beyond the Slack DM."""

    index: int
    method: ContactMethod
    due_at: datetime


@dataclass(frozen=True, slots=True)
class ContactBook:
    """Everyone's contact methods, plus which severities are high urgency."""

    people: Mapping[str, Person] = field(default_factory=dict)
    high_urgency: frozenset[str] = DEFAULT_HIGH_URGENCY

    def urgency(self, severity_id: str) -> Urgency:
        return Urgency.HIGH if severity_id in self.high_urgency else Urgency.LOW

    def rules_for(self, user_id: str, urgency: Urgency) -> tuple[Rule, ...]:
        person = self.people.get(user_id)
        if person is not None and urgency in person.rules:
            return person.rules[urgency]
        return DEFAULT_RULES[urgency]

    def plan(self, user_id: str, urgency: Urgency, *, paged_at: datetime) -> tuple[Notification, ...]:
        """What to send besides the Slack DM (which the page itself is), and when.

        A default rule naming a method the person has not set up is left out; a rule the person
        wrote names only methods they have (the loader checks).
        """
        person = self.people.get(user_id)
        methods = person.methods if person is not None else {}
        planned = []
        for index, rule in enumerate(self.rules_for(user_id, urgency)):
            if rule.method is MethodKind.SLACK or rule.method not in methods:
                continue
            planned.append(Notification(index=index, method=methods[rule.method], due_at=paged_at + rule.after))
        return tuple(planned)

    def by_phone(self, number: str) -> str | None:
        """The person whose SMS or voice number is `number`."""
        for person in self.people.values():
            for method in person.methods.values():
                if method.kind in (MethodKind.SMS, MethodKind.VOICE) and method.address == number:
                    return person.user_id
        return None


def parse_ack_reply(body: str) -> tuple[bool, str | None]:
    """An SMS reply: (`1` or `ack` → True, None), (`ack ADS-1042` → True, 'ADS-1042'), else (False, None)."""
    match = _ACK_REPLY.match(body or "")
    if match is None:
        return False, None
    return True, match.group(1).upper() if match.group(1) else None


def phone_text(*, human_id: str, severity: str, flow: str, link: str | None) -> str:
    """What an SMS, a call or a pager alert says: id, severity, flow and a link — nothing a case's
    reporter typed (advertiser, campaign, question), so a sensitive case is safe on a lock screen."""
    where = f" {link}" if link else ""
    return f"{human_id} {severity} {flow}: you are paged.{where}"


def dedup_key(human_id: str) -> str:
    """One PagerDuty incident / Opsgenie alert per case, whatever the level or round."""
    return f"escalation-bot:{human_id}"


def human_id_from_dedup(key: str) -> str | None:
    prefix = "escalation-bot:"
    return key.removeprefix(prefix) if key.startswith(prefix) else None
