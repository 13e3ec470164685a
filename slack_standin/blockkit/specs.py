"""Small composable field specs for Block Kit JSON; each yields Slack-style `[ERROR] …` lines."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


def problem(text: str, path: str) -> str:
    """One explanation in Slack's `response_metadata.messages` format."""
    return f"[ERROR] {text} [json-pointer:{path}]"


class Spec(Protocol):
    """Anything that can check one JSON value found at `path`."""

    def check(self, value: Any, path: str) -> Iterator[str]:
        """Yield one `[ERROR] …` line per problem with `value`."""
        ...


def _length(text: str, low: int, high: int, path: str) -> Iterator[str]:
    if len(text) > high:
        yield problem(f"must be less than {high + 1} characters", path)
    elif len(text) < low:
        yield problem(f"must be more than {low - 1} characters", path)


@dataclass(frozen=True, slots=True)
class Str:
    """A string of bounded length, optionally one of a few choices."""

    max_len: int
    min_len: int = 0
    choices: tuple[str, ...] = ()

    def check(self, value: Any, path: str) -> Iterator[str]:
        if not isinstance(value, str):
            yield problem("must be a string", path)
            return
        if self.choices and value not in self.choices:
            yield problem(f"must be one of the following: {', '.join(self.choices)}", path)
        yield from _length(value, self.min_len, self.max_len, path)


@dataclass(frozen=True, slots=True)
class Num:
    """An integer within bounds."""

    low: int | None = None
    high: int | None = None

    def check(self, value: Any, path: str) -> Iterator[str]:
        if isinstance(value, bool) or not isinstance(value, int):
            yield problem("must be an integer", path)
        elif self.low is not None and value < self.low:
            yield problem(f"must be at least {self.low}", path)
        elif self.high is not None and value > self.high:
            yield problem(f"must be at most {self.high}", path)


@dataclass(frozen=True, slots=True)
class Bool:
    """A JSON boolean."""

    def check(self, value: Any, path: str) -> Iterator[str]:
        if not isinstance(value, bool):
            yield problem("must be a boolean", path)


@dataclass(frozen=True, slots=True)
class AnyValue:
    """Accepted as is (rich text internals, filters, dispatch configs)."""

    def check(self, value: Any, path: str) -> Iterator[str]:
        yield from ()


@dataclass(frozen=True, slots=True)
class Text:
    """A text object `{"type": "plain_text"|"mrkdwn", "text": …}` of 1..max_len characters."""

    max_len: int
    plain: bool = False

    def check(self, value: Any, path: str) -> Iterator[str]:
        if not isinstance(value, dict):
            yield problem("must be a text object", path)
            return
        kinds = ("plain_text",) if self.plain else ("plain_text", "mrkdwn")
        if value.get("type") not in kinds:
            yield problem(f"must be one of the following: {', '.join(kinds)}", f"{path}/type")
        for key in value.keys() - {"type", "text", "emoji", "verbatim"}:
            yield problem(f"invalid additional property: {key}", path)
        text = value.get("text")
        if not isinstance(text, str):
            yield problem("missing required field: text" if text is None else "must be a string", path)
            return
        yield from _length(text, 1, self.max_len, f"{path}/text")


@dataclass(frozen=True, slots=True)
class ListOf:
    """An array of 0..max_items (or min_items..) items, each checked by `item`."""

    item: Spec
    max_items: int
    min_items: int = 0

    def check(self, value: Any, path: str) -> Iterator[str]:
        if not isinstance(value, list):
            yield problem("must be an array", path)
            return
        if len(value) > self.max_items:
            yield problem(f"no more than {self.max_items} items allowed", path)
        elif len(value) < self.min_items:
            yield problem(f"must provide at least {self.min_items} items", path)
        for index, entry in enumerate(value):
            yield from self.item.check(entry, f"{path}/{index}")


@dataclass(frozen=True, slots=True)
class Obj:
    """An object with known fields; `required` names fields, or tuples meaning "one of these"."""

    fields: Mapping[str, Spec]
    required: tuple[str | tuple[str, ...], ...] = ()

    def check(self, value: Any, path: str) -> Iterator[str]:
        if not isinstance(value, dict):
            yield problem("must be an object", path)
            return
        for key in value:
            if key != "type" and key not in self.fields:
                yield problem(f"invalid additional property: {key}", path)
        for need in self.required:
            names = (need,) if isinstance(need, str) else need
            if all(value.get(name) is None for name in names):
                yield problem(f"missing required field: {' or '.join(names)}", path)
        for key, spec in self.fields.items():
            if key in value:
                yield from spec.check(value[key], f"{path}/{key}")


@dataclass(frozen=True, slots=True)
class Typed:
    """An object whose `type` picks its spec from `table`, limited to the `allowed` types."""

    table: Mapping[str, Obj]
    allowed: frozenset[str] = field(default_factory=frozenset)

    def check(self, value: Any, path: str) -> Iterator[str]:
        if not isinstance(value, dict):
            yield problem("must be an object", path)
            return
        kind = value.get("type")
        allowed = self.allowed or frozenset(self.table)
        if not isinstance(kind, str) or kind not in allowed or kind not in self.table:
            yield problem(f"unsupported type: {kind}", f"{path}/type")
            return
        yield from self.table[kind].check(value, path)
