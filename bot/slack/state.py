"""Read a view_submission's state and private_metadata into plain Python values."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any

from bot.domain.flow import FieldKind, Flow, IntakeField
from bot.domain.intake import FieldValue
from bot.slack import ids


@dataclass(frozen=True, slots=True)
class IntakeMeta:
    """What the intake modal carries between requests (in private_metadata)."""

    source_channel_id: str | None = None
    text: str = ""
    shown_flow: str | None = None
    duplicate_of: int | None = None
    guides: tuple[str, ...] = ()  # guide articles shown in the form (filing anyway is an "escalated" event)
    asked: bool = False  # opened from /ad-policy's "still need help": its articles were seen already
    # Opened from "Escalate this message": the message's permalink and where a reply goes (channel, thread ts),
    # and the values the message suggests, by field role.
    source_message: str | None = None
    reply_ts: str | None = None
    prefill: dict[str, str] = field(default_factory=dict)

    def dump(self) -> str:
        # What dataclasses.asdict gives, without its deep copy of every value (this runs on every form).
        data: dict[str, Any] = {name: getattr(self, name) for name in _META_FIELDS}
        data["guides"] = list(self.guides)
        data["prefill"] = dict(self.prefill)
        encoded = json.dumps(data, ensure_ascii=False)
        while len(encoded) > 2900 and data["text"]:  # private_metadata holds 3000 characters
            data["text"] = data["text"][: len(data["text"]) // 2]
            encoded = json.dumps(data, ensure_ascii=False)
        return encoded

    @classmethod
    def load(cls, raw: str | None) -> IntakeMeta:
        try:
            data = json.loads(raw or "{}")
        except json.JSONDecodeError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        dup = data.get("duplicate_of")
        guides = data.get("guides")
        return cls(
            source_channel_id=data.get("source_channel_id") if isinstance(data.get("source_channel_id"), str) else None,
            text=str(data.get("text") or ""),
            shown_flow=data.get("shown_flow") if isinstance(data.get("shown_flow"), str) else None,
            duplicate_of=dup if isinstance(dup, int) else None,
            guides=tuple(str(g) for g in guides[:3]) if isinstance(guides, list) else (),
            asked=data.get("asked") is True,
            source_message=_text_or_none(data.get("source_message")),
            reply_ts=_text_or_none(data.get("reply_ts")),
            prefill={str(k): str(v) for k, v in prefill.items()}
            if isinstance(prefill := data.get("prefill"), dict)
            else {},
        )


_META_FIELDS = tuple(f.name for f in fields(IntakeMeta))


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _element(values: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    block = values.get(block_id)
    if not isinstance(block, dict):
        return {}
    element = block.get(action_id)
    return element if isinstance(element, dict) else {}


def selected_value(values: dict[str, Any], block_id: str, action_id: str) -> str | None:
    """The value of a static select or radio group, if one is chosen."""
    option = _element(values, block_id, action_id).get("selected_option")
    if isinstance(option, dict) and isinstance(option.get("value"), str):
        return str(option["value"])
    return None


def field_value(field: IntakeField, values: dict[str, Any]) -> FieldValue:
    """One field's value as the domain expects it (None when empty)."""
    element = _element(values, ids.field_block(field.id), ids.FIELD_ACTION)
    kind = field.kind
    if kind in (FieldKind.TEXT, FieldKind.LONG_TEXT, FieldKind.URL):
        value = element.get("value")
        return value if isinstance(value, str) else None
    if kind in (FieldKind.SELECT, FieldKind.SEVERITY):
        return selected_value(values, ids.field_block(field.id), ids.FIELD_ACTION)
    if kind is FieldKind.MULTI_SELECT:
        return [str(o.get("value")) for o in element.get("selected_options") or [] if isinstance(o, dict)]
    if kind is FieldKind.CHECKBOX:
        return bool(element.get("selected_options"))
    if kind is FieldKind.DATETIME:
        stamp = element.get("selected_date_time")
        return datetime.fromtimestamp(int(stamp), UTC) if isinstance(stamp, int | float) else None
    if kind is FieldKind.DATE:
        text = element.get("selected_date")
        try:
            return date.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            return None
    if kind is FieldKind.USER:
        user = element.get("selected_user")
        return user if isinstance(user, str) else None
    return None


def intake_values(flow: Flow, values: dict[str, Any]) -> dict[str, FieldValue]:
    """Every field of `flow` from the submitted state."""
    return {field.id: field_value(field, values) for field in flow.fields}
