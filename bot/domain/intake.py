"""Checking what a reporter typed into the intake modal, field by field."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from bot.domain.flow import FieldKind, FieldRole, Flow, IntakeField
from bot.domain.form_text import ENGLISH, ERRORS, Catalog
from bot.domain.identity import is_channel_id, is_user_id, visible
from bot.domain.salesforce import NotASalesforceRecord, SalesforceRecord, parse_record_link
from bot.domain.severity import Severity, decide_severity

FieldValue = str | list[str] | datetime | date | bool | None


class IntakeInvalid(Exception):
    """The submission has field errors; nothing may be stored."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Intake:
    """A valid submission, ready to become a case."""

    flow_id: str
    reporter_id: str
    severity: Severity
    severity_reasons: tuple[str, ...]
    advertiser: str
    campaign: str
    market: str
    deadline_at: datetime | None
    summary: str
    sensitive: bool
    values: dict[str, Any] = field(default_factory=dict)
    source_channel_id: str | None = None
    salesforce: SalesforceRecord | None = None
    source_message: str | None = None  # permalink of the Slack message escalated with the shortcut
    reply_ts: str | None = None  # where "escalated as ADS-1042" goes: that message's thread, in source_channel_id


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Normalise typed text: NFC, no control, bidi-override or zero-width characters, no surrounding blanks."""
    return visible(_CONTROL.sub("", unicodedata.normalize("NFC", text))).strip()


def match_key(text: str) -> str:
    """The form of an advertiser or campaign name used to spot duplicate cases."""
    folded = visible(unicodedata.normalize("NFKC", text)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", folded).split())


def _say(catalog: Catalog, key: str, **values: object) -> str:
    return catalog.text(ERRORS[key]).format(**values)


def _check_url(spec: IntakeField, text: str, catalog: Catalog) -> str | None:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in text:
        return _say(catalog, "full_link")
    if spec.allowed_hosts:
        host = parts.hostname.lower()
        if not any(host == h or host.endswith("." + h) for h in spec.allowed_hosts):
            return _say(catalog, "link_host", hosts=" or ".join(spec.allowed_hosts))
    if spec.role is FieldRole.SALESFORCE:
        try:
            parse_record_link(text)
        except NotASalesforceRecord as bad:
            return catalog.text(str(bad))
    return None


def _check_field(
    spec: IntakeField, value: FieldValue, now: datetime, catalog: Catalog = ENGLISH
) -> tuple[FieldValue, str | None]:
    """Return the cleaned value and an error message for one field."""
    if isinstance(value, str):
        value = clean_text(value)
    empty = value is None or value == "" or value == [] or value is False
    if empty:
        if spec.required:
            return None, _say(catalog, "required", label=spec.label)
        return (False if spec.kind is FieldKind.CHECKBOX else None), None
    if spec.kind in (FieldKind.TEXT, FieldKind.LONG_TEXT, FieldKind.URL):
        assert isinstance(value, str)
        if spec.max_length is not None and len(value) > spec.max_length:
            return value, _say(catalog, "too_long", max=spec.max_length, now=len(value))
        if len(value) < spec.min_length:
            return value, _say(catalog, "too_short", min=spec.min_length)
        if spec.kind is FieldKind.URL:
            return value, _check_url(spec, value, catalog)
        return value, None
    if spec.kind is FieldKind.SELECT:
        if value not in {o.value for o in spec.options}:
            return None, _say(catalog, "pick_one")
        return value, None
    if spec.kind is FieldKind.MULTI_SELECT:
        allowed = {o.value for o in spec.options}
        if not isinstance(value, list) or not set(value) <= allowed:
            return None, _say(catalog, "pick_from")
        return value, None
    if spec.kind is FieldKind.DATETIME:
        if not isinstance(value, datetime) or value.tzinfo is None:
            return None, _say(catalog, "pick_datetime")
        if spec.role is FieldRole.DEADLINE and value <= now:
            return value, _say(catalog, "past_deadline")
        return value, None
    if spec.kind is FieldKind.DATE:
        if not isinstance(value, date):
            return None, _say(catalog, "pick_date")
        return value, None
    if spec.kind is FieldKind.USER and not is_user_id(value):
        return None, "Pick a person from the list"
    return value, None


def validate_intake(
    flow: Flow,
    raw: dict[str, FieldValue],
    *,
    reporter_id: str,
    now: datetime,
    source_channel_id: str | None = None,
    source_message: str | None = None,
    reply_ts: str | None = None,
    catalog: Catalog = ENGLISH,
) -> Intake:
    """Validate every field of `flow`; raise IntakeInvalid with one message per bad field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for spec in flow.fields:
        cleaned, error = _check_field(spec, raw.get(spec.id), now, catalog)
        severity_ids = {s.id for s in flow.severities}
        if spec.kind is FieldKind.SEVERITY and cleaned is not None and cleaned not in severity_ids:
            cleaned, error = None, _say(catalog, "pick_severity")
        if error:
            errors[spec.id] = error
        values[spec.id] = cleaned
    if errors:
        raise IntakeInvalid(errors)

    def by_role(role: FieldRole) -> Any:
        spec = flow.field_for(role)
        return values.get(spec.id) if spec else None

    deadline_at = by_role(FieldRole.DEADLINE)
    salesforce_link = by_role(FieldRole.SALESFORCE)
    chosen = by_role(FieldRole.SEVERITY)
    decision = decide_severity(
        severities=flow.severities,
        default_id=flow.default_severity,
        chosen_id=chosen,
        rules=flow.severity_rules,
        deadline_at=deadline_at,
        values=values,
        now=now,
    )
    return Intake(
        flow_id=flow.id,
        reporter_id=reporter_id,
        severity=decision.severity,
        severity_reasons=decision.reasons,
        advertiser=by_role(FieldRole.ADVERTISER) or "",
        campaign=by_role(FieldRole.CAMPAIGN) or "",
        market=by_role(FieldRole.MARKET) or "",
        deadline_at=deadline_at,
        summary=by_role(FieldRole.SUMMARY) or "",
        sensitive=flow.sensitive or bool(by_role(FieldRole.SENSITIVE)),
        values=values,
        source_channel_id=source_channel_id if is_channel_id(source_channel_id) else None,
        salesforce=parse_record_link(salesforce_link) if salesforce_link else None,
        source_message=source_message,
        reply_ts=reply_ts,
    )
