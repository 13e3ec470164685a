"""Flows: a kind of escalation, its intake fields, severities and policy."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.severity import Severity, SeverityRule


class FieldKind(StrEnum):
    """What an intake field holds; the Slack layer maps each to an input element."""

    TEXT = "text"
    LONG_TEXT = "long_text"
    URL = "url"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    DATETIME = "datetime"
    DATE = "date"
    USER = "user"
    SEVERITY = "severity"
    CHECKBOX = "checkbox"


class FieldRole(StrEnum):
    """Fields with a role fill the case's first-class columns."""

    ADVERTISER = "advertiser"
    CAMPAIGN = "campaign"
    MARKET = "market"
    DEADLINE = "deadline"
    SUMMARY = "summary"
    SEVERITY = "severity"
    SENSITIVE = "sensitive"
    SALESFORCE = "salesforce"  # a link to the Salesforce record; parsed to its object and id


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a select field."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class IntakeField:
    """One question of the intake modal."""

    id: str
    kind: FieldKind
    label: str
    required: bool = False
    role: FieldRole | None = None
    placeholder: str = ""
    hint: str = ""
    min_length: int = 0
    max_length: int | None = None
    options: tuple[Option, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    prefill_from_text: bool = False

    def option_label(self, value: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return value


@dataclass(frozen=True, slots=True)
class GuidanceLink:
    """Policy guidance shown to the reporter."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Flow:
    """A kind of escalation: who gets it, what is asked, how severe it is."""

    id: str
    title: str
    description: str
    channel_id: str
    policy: str
    fields: tuple[IntakeField, ...]
    severities: tuple[Severity, ...]
    default_severity: str
    severity_rules: tuple[SeverityRule, ...] = ()
    guidance: tuple[GuidanceLink, ...] = ()
    aliases: tuple[str, ...] = ()
    sensitive: bool = False
    sla_clock: str = "wall"  # wall | business_hours: for severities not in sla_clocks
    sla_clocks: tuple[tuple[str, str], ...] = ()  # (severity id, wall | business_hours)
    sla_skip_holidays: bool = True
    sla_schedule: str | None = None
    duplicates_of: tuple[str, ...] = ()  # other flows whose open cases a new case may duplicate

    def field(self, field_id: str) -> IntakeField:
        for field in self.fields:
            if field.id == field_id:
                return field
        raise KeyError(field_id)

    def field_for(self, role: FieldRole) -> IntakeField | None:
        for field in self.fields:
            if field.role is role:
                return field
        return None

    def sla_clock_for(self, severity_id: str) -> str:
        """The SLA clock (wall | business_hours) that a case of this severity runs on."""
        return dict(self.sla_clocks).get(severity_id, self.sla_clock)

    def severity(self, severity_id: str) -> Severity:
        for severity in self.severities:
            if severity.id == severity_id:
                return severity
        raise KeyError(severity_id)
