"""Block Kit parts that depend only on configuration objects (the flows, one flow, a catalogue): built from
slack_sdk objects once, so their to_dict and validation run once, and handed out as fresh copies."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

LIMIT = 256  # flows x catalogues x parts: a handful each; a reload's old entries go when this fills


class BuiltOnce:
    """A small cache keyed by the identity of the objects a part was built from.

    Configuration objects are frozen, and a reload swaps in new ones, so identity is the right key: a
    changed configuration gives new parts. Each entry holds its inputs, so their ids cannot be reused by
    other objects while it is cached. Nothing per request (a rep's values, private_metadata, articles)
    belongs in here: callers build those fresh each time.
    """

    def __init__(self, *, limit: int = LIMIT) -> None:
        self._limit = limit
        self._entries: dict[tuple[object, ...], tuple[tuple[object, ...], Any]] = {}
        self._lock = threading.Lock()

    def json(self, name: str, inputs: tuple[object, ...], build: Callable[[], T]) -> T:
        """A fresh copy of the JSON-ready value `build()` returns for these inputs (built on first use)."""
        encoded: str = self._get(("json", name), inputs, lambda: json.dumps(build(), ensure_ascii=False))
        return json.loads(encoded)  # type: ignore[no-any-return]

    def shared(self, name: str, inputs: tuple[object, ...], build: Callable[[], T]) -> T:
        """The one value `build()` returns for these inputs, for immutable values (e.g. a localized flow)."""
        return self._get(("shared", name), inputs, build)  # type: ignore[no-any-return]

    def _get(self, name: tuple[str, str], inputs: tuple[object, ...], build: Callable[[], Any]) -> Any:
        key = (*name, *(id(each) for each in inputs))
        hit = self._entries.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], inputs, strict=True)):
            return hit[1]
        value = build()  # outside the lock: two threads may both build a part the first time, alike
        with self._lock:
            if len(self._entries) >= self._limit:
                self._entries.clear()
            self._entries[key] = (inputs, value)
        return value

    def __len__(self) -> int:
        return len(self._entries)
