"""`contacts.yaml` (beside app.yaml): people's phones, e-mails and pagers, and their notification rules."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.config.errors import ConfigProblem
from bot.config.schema import Duration, SlackUserId
from bot.config.yaml_source import YamlDocument, YamlSyntaxError, load_yaml
from bot.domain.contact import (
    DEFAULT_HIGH_URGENCY,
    E164,
    EMAIL,
    ContactBook,
    ContactMethod,
    MethodKind,
    Person,
    Rule,
    Urgency,
)

CONTACTS_FILE = "contacts.yaml"

Phone = Annotated[str, Field(pattern=E164.pattern)]
Email = Annotated[str, Field(pattern=EMAIL.pattern)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSpec(_Strict):
    method: MethodKind
    after: Duration | None = None


class RulesSpec(_Strict):
    high: list[RuleSpec] | None = None
    low: list[RuleSpec] | None = None


class PersonSpec(_Strict):
    sms: Phone | None = None
    voice: Phone | None = None
    email: Email | None = None
    pagerduty: Name | None = None  # a service name (its routing key comes from the environment)
    opsgenie: Name | None = None  # a responder team name (the API key comes from the environment)
    rules: RulesSpec | None = None


class ContactsSpec(_Strict):
    high_urgency: list[str] | None = None
    people: dict[SlackUserId, PersonSpec] = Field(default_factory=dict)


_HINTS = {
    "sms": "write the number in E.164: '+' and country code, digits only, e.g. '+6591234567'",
    "voice": "write the number in E.164: '+' and country code, digits only, e.g. '+6591234567'",
    "email": "an address such as name@example.com",
    "method": "one of: " + ", ".join(m.value for m in MethodKind),
}


def load_contacts(folder: Path, problems: list[ConfigProblem], *, severity_ids: Collection[str] = ()) -> ContactBook:
    """Read `contacts.yaml` in `folder` (none: everyone is reached in Slack only)."""
    path = folder / CONTACTS_FILE
    if not path.is_file():
        return ContactBook()
    try:
        doc = load_yaml(path)
    except YamlSyntaxError as exc:
        problems.append(exc.problem)
        return ContactBook()
    if doc.data is None:
        return ContactBook()
    try:
        spec = ContactsSpec.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
            field = next((str(p) for p in reversed(loc) if str(p) in _HINTS), "")
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = f"unknown key {loc[-1]!r}"
            elif err["type"] == "string_pattern_mismatch" and field in ("sms", "voice"):
                message = f"{err.get('input')!r} is not an E.164 phone number"
            problems.append(doc.problem(loc, message, _HINTS.get(field, "")))
        return ContactBook()
    return _build(spec, doc, problems, severity_ids)


def _build(
    spec: ContactsSpec, doc: YamlDocument, problems: list[ConfigProblem], severity_ids: Collection[str]
) -> ContactBook:
    high = DEFAULT_HIGH_URGENCY if spec.high_urgency is None else frozenset(spec.high_urgency)
    for i, severity in enumerate(spec.high_urgency or ()):
        if severity_ids and severity not in severity_ids:
            known = ", ".join(sorted(severity_ids))
            problems.append(doc.problem(("high_urgency", i), f"unknown severity {severity!r}", f"severities: {known}"))
    people: dict[str, Person] = {}
    for user_id, person in spec.people.items():
        methods: dict[MethodKind, ContactMethod] = {
            kind: ContactMethod(kind, str(getattr(person, kind.value)))
            for kind in MethodKind
            if kind is not MethodKind.SLACK and getattr(person, kind.value) is not None
        }
        methods[MethodKind.SLACK] = ContactMethod(MethodKind.SLACK, user_id)
        rules: dict[Urgency, tuple[Rule, ...]] = {}
        for urgency in Urgency:
            given = getattr(person.rules, urgency.value) if person.rules else None
            if given is None:
                continue
            for i, rule in enumerate(given):
                if rule.method not in methods:
                    problems.append(
                        doc.problem(
                            ("people", user_id, "rules", urgency.value, i, "method"),
                            f"{user_id} has no {rule.method.value} contact method",
                            f"add `{rule.method.value}:` to {user_id}, or remove this rule",
                        )
                    )
            rules[urgency] = tuple(Rule(r.method, r.after or Rule(r.method).after) for r in given)
        people[user_id] = Person(user_id=user_id, methods=methods, rules=rules, explicit_rules=bool(rules))
    return ContactBook(people=people, high_urgency=high)
