"""Typed access to a Web API call's arguments, which arrive as JSON values or form strings."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

from slack_standin.web_api.errors import ApiError

# Arguments that carry JSON: sdk sends them as objects in JSON bodies and as strings in form bodies.
JSON_ARGS = frozenset({"blocks", "attachments", "view", "metadata"})
_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"0", "false", "no", ""})


def normalize(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Drop nulls and decode JSON-carrying string arguments when they parse (else keep the string)."""
    args: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None:
            continue
        if name in JSON_ARGS and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        args[name] = value
    return args


class Args:
    """One call's arguments with small typed getters that raise the right Slack error."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def text(self, name: str, *, error: str = "invalid_arguments") -> str | None:
        """A string argument (numbers are accepted and turned into strings)."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ApiError(error, messages=[f"[ERROR] {name} must be a string"])
        return str(value)

    def need_text(self, name: str, *, error: str) -> str:
        """A required, non-empty string argument."""
        value = self.text(name, error=error)
        if not value:
            raise ApiError(error)
        return value

    def flag(self, name: str, *, default: bool = False) -> bool:
        """A boolean argument given as true/false, 1/0 or "true"/"false"."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ApiError("invalid_arguments", messages=[f"[ERROR] {name} must be a boolean"])

    def number(self, name: str, *, default: int) -> int:
        """An integer argument (Slack accepts numeric strings)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError("invalid_arguments", messages=[f"[ERROR] {name} must be an integer"]) from None

    def structure(self, name: str, *, error: str) -> Any:
        """A JSON-carrying argument, decoded; a string that is not JSON raises `error`."""
        value = self.values.get(name)
        if isinstance(value, str):
            raise ApiError(error, messages=[f"[ERROR] {name} is not valid JSON"])
        return value

    def id_list(self, name: str) -> list[str]:
        """A comma-separated list of ids (or a JSON list)."""
        value = self.values.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]
