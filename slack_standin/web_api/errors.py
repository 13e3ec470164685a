"""The one exception a Web API handler raises to answer `ok: false`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ApiError(Exception):
    """A Slack Web API error: `{"ok": false, "error": code}` plus optional explanations."""

    def __init__(
        self,
        error: str,
        *,
        messages: Sequence[str] = (),
        status: int = 200,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)
        self.status = status
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        """The JSON body Slack would answer with."""
        body: dict[str, Any] = {"ok": False, "error": self.error, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body
