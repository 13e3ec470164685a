"""What Slack's own client refuses before a view_submission is ever sent to the bot."""

from __future__ import annotations

import re
from typing import Any

from slack_standin.blockkit.state_values import is_empty

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://\S+$")


def _length_error(element: dict[str, Any], text: str) -> str | None:
    low, high = element.get("min_length"), element.get("max_length")
    if isinstance(low, int) and len(text) < low:
        return f"Must be at least {low} characters."
    if isinstance(high, int) and len(text) > high:
        return f"Must be at most {high} characters."
    return None


def _number_error(element: dict[str, Any], text: str) -> str | None:
    try:
        number = float(text) if element.get("is_decimal_allowed") else int(text)
    except ValueError:
        return "Please enter a number." if element.get("is_decimal_allowed") else "Please enter a whole number."
    low, high = element.get("min_value"), element.get("max_value")
    if low is not None and number < float(low):
        return f"Must be at least {low}."
    if high is not None and number > float(high):
        return f"Must be at most {high}."
    return None


def _format_error(element: dict[str, Any], value: Any) -> str | None:
    if not isinstance(value, str) or value == "":
        return None
    kind = element.get("type")
    if kind == "plain_text_input":
        return _length_error(element, value)
    if kind == "number_input":
        return _number_error(element, value)
    if kind == "email_text_input" and not _EMAIL.match(value):
        return "Please enter a valid email address."
    if kind == "url_text_input" and not _URL.match(value):
        return "Please enter a valid URL."
    return None


def client_errors(view: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Errors by block_id for required inputs left empty and malformed typed values."""
    errors: dict[str, str] = {}
    for block in view.get("blocks", []):
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict):
            continue
        entry = values.get(block.get("block_id", ""), {}).get(element.get("action_id", ""), {})
        if not entry or is_empty(entry):
            if not block.get("optional"):
                errors[block.get("block_id", "")] = "Please fill out this field."
            continue
        problem = _format_error(element, entry.get("value"))
        if problem:
            errors[block.get("block_id", "")] = problem
    return errors
