"""What Slack checks in a message's `blocks` and in a view, as lists of `[ERROR] …` explanations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from slack_standin.blockkit.schema import BLOCKS, MESSAGE_BLOCKS, VIEWS
from slack_standin.blockkit.specs import ListOf, Typed, problem

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BYTES = 250_000
MAX_EXPLANATIONS = 20
_MESSAGE_BLOCK_LIST = ListOf(Typed(BLOCKS, MESSAGE_BLOCKS), MAX_MESSAGE_BLOCKS)


def check_message_blocks(blocks: Any) -> list[str]:
    """Problems with a message's `blocks` (empty list when Slack would accept them)."""
    found = list(_MESSAGE_BLOCK_LIST.check(blocks, "/blocks"))
    if isinstance(blocks, list):
        found.extend(_duplicate_ids(blocks, "/blocks"))
    return found[:MAX_EXPLANATIONS]


def view_too_large(view: Any) -> bool:
    """True when the view's JSON is over Slack's 250 kB."""
    return len(json.dumps(view, ensure_ascii=False).encode()) > MAX_VIEW_BYTES


def check_view(view: Any, *, allowed: frozenset[str] = frozenset(VIEWS)) -> list[str]:
    """Problems with a `view` argument (type, title, submit/close, metadata, blocks, ids)."""
    if not isinstance(view, dict):
        return [problem("must be an object", "/view")]
    kind = view.get("type")
    if kind not in allowed:
        return [problem(f"unsupported type: {kind}", "/view/type")]
    found = list(VIEWS[kind].check(view, "/view"))
    blocks = view.get("blocks")
    if isinstance(blocks, list):
        found.extend(_duplicate_ids(blocks, "/view/blocks"))
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if kind == "modal" and has_input and "submit" not in view:
            found.append(problem("submit is required when an input block is within the blocks array", "/view"))
    return found[:MAX_EXPLANATIONS]


def _duplicate_ids(blocks: list[Any], path: str) -> Iterator[str]:
    """block_id must be unique in the message/view, action_id unique within its block."""
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in block_ids:
                yield problem(f"duplicate block_id: {block_id}", f"{path}/{index}/block_id")
            block_ids.add(block_id)
        action_ids: set[str] = set()
        for where, element in _elements(block):
            action_id = element.get("action_id")
            if not isinstance(action_id, str):
                continue
            if action_id in action_ids:
                yield problem(f"duplicate action_id: {action_id}", f"{path}/{index}/{where}/action_id")
            action_ids.add(action_id)


def _elements(block: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The interactive elements of a block, with their pointer suffix."""
    if block.get("type") == "actions" and isinstance(block.get("elements"), list):
        for index, element in enumerate(block["elements"]):
            if isinstance(element, dict):
                yield f"elements/{index}", element
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            yield key, block[key]
