"""How Slack shapes an element's value in `view.state.values` and in block_actions `actions[0]`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

Element = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Shape:
    """The state key of an element type, how a Python value becomes it, and its initial_* key."""

    key: str
    convert: Callable[[Element, Any], Any]
    initial: str | None
    empty: Any


def _text(element: Element, value: Any) -> str:
    return str(value)


def _rich_text(element: Element, value: Any) -> Any:
    if isinstance(value, dict):
        return value
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": str(value)}]}
    return {"type": "rich_text", "elements": [section]}


def _options(element: Element) -> list[dict[str, Any]]:
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found.extend(group.get("options") or [])
    return found


def _option(element: Element, value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        value = value.get("value")
    if element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    for option in _options(element):
        if option.get("value") == value:
            return dict(option)
    known = [o.get("value") for o in _options(element)]
    raise ValueError(f"{value!r} is not an option of {element.get('action_id')!r}; options: {known}")


def _option_list(element: Element, value: Any) -> list[dict[str, Any]]:
    return [_option(element, v) for v in _as_list(value)]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def _ids(element: Element, value: Any) -> list[str]:
    return [str(v) for v in _as_list(value)]


def _date(element: Element, value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _time(element: Element, value: Any) -> str:
    return value.strftime("%H:%M") if isinstance(value, time) else str(value)


def _epoch(element: Element, value: Any) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimepicker values must be aware datetimes")
        return int(value.timestamp())
    return int(value)


_TYPED = Shape("value", _text, "initial_value", None)
_ONE = Shape("selected_option", _option, "initial_option", None)
_MANY = Shape("selected_options", _option_list, "initial_options", [])
SHAPES: dict[str, Shape] = {
    "plain_text_input": _TYPED,
    "email_text_input": _TYPED,
    "url_text_input": _TYPED,
    "number_input": _TYPED,
    "rich_text_input": Shape("rich_text_value", _rich_text, "initial_value", None),
    "static_select": _ONE,
    "external_select": _ONE,
    "radio_buttons": _ONE,
    "overflow": Shape("selected_option", _option, None, None),
    "multi_static_select": _MANY,
    "multi_external_select": _MANY,
    "checkboxes": _MANY,
    "datepicker": Shape("selected_date", _date, "initial_date", None),
    "timepicker": Shape("selected_time", _time, "initial_time", None),
    "datetimepicker": Shape("selected_date_time", _epoch, "initial_date_time", None),
    "users_select": Shape("selected_user", _text, "initial_user", None),
    "multi_users_select": Shape("selected_users", _ids, "initial_users", []),
    "conversations_select": Shape("selected_conversation", _text, "initial_conversation", None),
    "multi_conversations_select": Shape("selected_conversations", _ids, "initial_conversations", []),
    "channels_select": Shape("selected_channel", _text, "initial_channel", None),
    "multi_channels_select": Shape("selected_channels", _ids, "initial_channels", []),
    "file_input": Shape("files", lambda element, value: _as_list(value), None, []),
}


def shape_of(element: Element) -> Shape:
    """The Shape for an element, or a loud error for elements that hold no value."""
    kind = element.get("type", "")
    if kind not in SHAPES:
        raise ValueError(f"element type {kind!r} holds no value")
    return SHAPES[kind]


def entered(element: Element, value: Any) -> dict[str, Any]:
    """The state entry after a person enters `value` (None clears it)."""
    shape = shape_of(element)
    shaped = shape.empty if value is None else shape.convert(element, value)
    return {"type": element["type"], shape.key: shaped}


def initial(element: Element) -> dict[str, Any]:
    """The state entry Slack reports for an untouched element: its initial_* value, else empty."""
    shape = shape_of(element)
    value = element.get(shape.initial) if shape.initial else None
    if shape.key == "rich_text_value" or value is None:
        return {"type": element["type"], shape.key: value if value is not None else shape.empty}
    if shape.key == "value":
        value = str(value)
    return {"type": element["type"], shape.key: value}


def is_empty(entry: dict[str, Any]) -> bool:
    """True when a state entry holds nothing (what Slack's client refuses for required inputs)."""
    return all(v in (None, "", []) for k, v in entry.items() if k != "type")
